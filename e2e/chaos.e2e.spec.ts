import { formatReport, runChaos } from '../tools/chaos/chaos';

/**
 * The chaos proof, short profile (one cycle, 30 nodes, about two minutes): a private platform
 * (its own nats-server with authorization, Postgres cluster and Redis) while a ledgered fleet
 * streams; every service killed and paused past its lease, NATS, Postgres and Redis restarted.
 * The independent ledger must match the rollups, the registry, the alert history and the
 * webhook: no sample lost or counted twice, no alert or notification lost or duplicated, and
 * every service ready again by itself after each step. `npm run chaos -- --minutes N` runs longer.
 */
jest.setTimeout(240_000);

it('loses nothing and counts nothing twice through kills, pauses and dependency restarts', async () => {
  const lines: string[] = [];
  const report = await runChaos({ log: (line) => lines.push(line) });
  const verdict = formatReport(report);
  if (!report.passed) throw new Error(`${verdict}\n--- driver log ---\n${lines.join('\n')}`);
  // The run did what it claims: every step ran, the fleet streamed through them, alerts were due.
  expect(report.steps.map((s) => `${s.kind} ${s.target}`)).toEqual([
    'kill registry-svc',
    'kill metrics-svc',
    'kill alert-svc',
    'kill gateway',
    'kill backup-svc',
    'pause registry-svc',
    'pause metrics-svc',
    'pause alert-svc',
    'pause gateway',
    'pause backup-svc',
    'restart nats',
    'restart postgres',
    'restart redis',
  ]);
  expect(report.ledger.samples).toBeGreaterThan(3000);
  expect(report.samples.stored).toBe(report.ledger.samples);
  expect(report.registry.expected).toBe(30);
  expect(report.ledger.hotNodes).toBe(4);
  expect(report.notifications.received).toBeGreaterThanOrEqual(4);
  // During each dependency outage every service said it was not ready.
  expect(report.observations.readyDuringOutage).toEqual([]);
});
