import { Writable } from 'node:stream';
import { INVALID_SILENCE_EFFECT, SilenceListReply, uuidv7, validate } from '@vigil/contracts';
import { DeadLetters } from '@vigil/messaging';
import { Bus, Database, loadConfig, Observability } from '@vigil/platform';
import { createTestBus, createTestDatabase, type TestBus, type TestDatabase } from '@vigil/test-support';
import pino from 'pino';
import { AlertEnv } from '../config';
import { AlertingInit1764400000000 } from '../migrations/1764400000000-alerting-init';
import { Notifications1764500000000 } from '../migrations/1764500000000-notifications';
import { SilencesAlertHistory1764600000000 } from '../migrations/1764600000000-silences-alert-history';
import { NodeIdentities1765100000000 } from '../migrations/1765100000000-node-identities';
import { AlertingReplayMarks1765519200000 } from '../migrations/1765519200000-replay-marks';
import { Muting } from '../notify/pipeline/muting';
import { SilenceCommands } from './silence.commands';
import { SilenceQueries } from './silences.read-model';

jest.setTimeout(60_000);

const HOUR = 3_600_000;
/** A silence as an earlier contract stored it: its pattern unchecked. */
const stored = (id: string, op: '=~' | '!~', pattern: string) => ({
  id,
  matchers: [{ label: 'node', op, value: pattern }],
  startsAt: new Date(Date.now() - HOUR).toISOString(),
  endsAt: new Date(Date.now() + HOUR).toISOString(),
  createdBy: 'user:earlier',
  comment: 'maintenance',
});

/**
 * Silences stored before patterns went through RE2 (a backreference; a lookahead under `!~`,
 * which JavaScript's engine would take as "every node but x"): the read model loads them (kept as
 * stored, listed invalid with the reason and that they silence nothing, logged and counted), the
 * pipeline never gets them (no alert is muted by them, whatever their operator), and they are
 * expired through the normal command, recording who did it. Nothing goes to the DLQ. Real NATS
 * (the silence events) and Postgres (the read model).
 */
describe('stored silences the contract refuses today (real NATS and Postgres)', () => {
  let testBus: TestBus;
  let tdb: TestDatabase;
  let db: Database;
  let obs: Observability;
  let silences: SilenceQueries;
  let commands: SilenceCommands;
  const backref = uuidv7();
  const lookahead = uuidv7();
  const logged: { silence?: string; problem?: string; msg: string }[] = [];
  const config = loadConfig('alert-svc', 'VIGIL_ALERT_PORT', 0, AlertEnv, { VIGIL_ALERT_DEFAULT_RULES: 'false' });

  /** Writes a `silence.created` event as an earlier alert-svc did, without today's validation. */
  async function storeEarlier(silence: ReturnType<typeof stored>): Promise<void> {
    const envelope = {
      id: uuidv7(),
      type: 'silence.created',
      version: 1,
      subject: `silence.${silence.id}`,
      occurredAt: new Date().toISOString(),
      data: { silence },
      meta: { correlationId: 'c', causationId: null, actor: 'user:earlier' },
    };
    await testBus.js.publish(testBus.topology.subjects.events('silence', silence.id), JSON.stringify(envelope));
  }

  beforeAll(async () => {
    testBus = await createTestBus();
    const lines = new Writable({
      write(chunk: Buffer, _enc, done) {
        logged.push(JSON.parse(chunk.toString()) as (typeof logged)[number]);
        done();
      },
    });
    obs = new Observability('alert-svc', pino({ level: 'warn' }, lines));
    const bus = new Bus(
      testBus.nc,
      testBus.js,
      testBus.jsm,
      testBus.topology,
      new DeadLetters(testBus.js, testBus.topology, 'alert-svc', obs.dlq.messages),
    );
    tdb = await createTestDatabase();
    db = await Database.connect({ ...config, DATABASE_URL: tdb.url }, obs, {
      schema: 'alerting',
      migrations: [
        AlertingInit1764400000000,
        Notifications1764500000000,
        SilencesAlertHistory1764600000000,
        NodeIdentities1765100000000,
        AlertingReplayMarks1765519200000,
      ],
    });
    await storeEarlier(stored(backref, '=~', '(a+)\\1'));
    await storeEarlier(stored(lookahead, '!~', '(?=x)x'));
    silences = new SilenceQueries(bus, db, obs);
    commands = new SilenceCommands(bus, silences);
    await silences.onApplicationBootstrap();
  });
  afterAll(async () => {
    await silences?.beforeApplicationShutdown();
    await db?.close();
    await tdb?.drop();
    await testBus?.close();
  });

  const dlqMessages = async () => (await obs.dlq.messages.get()).values.reduce((sum, v) => sum + v.value, 0);

  it('lists them as stored, invalid with the reason, and lets none of them mute an alert', async () => {
    const fine = await commands.create({
      matchers: [{ label: 'node', op: '=~', value: 'web-.*' }],
      duration: HOUR,
      comment: 'deploy',
      actor: 'user:alice',
    });
    const { silences: listed } = validate(SilenceListReply, await silences.list({ limit: 100 }), 'silences-list reply');
    const byId = new Map(listed.map((s) => [s.id, s]));
    expect(byId.size).toBe(3);
    expect(byId.get(fine.id)?.invalid).toBeUndefined();
    for (const id of [backref, lookahead]) {
      expect(byId.get(id)?.invalid).toMatch(/^matchers\.0\.value: invalid regular expression/);
      expect(byId.get(id)?.invalid).toContain(INVALID_SILENCE_EFFECT);
      expect(byId.get(id)?.state).toBe('active');
    }
    // Kept as stored.
    expect(byId.get(backref)?.matchers).toEqual([{ label: 'node', op: '=~', value: '(a+)\\1' }]);
    expect(logged.filter((l) => l.silence !== undefined).map((l) => l.silence)).toEqual([backref, lookahead]);

    // The pipeline gets only the valid one: nodes the stored patterns would have matched are not muted.
    const unexpired = await silences.unexpired();
    expect(unexpired.map((s) => s.id)).toEqual([fine.id]);
    expect((await obs.registry.getSingleMetric('vigil_alert_silences_invalid')?.get())?.values[0].value).toBe(2);
    const muting = new Muting([]);
    muting.setSilences(unexpired);
    const now = Date.now();
    expect(muting.mutedBy('f1', { node: 'aa', alertname: 'Down' }, now)).toBeUndefined();
    expect(muting.mutedBy('f2', { node: 'y', alertname: 'Down' }, now)).toBeUndefined();
    expect(muting.mutedBy('f3', { node: 'web-1', alertname: 'Down' }, now)).toEqual({
      by: 'silence',
      silenceId: fine.id,
    });
    expect(await dlqMessages()).toBe(0);
  });

  it('expires them through the normal command, recording who did it; the valid one is untouched', async () => {
    for (const id of [backref, lookahead]) {
      const expired = await commands.expire({ silenceId: id, actor: 'user:bob' });
      expect(expired).toMatchObject({ id, state: 'expired', expiredBy: 'user:bob' });
    }
    const { silences: listed } = await silences.list({ limit: 100 });
    expect(listed.map((s) => [s.state, s.expiredBy ?? null]).sort()).toEqual([
      ['active', null],
      ['expired', 'user:bob'],
      ['expired', 'user:bob'],
    ]);
    expect((await silences.list({ state: 'active', limit: 100 })).silences.map((s) => s.createdBy)).toEqual([
      'user:alice',
    ]);
    expect(await silences.unexpired()).toHaveLength(1);
    expect((await obs.registry.getSingleMetric('vigil_alert_silences_invalid')?.get())?.values[0].value).toBe(0);
    expect(await dlqMessages()).toBe(0);
  });
});
