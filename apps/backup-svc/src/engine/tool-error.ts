/**
 * A step of a backup or a verification that failed, saying which step, and for an external tool
 * its exit code and the tail of what it wrote on stderr (what an operator needs to act on).
 */
export class StepError extends Error {
  constructor(
    readonly step: string,
    message: string,
    readonly exitCode?: number,
    readonly stderrTail?: string,
  ) {
    super(`${step}: ${message}`);
    this.name = 'StepError';
  }
}
