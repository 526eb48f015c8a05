import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Sample, ScrapeTarget } from '@vigil/contracts';
import pino from 'pino';
import { systemClock } from '../clock';
import { fetchExposition } from './fetch-exposition';
import { eventually } from './fixtures/eventually';
import { ScrapeCollector } from './scrape.collector';
import { Scraper } from './scraper';

let body = '';
let status = 200;
let requests = 0;
const server: Server = createServer((_req, res) => {
  requests++;
  res.statusCode = status;
  res.end(body);
});
let url: string;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  body = 'app_requests_total{code="200"} 7\napp_temperature NaN\n';
  status = 200;
  requests = 0;
});

function setup(budget?: number) {
  const scraper = new Scraper({ fetchExposition, clock: systemClock, logger: pino({ level: 'silent' }) });
  const collector = new ScrapeCollector(scraper, budget);
  const target = (fields: Partial<ScrapeTarget> = {}) =>
    ScrapeTarget.parse({ name: 'app', url, intervalMs: 100, labels: { team: 'a' }, ...fields });
  return { scraper, collector, target };
}

const scraped = (samples: Sample[]) => samples.filter((s) => !s.name.startsWith('vigil_'));
const metric = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;

describe('Scraper with ScrapeCollector', () => {
  it('forwards each scrape once, with job and target labels, and reports up, duration and skipped series', async () => {
    const { scraper, collector, target } = setup();
    await scraper.apply([target({ intervalMs: 60_000 })]);
    try {
      const first = await eventually(async () => {
        const samples = await collector.collect();
        expect(scraped(samples)).toHaveLength(1);
        return samples;
      });
      expect(scraped(first)).toEqual([
        { name: 'app_requests_total', labels: { code: '200', team: 'a', job: 'app' }, value: 7 },
      ]);
      expect(metric(first, 'vigil_agent_scrape_up', { job: 'app' })).toBe(1);
      expect(metric(first, 'vigil_agent_scrape_duration_seconds', { job: 'app' })).toBeGreaterThan(0);
      expect(metric(first, 'vigil_agent_scrape_samples_skipped_total', { job: 'app', reason: 'non_finite' })).toBe(1);
      expect(metric(first, 'vigil_agent_scrape_samples_skipped_total', { job: 'app', reason: 'invalid' })).toBe(0);

      const second = await collector.collect();
      expect(scraped(second)).toEqual([]);
      expect(metric(second, 'vigil_agent_scrape_up', { job: 'app' })).toBe(1);
    } finally {
      await scraper.stop();
    }
  });

  it('scrapes on the interval and reports a failing target as down', async () => {
    const { scraper, collector, target } = setup();
    await scraper.apply([target()]);
    try {
      await eventually(() => expect(requests).toBeGreaterThanOrEqual(3));
      status = 500;
      await eventually(async () =>
        expect(metric(await collector.collect(), 'vigil_agent_scrape_up', { job: 'app' })).toBe(0),
      );
      expect(scraped(await collector.collect())).toEqual([]);
    } finally {
      await scraper.stop();
    }
  });

  it('forwards at most its budget of scraped samples per batch and counts the rest', async () => {
    body = Array.from({ length: 10 }, (_, i) => `series_${i} ${i}`).join('\n');
    const { scraper, collector, target } = setup(4);
    await scraper.apply([target({ intervalMs: 60_000 })]);
    try {
      const samples = await eventually(async () => {
        const all = await collector.collect();
        expect(scraped(all).length).toBeGreaterThan(0);
        return all;
      });
      expect(scraped(samples).map((s) => s.name)).toEqual(['series_0', 'series_1', 'series_2', 'series_3']);
      expect(metric(samples, 'vigil_agent_scrape_samples_skipped_total', { reason: 'over_limit' })).toBe(6);
    } finally {
      await scraper.stop();
    }
  });

  it('follows config changes: a changed target starts anew, a removed one stops and disappears', async () => {
    const { scraper, collector, target } = setup();
    await scraper.apply([target({ intervalMs: 60_000 })]);
    await eventually(() => expect(requests).toBe(1));
    await scraper.apply([target({ intervalMs: 60_000, labels: { team: 'b' } })]);
    const samples = await eventually(async () => {
      const all = await collector.collect();
      expect(scraped(all)[0]?.labels.team).toBe('b');
      return all;
    });
    expect(requests).toBe(2);
    expect(metric(samples, 'vigil_agent_scrape_up', { job: 'app' })).toBe(1);

    await scraper.apply([]);
    expect(await collector.collect()).toEqual([]);
  });
});
