const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

/**
 * Resolves with the first SIGTERM or SIGINT. The handlers are removed at once, so a
 * second signal during a slow shutdown terminates the process the default way.
 */
export function shutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      for (const s of SHUTDOWN_SIGNALS) process.off(s, onSignal);
      resolve(signal);
    };
    for (const s of SHUTDOWN_SIGNALS) process.on(s, onSignal);
  });
}
