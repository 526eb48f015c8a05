export interface LivenessReport {
  status: 'ok';
  uptimeSeconds: number;
  pid: number;
}

/** Liveness checks no dependency: answering at all is the signal. */
export function livenessReport(): LivenessReport {
  return { status: 'ok', uptimeSeconds: Math.floor(process.uptime()), pid: process.pid };
}
