import { ciSteps, formatReport, runChaos, SERVICES } from '../tools/chaos/chaos';

/**
 * The chaos proof, short profile (`ciSteps()`, 30 nodes, about three minutes): a private platform
 * (its own nats-server with authorization, Postgres cluster and Redis) while a ledgered fleet
 * streams; every process (two replicas of metrics-svc and alert-svc) killed and paused past its lease, NATS, Postgres and Redis restarted, and a process started while each is down.
 * The independent ledger must match the rollups, the registry, the alert history and the
 * webhook: no sample lost or counted twice, no alert or notification lost or duplicated, and
 * every service ready again by itself after each step. `npm run chaos -- --minutes N` runs longer.
 */
// About three minutes on two busy cores; the limit leaves room for a slower machine.
jest.setTimeout(360_000);

it('loses nothing and counts nothing twice through kills, pauses and dependency restarts', async () => {
  const lines: string[] = [];
  const report = await runChaos({ steps: ciSteps(), log: (line) => lines.push(line) });
  const verdict = formatReport(report);
  if (!report.passed) throw new Error(`${verdict}\n--- driver log ---\n${lines.join('\n')}`);
  // The run did what it claims: every step ran, the fleet streamed through them, alerts were due.
  expect(report.steps.map(({ kind, target, service }) => ({ kind, target, service }))).toEqual(
    ciSteps().map(({ kind, target, service }) => ({ kind, target, service })),
  );
  expect(report.steps.map((s) => s.target)).toEqual(
    expect.arrayContaining([...SERVICES.map((s) => s.name), 'nats', 'postgres', 'redis']),
  );
  expect(report.ledger.samples).toBeGreaterThan(3000);
  expect(report.samples.stored).toBe(report.ledger.samples);
  expect(report.registry.expected).toBe(30);
  expect(report.ledger.hotNodes).toBe(4);
  expect(report.notifications.received).toBeGreaterThanOrEqual(4);
  // During each dependency outage every service said it was not ready.
  expect(report.observations.readyDuringOutage).toEqual([]);
  // A process started while Postgres or Redis is down waits for it (not ready), then resumes by itself.
  expect(report.observations.coldStarts).toEqual([
    { service: 'metrics-svc-a', dependency: 'postgres', waited: true, exited: false },
    { service: 'alert-svc-a', dependency: 'nats', waited: false, exited: false },
    { service: 'registry-svc', dependency: 'redis', waited: true, exited: false },
  ]);
  expect(report.observations.unexpectedExits).toEqual([]);
});
