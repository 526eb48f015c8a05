import { isDeepStrictEqual } from 'node:util';
import type { ScrapeTarget } from '@vigil/contracts';
import { ScrapeLoop, type ScrapeLoopDeps } from './scrape-loop';

/** One ScrapeLoop per configured target, keyed by name. */
export class Scraper {
  private readonly loops = new Map<string, ScrapeLoop>();

  /** `deps.logger` is bound to each target's name for its loop. */
  constructor(private readonly deps: ScrapeLoopDeps) {}

  /**
   * Brings the loops in line with `targets`: a removed target stops, a changed one starts
   * again with its new settings, a new one starts (and scrapes at once).
   */
  async apply(targets: readonly ScrapeTarget[]): Promise<void> {
    const wanted = new Map(targets.map((t) => [t.name, t]));
    const outdated = [...this.loops.values()].filter(
      (loop) => !isDeepStrictEqual(wanted.get(loop.target.name), loop.target),
    );
    for (const loop of outdated) this.loops.delete(loop.target.name);
    for (const target of wanted.values()) {
      if (this.loops.has(target.name)) continue;
      const loop = new ScrapeLoop(target, {
        ...this.deps,
        logger: this.deps.logger.child({ scrape_job: target.name }),
      });
      this.loops.set(target.name, loop);
      loop.start();
    }
    await Promise.all(outdated.map((loop) => loop.stop()));
  }

  stop(): Promise<void> {
    return this.apply([]);
  }

  active(): ScrapeLoop[] {
    return [...this.loops.values()];
  }
}
