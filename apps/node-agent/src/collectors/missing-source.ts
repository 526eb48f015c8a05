import type { Sample } from '@vigil/contracts';
import type { Logger } from 'pino';

/**
 * What a collector answers when its source does not exist on this host: no samples,
 * and one debug line the first time (not one per tick).
 */
export class MissingSource {
  private reported = false;

  constructor(
    private readonly logger: Logger,
    private readonly collector: string,
  ) {}

  noSamples(source: string): Sample[] {
    if (!this.reported) {
      this.logger.debug({ collector: this.collector, source }, 'collector source not available on this host; skipping');
      this.reported = true;
    }
    return [];
  }
}
