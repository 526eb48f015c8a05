import { type AddressInfo, createServer } from 'node:net';
import { type Sample, SupervisedProcess, ScrapeTarget } from '@vigil/contracts';
import { findTool } from '@vigil/test-support';
import pino from 'pino';
import { systemClock } from '../clock';
import { createProcReader } from '../collectors/file-reader';
import { createHostSupervisor, SupervisorCollector } from '../supervise';
import type { ProcessEvent } from '../supervise/process-supervisor';
import { createHttpScraper, ScrapeCollector } from '.';
import { eventually } from './fixtures/eventually';

/** From Debian's `prometheus-node-exporter` package (1.5 on bookworm), which CI installs. */
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';

jest.setTimeout(60_000);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

/** Whether any process is in the process group `pgid` (signal 0 checks without sending). */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
}

describe('a supervised prometheus-node-exporter, scraped', () => {
  const logger = pino({ level: 'silent' });
  const supervisor = createHostSupervisor({ clock: systemClock, logger, env: process.env });
  const scraper = createHttpScraper({ clock: systemClock, logger });
  const processMetrics = new SupervisorCollector({ supervisor, proc: createProcReader() });
  const scraped = new ScrapeCollector(scraper);
  const events: ProcessEvent[] = [];
  supervisor.subscribe((event) => events.push(event));

  afterAll(async () => {
    await scraper.stop();
    await supervisor.stop();
  });

  it('is started and health-checked, scraped with its job label, restarted after SIGKILL, and gone after stop', async () => {
    // Fails rather than skips even outside CI: node_exporter is what this test is about.
    expect(findTool(NODE_EXPORTER) ?? 'missing: apt-get install prometheus-node-exporter').toBe(NODE_EXPORTER);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/metrics`;
    await supervisor.apply([
      SupervisedProcess.parse({
        name: 'node_exporter',
        command: NODE_EXPORTER,
        args: [`--web.listen-address=127.0.0.1:${port}`],
        restart: 'always',
        backoff: { initialMs: 200, maxMs: 1_000 },
        healthCheck: { type: 'http', url, intervalMs: 200, timeoutMs: 2_000, failureThreshold: 3 },
        stopTimeoutMs: 5_000,
      }),
    ]);
    const status = () => supervisor.statuses()[0];
    await eventually(() => expect(status()).toMatchObject({ up: true, healthy: true }), 15_000);
    const firstPid = status().pid as number;
    expect(events).toEqual([expect.objectContaining({ process: 'node_exporter', type: 'started', pid: firstPid })]);

    await scraper.apply([ScrapeTarget.parse({ name: 'node', url, intervalMs: 500, labels: { env: 'test' } })]);
    const samples = await eventually(async () => {
      const all = await scraped.collect();
      expect(find(all, 'node_load1')).toBeDefined();
      return all;
    }, 15_000);
    expect(find(samples, 'node_load1')?.labels).toEqual({ job: 'node', env: 'test' });
    expect(find(samples, 'node_cpu_seconds_total', { cpu: '0', mode: 'idle' })).toMatchObject({
      labels: { cpu: '0', mode: 'idle', job: 'node', env: 'test' },
      value: expect.any(Number),
    });
    expect(find(samples, 'vigil_agent_scrape_up', { job: 'node' })?.value).toBe(1);

    const running = await processMetrics.collect();
    const label = { process: 'node_exporter' };
    expect(find(running, 'vigil_supervised_process_up', label)?.value).toBe(1);
    expect(find(running, 'vigil_supervised_process_healthy', label)?.value).toBe(1);
    expect(find(running, 'vigil_supervised_process_restarts_total', label)?.value).toBe(0);
    expect(find(running, 'vigil_supervised_process_cpu_seconds_total', label)?.value).toBeGreaterThanOrEqual(0);
    expect(find(running, 'vigil_supervised_process_resident_memory_bytes', label)?.value).toBeGreaterThan(1024 * 1024);

    process.kill(firstPid, 'SIGKILL');
    await eventually(() => expect(events.map((e) => e.type)).toEqual(['started', 'exited', 'restarted']), 15_000);
    expect(events[1]).toMatchObject({ type: 'exited', pid: firstPid, signal: 'SIGKILL' });
    expect(events[2]).toMatchObject({ type: 'restarted', reason: 'killed by SIGKILL' });
    const secondPid = status().pid as number;
    expect(secondPid).not.toBe(firstPid);
    await eventually(() => expect(status()).toMatchObject({ up: true, healthy: true, restarts: 1 }), 15_000);
    const restarted = await processMetrics.collect();
    expect(find(restarted, 'vigil_supervised_process_restarts_total', label)?.value).toBe(1);
    expect(find(restarted, 'vigil_supervised_process_healthy', label)?.value).toBe(1);
    await eventually(async () => expect(find(await scraped.collect(), 'node_load1')).toBeDefined(), 15_000);

    await supervisor.stop();
    expect(events.at(-1)).toMatchObject({ type: 'exited', pid: secondPid, signal: 'SIGTERM', reason: 'stopped' });
    expect(groupAlive(secondPid)).toBe(false);
    expect(supervisor.statuses()).toEqual([]);
  });
});
