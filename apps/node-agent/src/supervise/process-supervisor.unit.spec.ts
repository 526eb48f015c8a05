import { SupervisedProcess } from '@vigil/contracts';
import pino from 'pino';
import { FakeSpawner } from './fixtures/fake-spawner';
import { ManualClock, settle } from './fixtures/manual-clock';
import type { HealthProbe } from './health/health-probe';
import type { ProcessSpec } from './process-spawner';
import { type ProcessEvent, ProcessSupervisor } from './process-supervisor';

const spec: ProcessSpec = { command: '/usr/bin/exporter', args: [], env: {} };

function setup(definition: Partial<SupervisedProcess>, probe: HealthProbe = async () => {}) {
  const clock = new ManualClock();
  const spawner = new FakeSpawner();
  const events: ProcessEvent[] = [];
  const supervisor = new ProcessSupervisor(
    SupervisedProcess.parse({ name: 'exporter', command: spec.command, ...definition }),
    {
      specFor: async () => spec,
      spawn: spawner.spawn,
      healthProbe: () => probe,
      clock,
      scheduler: clock,
      logger: pino({ level: 'silent' }),
      emit: (event) => events.push(event),
    },
  );
  const types = () => events.map((e) => e.type);
  return { clock, spawner, events, types, supervisor };
}

describe('ProcessSupervisor', () => {
  it('restarts a crashing process after doubling delays up to the cap, then gives up', async () => {
    const { clock, spawner, events, types, supervisor } = setup({
      restart: 'on-failure',
      backoff: { initialMs: 1_000, maxMs: 4_000 },
      maxRestarts: 4,
    });
    await supervisor.start();
    expect(events[0]).toEqual({
      process: 'exporter',
      type: 'started',
      at: '2025-01-01T00:00:00.000Z',
      pid: 1000,
      reason: undefined,
    });

    const delays: number[] = [];
    for (let crash = 0; crash < 5; crash++) {
      spawner.last.exitWith(2);
      await settle();
      delays.push(...clock.pendingDelays());
      await clock.advance(clock.pendingDelays()[0] ?? 0);
    }

    expect(delays).toEqual([1_000, 2_000, 4_000, 4_000]);
    expect(spawner.spawned).toHaveLength(5);
    expect(types()).toEqual([
      'started',
      ...['exited', 'restarted', 'exited', 'restarted', 'exited', 'restarted', 'exited', 'restarted'],
      'exited',
      'given_up',
    ]);
    expect(events[1]).toMatchObject({ type: 'exited', pid: 1000, exitCode: 2 });
    expect(events[2]).toMatchObject({
      type: 'restarted',
      pid: 1001,
      reason: 'exited with code 2',
      at: '2025-01-01T00:00:01.000Z',
    });
    expect(events.at(-1)).toMatchObject({ type: 'given_up', reason: '4 restarts within 600000 ms' });
    expect(supervisor.status()).toEqual({ name: 'exporter', pid: undefined, up: false, healthy: false, restarts: 4 });
  });

  it('counts only the restarts inside the window', async () => {
    const { clock, spawner, types, supervisor } = setup({
      maxRestarts: 1,
      restartWindowMs: 10_000,
      backoff: { initialMs: 100, maxMs: 1_000 },
    });
    await supervisor.start();
    spawner.last.exitWith(1);
    await clock.advance(100);
    await clock.advance(10_000);
    spawner.last.exitWith(1);
    await settle();
    expect(clock.pendingDelays()).toEqual([100]);
    await clock.advance(100);
    spawner.last.exitWith(1);
    await settle();
    expect(types().slice(-2)).toEqual(['exited', 'given_up']);
    expect(supervisor.status().restarts).toBe(2);
  });

  it('leaves a clean exit down under on-failure and restarts it under always', async () => {
    const onFailure = setup({ restart: 'on-failure' });
    await onFailure.supervisor.start();
    onFailure.spawner.last.exitWith(0);
    await onFailure.clock.advance(60_000);
    expect(onFailure.types()).toEqual(['started', 'exited']);
    expect(onFailure.supervisor.status()).toMatchObject({ up: false, restarts: 0 });

    const always = setup({ restart: 'always' });
    await always.supervisor.start();
    always.spawner.last.exitWith(0);
    await always.clock.advance(1_000);
    expect(always.types()).toEqual(['started', 'exited', 'restarted']);
    expect(always.supervisor.status()).toMatchObject({ up: true, pid: 1001, restarts: 1 });
  });

  it('reports a process killed by a signal with the signal, and kills what is left of its group', async () => {
    const { spawner, events, supervisor } = setup({});
    await supervisor.start();
    spawner.last.end({ code: null, signal: 'SIGSEGV' });
    await settle();
    expect(events[1]).toMatchObject({ type: 'exited', signal: 'SIGSEGV', exitCode: undefined });
    expect(spawner.spawned[0].signals).toEqual(['SIGKILL']);
  });

  it('retries a command that cannot be spawned like a crash', async () => {
    const { clock, spawner, events, types, supervisor } = setup({
      maxRestarts: 1,
      backoff: { initialMs: 500, maxMs: 500 },
    });
    spawner.failWith = Object.assign(new Error('spawn /usr/bin/exporter ENOENT'), { code: 'ENOENT' });
    await supervisor.start();
    await clock.advance(500);
    expect(types()).toEqual(['exited', 'exited', 'given_up']);
    expect(events[0]).toMatchObject({ pid: undefined, reason: 'could not be spawned: spawn /usr/bin/exporter ENOENT' });
    expect(supervisor.status()).toMatchObject({ up: false, restarts: 1 });
  });

  it('stops with SIGTERM to the group and resolves once it has exited', async () => {
    const { spawner, events, supervisor } = setup({});
    await supervisor.start();
    await supervisor.stop();
    expect(spawner.last.signals[0]).toBe('SIGTERM');
    expect(spawner.last.alive).toBe(false);
    expect(events.at(-1)).toMatchObject({ type: 'exited', signal: 'SIGTERM', reason: 'stopped' });
  });

  it('sends SIGKILL after stopTimeoutMs when SIGTERM is ignored, and never restarts after a stop', async () => {
    const { clock, spawner, types, supervisor } = setup({ restart: 'always', stopTimeoutMs: 3_000 });
    spawner.honours = new Set(['SIGKILL']);
    await supervisor.start();
    let stopped = false;
    const stopping = supervisor.stop().then(() => (stopped = true));
    await clock.advance(2_999);
    expect(stopped).toBe(false);
    expect(spawner.last.signals).toEqual(['SIGTERM']);
    await clock.advance(1);
    await stopping;
    // The last SIGKILL is the sweep of the group after every exit.
    expect(spawner.last.signals).toEqual(['SIGTERM', 'SIGKILL', 'SIGKILL']);
    await clock.advance(120_000);
    expect(types()).toEqual(['started', 'exited']);
  });

  it('cancels a pending restart when stopped during the backoff', async () => {
    const { clock, spawner, supervisor } = setup({});
    await supervisor.start();
    spawner.last.exitWith(1);
    await settle();
    await supervisor.stop();
    await clock.advance(120_000);
    expect(spawner.spawned).toHaveLength(1);
  });

  it('kills and restarts a process whose health check fails failureThreshold times in a row', async () => {
    let healthy = true;
    const probe: HealthProbe = async () => {
      if (!healthy) throw new Error('connection refused');
    };
    const { clock, spawner, events, types, supervisor } = setup(
      {
        healthCheck: {
          type: 'tcp',
          host: '127.0.0.1',
          port: 9100,
          intervalMs: 1_000,
          timeoutMs: 500,
          failureThreshold: 3,
        },
      },
      probe,
    );
    await supervisor.start();
    expect(supervisor.status().healthy).toBe(false);
    await clock.advance(1_000);
    expect(supervisor.status().healthy).toBe(true);

    healthy = false;
    await clock.advance(2_000);
    expect(supervisor.status().healthy).toBe(true);
    await clock.advance(1_000);
    expect(events.slice(1)).toMatchObject([
      { type: 'unhealthy', pid: 1000, reason: 'connection refused' },
      { type: 'exited', pid: 1000, signal: 'SIGTERM', reason: 'unhealthy' },
    ]);

    healthy = true;
    await clock.advance(1_000);
    expect(events.at(-1)).toMatchObject({ type: 'restarted', pid: 1001, reason: 'unhealthy' });
    expect(supervisor.status()).toMatchObject({ up: true, healthy: false, restarts: 1 });
    await clock.advance(1_000);
    expect(supervisor.status().healthy).toBe(true);
    expect(types()).toEqual(['started', 'unhealthy', 'exited', 'restarted']);
    expect(spawner.spawned).toHaveLength(2);
  });

  it('counts a probe that does not answer within timeoutMs as failed', async () => {
    const { clock, events, supervisor } = setup(
      {
        restart: 'never',
        healthCheck: {
          type: 'tcp',
          host: '127.0.0.1',
          port: 9100,
          intervalMs: 1_000,
          timeoutMs: 500,
          failureThreshold: 1,
        },
      },
      () => new Promise(() => {}),
    );
    await supervisor.start();
    await clock.advance(1_500);
    expect(events.at(-1)).toMatchObject({ type: 'unhealthy', reason: 'no answer within 500 ms' });
    // restart: never leaves an unhealthy process running.
    expect(supervisor.status()).toMatchObject({ up: true, healthy: false });
  });

  it('logs the output of the process line by line', async () => {
    const lines: unknown[] = [];
    const clock = new ManualClock();
    const spawner = new FakeSpawner();
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const supervisor = new ProcessSupervisor(SupervisedProcess.parse({ name: 'exporter', command: 'x' }), {
      specFor: async () => spec,
      spawn: spawner.spawn,
      healthProbe: () => async () => {},
      clock,
      scheduler: clock,
      logger,
      emit: () => {},
    });
    await supervisor.start();
    spawner.last.output('stderr', 'level=info msg="Listening on" address=127.0.0.1:9100');
    expect(lines).toEqual([
      expect.objectContaining({ stream: 'stderr', msg: 'level=info msg="Listening on" address=127.0.0.1:9100' }),
    ]);
  });
});
