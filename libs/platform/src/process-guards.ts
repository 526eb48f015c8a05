import type { Logger } from '@vigil/telemetry';
import { Counter, type Registry } from 'prom-client';

export interface ProcessGuardOptions {
  logger: Logger;
  registry: Registry;
  /** Stops the service cleanly (closes the Nest app: drains NATS, ends the pools) before an exit. */
  close?: () => Promise<unknown>;
  /** How long `close` may take before the process exits anyway. */
  closeTimeoutMs?: number;
  exit?: (code: number) => void;
}

/** The exit code after an uncaught exception: a failure, so systemd, Docker or Kubernetes restart the service. */
export const UNCAUGHT_EXIT_CODE = 1;

/**
 * The process-wide policy for what escaped every handler:
 * - an unhandled promise rejection is a bug in one piece of work (one request, one message):
 *   it is logged (with the active span's trace id, as every line) and counted in
 *   `vigil_process_faults_total{kind="unhandled_rejection"}`, and the service keeps serving;
 * - an uncaught exception leaves the process in a state nobody knows: it is logged as fatal and
 *   counted, the service is closed (bounded by `closeTimeoutMs`) and the process exits with
 *   UNCAUGHT_EXIT_CODE for its supervisor to restart it. A second one while closing exits at once.
 * Returns a function that removes the handlers.
 */
export function installProcessGuards(opts: ProcessGuardOptions, proc: NodeJS.EventEmitter = process): () => void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const existing = opts.registry.getSingleMetric('vigil_process_faults_total');
  const faults =
    existing instanceof Counter
      ? (existing as Counter<'kind'>)
      : new Counter({
          name: 'vigil_process_faults_total',
          help: 'What escaped every handler: unhandled_rejection (logged, the service keeps serving) or uncaught_exception (logged, the process exits for its supervisor)',
          labelNames: ['kind'],
          registers: [opts.registry],
        });
  let exiting = false;

  const onRejection = (reason: unknown) => {
    faults.inc({ kind: 'unhandled_rejection' });
    opts.logger.error(
      { err: reason, fault: 'unhandled_rejection' },
      'unhandled promise rejection; the service keeps serving',
    );
  };
  const onException = (err: unknown, origin?: string) => {
    faults.inc({ kind: 'uncaught_exception' });
    opts.logger.fatal(
      { err, origin, fault: 'uncaught_exception' },
      'uncaught exception; stopping the service for its supervisor to restart it',
    );
    if (exiting) return exit(UNCAUGHT_EXIT_CODE);
    exiting = true;
    const deadline = new Promise<void>((resolve) => setTimeout(resolve, opts.closeTimeoutMs ?? 5000).unref());
    void Promise.race([Promise.resolve(opts.close?.()).catch(() => undefined), deadline]).then(() =>
      exit(UNCAUGHT_EXIT_CODE),
    );
  };
  proc.on('unhandledRejection', onRejection);
  proc.on('uncaughtException', onException);
  return () => {
    proc.off('unhandledRejection', onRejection);
    proc.off('uncaughtException', onException);
  };
}
