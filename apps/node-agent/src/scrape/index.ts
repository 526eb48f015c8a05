import type { Logger } from 'pino';
import type { Clock } from '../clock';
import { fetchExposition } from './fetch-exposition';
import { Scraper } from './scraper';

export { ScrapeCollector } from './scrape.collector';

/** A Scraper of the configured targets over HTTP. */
export function createHttpScraper(deps: { clock: Clock; logger: Logger }): Scraper {
  return new Scraper({ fetchExposition, ...deps });
}
