import type { Sample } from '@vigil/contracts';
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import type { FileReader } from './file-reader';
import type { StatFs } from './statfs';

/** One source of samples. A collector whose source does not exist on this host returns []. */
export interface Collector {
  readonly name: string;
  collect(): Promise<Sample[]>;
}

/** A collector and how often it runs. */
export interface ScheduledCollector {
  collector: Collector;
  /** Absent: on every sample tick. Otherwise rounded to a whole number of sample ticks. */
  intervalMs?: number;
}

/** What collectors may use; OS access goes through these so tests use fixtures. */
export interface CollectorDeps {
  /** /proc */
  proc: FileReader;
  /** /sys */
  sys: FileReader;
  statfs: StatFs;
  /** The environment commands run with; its PATH is where `nvidia-smi` is looked up. */
  env: NodeJS.ProcessEnv;
  clock: Clock;
  logger: Logger;
}
