import { Writable } from 'node:stream';
import { AlertRule, type AlertRuleInput, RuleListReply, uuidv7, validate } from '@vigil/contracts';
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
import { RuleCommands } from './rule.commands';
import { RulesReadModel } from './rules.read-model';

jest.setTimeout(60_000);

/** A rule as an earlier contract stored it: whole, durations in ms, its pattern unchecked. */
const stored = (id: string, pattern: string) => ({
  id,
  name: 'LegacyDisk',
  severity: 'warning',
  labels: {},
  annotations: {},
  keepFiringFor: 0,
  enabled: true,
  kind: 'threshold',
  metric: 'node_filesystem_used_ratio',
  matchers: [{ label: 'mount', op: '=~', value: pattern }],
  op: '>',
  value: 0.9,
  for: 60_000,
});

/**
 * Rules stored before patterns went through RE2 (a backreference, a lookahead): the read model
 * loads them (kept as stored, marked invalid with the reason, logged and counted), the rules API
 * answer shows them as invalid, and commands update and delete them, recording who did it.
 * Real NATS (the rule events) and Postgres (the read model).
 */
describe('stored rules the contract refuses today (real NATS and Postgres)', () => {
  let testBus: TestBus;
  let tdb: TestDatabase;
  let db: Database;
  let obs: Observability;
  let readModel: RulesReadModel;
  let commands: RuleCommands;
  const logged: { rule?: string; problem?: string; msg: string }[] = [];
  const config = loadConfig('alert-svc', 'VIGIL_ALERT_PORT', 0, AlertEnv, { VIGIL_ALERT_DEFAULT_RULES: 'false' });

  /** Writes a `rule.created` event as an earlier alert-svc did, without today's validation. */
  async function storeEarlier(rule: Record<string, unknown>): Promise<void> {
    const id = String(rule.id);
    const envelope = {
      id: uuidv7(),
      type: 'rule.created',
      version: 1,
      subject: `rule.${id}`,
      occurredAt: new Date().toISOString(),
      data: { rule },
      meta: { correlationId: 'c', causationId: null, actor: 'user:earlier' },
    };
    await testBus.js.publish(testBus.topology.subjects.events('rule', id), JSON.stringify(envelope));
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
    await storeEarlier(stored('legacy-backref', '(a+)\\1'));
    await storeEarlier(stored('legacy-lookahead', '(?=sd)sd.*'));
    readModel = new RulesReadModel(bus, db, obs);
    commands = new RuleCommands(bus, readModel, config);
    await readModel.onApplicationBootstrap();
  });
  afterAll(async () => {
    await readModel?.beforeApplicationShutdown();
    await db?.close();
    await tdb?.drop();
    await testBus?.close();
  });

  it('loads them as stored, marked invalid (logged, counted), in an answer the rules API accepts', async () => {
    await commands.run(
      {
        type: 'UpsertRule',
        rule: AlertRule.parse({ ...stored('fine', 'sd.*'), keepFiringFor: '0s' } as AlertRuleInput),
      },
      'fine',
      'user:alice',
    );
    const { rules } = validate(RuleListReply, { rules: await readModel.list() }, 'rules-list reply');
    const byId = new Map(rules.map((v) => [v.rule.id, v]));
    expect([...byId.keys()]).toEqual(['fine', 'legacy-backref', 'legacy-lookahead']);
    expect(byId.get('fine')?.invalid).toBeUndefined();
    expect(byId.get('legacy-backref')?.invalid).toMatch(/^matchers\.0\.value: invalid regular expression/);
    expect(byId.get('legacy-lookahead')?.invalid).toMatch(/^matchers\.0\.value: invalid regular expression/);
    // Kept as stored.
    expect(byId.get('legacy-backref')?.rule).toMatchObject({ matchers: [{ value: '(a+)\\1' }], for: 60_000 });
    expect(logged.filter((l) => l.rule?.startsWith('legacy-')).map((l) => l.rule)).toEqual([
      'legacy-backref',
      'legacy-lookahead',
    ]);
    expect((await obs.registry.getSingleMetric('vigil_alert_rules_invalid')?.get())?.values[0].value).toBe(2);
  });

  it('updates one and deletes the other, recording who did it; a well-formed rule is untouched', async () => {
    const fixed = AlertRule.parse({ ...stored('legacy-backref', 'a+'), keepFiringFor: '0s' } as AlertRuleInput);
    expect(await commands.run({ type: 'UpsertRule', rule: fixed }, fixed.id, 'user:bob')).toMatchObject({
      change: 'update',
    });
    expect(
      await commands.run({ type: 'DeleteRule', ruleId: 'legacy-lookahead' }, 'legacy-lookahead', 'user:bob'),
    ).toMatchObject({ change: 'delete' });
    const rules = await readModel.list();
    expect(rules.map((v) => [v.rule.id, v.invalid, v.updatedBy])).toEqual([
      ['fine', undefined, 'user:alice'],
      ['legacy-backref', undefined, 'user:bob'],
    ]);
    expect((await obs.registry.getSingleMetric('vigil_alert_rules_invalid')?.get())?.values[0].value).toBe(0);
    // An apply that prunes plans against the stored rules as they are now.
    const plan = await commands.apply([fixed], { prune: true, dryRun: true, actor: 'user:bob' });
    expect(plan.changes.map((c) => [c.ruleId, c.change])).toEqual([
      ['legacy-backref', 'unchanged'],
      ['fine', 'delete'],
    ]);
  });
});
