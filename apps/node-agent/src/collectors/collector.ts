import type { Sample } from '@vigil/contracts';
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import type { ProcReader } from './proc-reader';
import type { StatFs } from './filesystem.collector';

/** One source of samples. A collector that cannot read its source on this host returns []. */
export interface Collector {
  readonly name: string;
  collect(): Promise<Sample[]>;
}

/** What collectors may use; OS access goes through these so tests use fixtures. */
export interface CollectorDeps {
  proc: ProcReader;
  statfs: StatFs;
  clock: Clock;
  logger: Logger;
}
