import { SupervisedProcess } from '@vigil/contracts';
import pino from 'pino';
import { FakeSpawner } from './fixtures/fake-spawner';
import { ManualClock, settle } from './fixtures/manual-clock';
import type { ProcessEvent } from './process-supervisor';
import { type Account, RunAsError } from './run-as';
import { Supervisor } from './supervisor';

const nobody: Account = { name: 'nobody', uid: 65534, gid: 65534, home: '/nonexistent' };
const define = (fields: Partial<SupervisedProcess> & Pick<SupervisedProcess, 'name'>) =>
  SupervisedProcess.parse({ command: `/usr/bin/${fields.name}`, ...fields });

function setup(agentUid = 0) {
  const clock = new ManualClock();
  const spawner = new FakeSpawner();
  const events: ProcessEvent[] = [];
  const supervisor = new Supervisor({
    spawn: spawner.spawn,
    healthProbe: () => async () => {},
    lookupAccount: async (user) => {
      if (user !== 'nobody') throw new RunAsError(`no such user "${user}"`);
      return nobody;
    },
    agentUid,
    baseEnv: { PATH: '/usr/bin:/bin' },
    clock,
    scheduler: clock,
    logger: pino({ level: 'silent' }),
  });
  supervisor.subscribe((event) => events.push(event));
  const started = () => spawner.spawned.map((p) => `${p.spec.command}${p.alive ? '' : ' (ended)'}`);
  return { clock, spawner, events, supervisor, started };
}

describe('Supervisor', () => {
  it('starts added processes, stops removed ones, restarts changed ones and leaves the rest alone', async () => {
    const { supervisor, started, events } = setup();
    await supervisor.apply([define({ name: 'filebeat' }), define({ name: 'telegraf' })]);
    expect(started()).toEqual(['/usr/bin/filebeat', '/usr/bin/telegraf']);

    await supervisor.apply([define({ name: 'telegraf', args: ['--once'] }), define({ name: 'node_exporter' })]);
    expect(started()).toEqual([
      '/usr/bin/filebeat (ended)',
      '/usr/bin/telegraf (ended)',
      '/usr/bin/telegraf',
      '/usr/bin/node_exporter',
    ]);
    expect(supervisor.statuses().map((s) => s.name)).toEqual(['telegraf', 'node_exporter']);
    expect(events.filter((e) => e.type === 'exited').map((e) => [e.process, e.reason])).toEqual([
      ['filebeat', 'stopped'],
      ['telegraf', 'stopped'],
    ]);

    await supervisor.apply([define({ name: 'telegraf', args: ['--once'] }), define({ name: 'node_exporter' })]);
    expect(started()).toHaveLength(4);
  });

  it('stops everything on stop() and ignores later config changes', async () => {
    const { supervisor, started } = setup();
    await supervisor.apply([define({ name: 'filebeat' })]);
    await supervisor.stop();
    await supervisor.apply([define({ name: 'telegraf' })]);
    expect(started()).toEqual(['/usr/bin/filebeat (ended)']);
    expect(supervisor.statuses()).toEqual([]);
  });

  it('runs applies one after another, in call order', async () => {
    const { supervisor, spawner } = setup();
    void supervisor.apply([define({ name: 'filebeat' })]);
    void supervisor.apply([define({ name: 'filebeat', args: ['-e'] })]);
    await supervisor.apply([]);
    expect(spawner.spawned.map((p) => [p.spec.args, p.alive])).toEqual([
      [[], false],
      [['-e'], false],
    ]);
  });

  it('passes only the base environment, the account and the configured env on', async () => {
    const { supervisor, spawner } = setup();
    await supervisor.apply([define({ name: 'filebeat', env: { GOGC: '50' }, workingDir: '/var/lib/filebeat' })]);
    expect(spawner.last.spec).toEqual({
      command: '/usr/bin/filebeat',
      args: [],
      env: { PATH: '/usr/bin:/bin', GOGC: '50' },
      cwd: '/var/lib/filebeat',
      uid: undefined,
      gid: undefined,
    });
  });

  it('switches to the configured user when the agent is root', async () => {
    const { supervisor, spawner } = setup(0);
    await supervisor.apply([define({ name: 'node_exporter', user: 'nobody' })]);
    expect(spawner.last.spec).toMatchObject({
      uid: 65534,
      gid: 65534,
      env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent', USER: 'nobody', LOGNAME: 'nobody' },
    });
  });

  it('gives a process up at once when its user cannot be switched to', async () => {
    const { supervisor, spawner, events, clock } = setup(1000);
    await supervisor.apply([
      define({ name: 'node_exporter', user: 'nobody' }),
      define({ name: 'filebeat', user: 'ghost' }),
    ]);
    await clock.advance(600_000);
    expect(spawner.spawned).toEqual([]);
    expect(events.map((e) => [e.process, e.type, e.reason])).toEqual([
      ['node_exporter', 'given_up', 'cannot run as "nobody" (uid 65534): the agent runs as uid 1000, not root'],
      ['filebeat', 'given_up', 'no such user "ghost"'],
    ]);
    expect(supervisor.statuses()).toMatchObject([
      { name: 'node_exporter', up: false },
      { name: 'filebeat', up: false },
    ]);
  });

  it('passes events to subscribers until they unsubscribe', async () => {
    const { supervisor, spawner } = setup();
    const seen: string[] = [];
    const unsubscribe = supervisor.subscribe((e) => seen.push(e.type));
    await supervisor.apply([define({ name: 'filebeat' })]);
    unsubscribe();
    spawner.last.exitWith(1);
    await settle();
    expect(seen).toEqual(['started']);
  });

  it('keeps supervising when a subscriber throws', async () => {
    const { supervisor, spawner, clock, events } = setup();
    supervisor.subscribe(() => {
      throw new Error('subscriber bug');
    });
    await supervisor.apply([define({ name: 'filebeat' })]);
    spawner.last.exitWith(1);
    await clock.advance(1_000);
    expect(events.map((e) => e.type)).toEqual(['started', 'exited', 'restarted']);
  });
});
