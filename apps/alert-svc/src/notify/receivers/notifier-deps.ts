import type { Logger } from '@vigil/telemetry';

/** What every notifier is built with. */
export interface NotifierDeps {
  logger: Logger;
  /** Where `{ env }` secrets are read at send time; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Clock for signatures and Retry-After dates; defaults to Date.now. */
  now?: () => number;
}
