import {
  type AlertRuleInput,
  type QueryDefinition,
  ruleEvents,
  ruleOperations,
  ValidationError,
  type z,
} from '@vigil/contracts';
import { requestQuery } from '@vigil/messaging';
import { highCpuRule } from './alerting';
import { TestPlatform } from './platform';

const platform = new TestPlatform();
const ask = <Req extends z.ZodType, Rep extends z.ZodType>(def: QueryDefinition<Req, Rep>, req: z.input<Req>) =>
  requestQuery(platform.bus.nc, platform.bus.topology, def, req, 15_000);

const highCpu = highCpuRule({ for: '5m' });
const diskLow: AlertRuleInput = {
  id: 'disk-low',
  name: 'DiskSpaceLow',
  kind: 'threshold',
  severity: 'warning',
  metric: 'node_filesystem_used_ratio',
  op: '>',
  value: 0.85,
};
const nodeDown: AlertRuleInput = {
  id: 'node-down',
  name: 'NodeDown',
  kind: 'offline',
  severity: 'critical',
  for: '2m',
};

beforeAll(async () => {
  await platform.setup();
  await platform.startAlert({ VIGIL_ALERT_DEFAULT_RULES: 'false' });
  await platform.startGateway();
}, 60_000);
afterAll(() => platform.teardown(), 30_000);

describe('alert rules through alert-svc', () => {
  it('applies a rules file: diff first, then the changes, recorded as events with their author', async () => {
    const dry = await ask(ruleOperations.apply, { rules: [highCpu, diskLow], dryRun: true, actor: 'cli:ana@laptop' });
    expect(dry).toEqual({
      applied: false,
      changes: [
        { ruleId: 'high-cpu', change: 'create', fields: [] },
        { ruleId: 'disk-low', change: 'create', fields: [] },
      ],
    });
    expect((await ask(ruleOperations.list, {})).rules).toEqual([]);

    await ask(ruleOperations.apply, { rules: [highCpu, diskLow], actor: 'cli:ana@laptop' });
    const listed = await ask(ruleOperations.list, {});
    expect(listed.rules.map((r) => [r.rule.id, r.version, r.updatedBy])).toEqual([
      ['disk-low', 1, 'cli:ana@laptop'],
      ['high-cpu', 1, 'cli:ana@laptop'],
    ]);
    expect(listed.rules[1].rule).toMatchObject({ for: 300_000, keepFiringFor: 0, enabled: true });

    // Changed, unchanged, disabled, new; with prune the rule the file dropped is deleted.
    const next = await ask(ruleOperations.apply, {
      rules: [{ ...highCpu, value: 95, for: '10m' }, nodeDown],
      prune: true,
      actor: 'user:bo',
    });
    expect(next.changes).toEqual([
      { ruleId: 'high-cpu', change: 'update', fields: ['for', 'value'] },
      { ruleId: 'node-down', change: 'create', fields: [] },
      { ruleId: 'disk-low', change: 'delete', fields: [] },
    ]);
    expect(
      (
        await ask(ruleOperations.apply, { rules: [{ ...highCpu, value: 95, for: '10m' }, nodeDown], actor: 'user:bo' })
      ).changes.map((c) => c.change),
    ).toEqual(['unchanged', 'unchanged']);
    expect(await ask(ruleOperations.disable, { ruleId: 'node-down', actor: 'user:bo' })).toEqual({
      ruleId: 'node-down',
      change: 'disable',
      fields: [],
    });
    expect((await ask(ruleOperations.list, {})).rules.map((r) => [r.rule.id, r.rule.enabled, r.version])).toEqual([
      ['high-cpu', true, 2],
      ['node-down', false, 2],
    ]);

    // The event log holds every change, in order, with its actor.
    const consumer = await platform.bus.js.consumers.get(platform.bus.topology.streams.events, {
      filter_subjects: platform.bus.topology.subjects.eventsOf('rule'),
    });
    const seen: string[] = [];
    for (
      let m = await consumer.next({ expires: 2000 });
      m;
      m = m.info.pending ? await consumer.next({ expires: 2000 }) : null
    ) {
      const e = ruleEvents.read(m.json());
      seen.push(`${e.type} ${e.subject} ${e.meta.actor}`);
    }
    expect(seen).toEqual([
      'rule.created rule.high-cpu cli:ana@laptop',
      'rule.created rule.disk-low cli:ana@laptop',
      'rule.updated rule.high-cpu user:bo',
      'rule.created rule.node-down user:bo',
      'rule.deleted rule.disk-low user:bo',
      'rule.disabled rule.node-down user:bo',
    ]);
  }, 60_000);

  it('refuses an invalid rule naming the field, and an unknown rule by its id', async () => {
    await expect(
      ask(ruleOperations.upsert, { rule: { ...highCpu, for: '5 minutes' } as AlertRuleInput, actor: 'user:bo' }),
    ).rejects.toThrow(/rule\.for.*invalid duration "5 minutes"/);
    await expect(ask(ruleOperations.enable, { ruleId: 'nope', actor: 'user:bo' })).rejects.toThrow(
      /no alert rule "nope"/,
    );
    await expect(ask(ruleOperations.apply, { rules: [highCpu, highCpu], actor: 'user:bo' })).rejects.toThrow(
      ValidationError,
    );
  });

  it('manages rules through the gateway: problem+json naming the field, 404 for an unknown rule', async () => {
    const http = async (method: string, path: string, body?: unknown) => {
      const r = await platform.gatewayFetch(`/api/v1/alerts/rules${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return {
        status: r.status,
        type: r.headers.get('content-type') ?? '',
        body: (await r.json()) as Record<string, unknown>,
      };
    };
    const { id: _id, ...gpuHot } = {
      ...highCpu,
      id: 'gpu-hot',
      name: 'GPUHot',
      metric: 'node_gpu_temperature_celsius',
      matchers: [],
      value: 85,
    };
    expect(await http('PUT', '/gpu-hot', gpuHot)).toMatchObject({
      status: 200,
      body: { ruleId: 'gpu-hot', change: 'create' },
    });
    expect(await http('PUT', '/gpu-hot', { ...gpuHot, value: 90 })).toMatchObject({
      status: 200,
      body: { change: 'update' },
    });
    const listed = await http('GET', '');
    const view = (
      listed.body.rules as { rule: { id: string; value: number }; updatedBy: string; version: number }[]
    ).find((r) => r.rule.id === 'gpu-hot');
    expect(view).toMatchObject({ rule: { value: 90 }, version: 2 });
    expect(view?.updatedBy).toBe('user:admin');

    const bad = await http('PUT', '/gpu-hot', { ...gpuHot, for: 'soon' });
    expect(bad.status).toBe(400);
    expect(bad.type).toContain('application/problem+json');
    expect(String(bad.body.detail)).toMatch(/rule\.for: invalid duration "soon"/);
    expect((await http('PUT', '/gpu-hot', { ...gpuHot, id: 'other' })).status).toBe(400);
    expect((await http('POST', '/nope/enable')).status).toBe(404);

    expect(await http('POST', '/gpu-hot/disable')).toMatchObject({ status: 200, body: { change: 'disable' } });
    expect(
      await http('POST', '/apply', { rules: [{ ...gpuHot, id: 'gpu-hot', value: 90, enabled: false }], dryRun: true }),
    ).toMatchObject({
      status: 200,
      body: { applied: false, changes: [{ ruleId: 'gpu-hot', change: 'unchanged' }] },
    });
    expect(await http('DELETE', '/gpu-hot')).toMatchObject({ status: 200, body: { change: 'delete' } });
    expect((await http('DELETE', '/gpu-hot')).body).toMatchObject({ change: 'unchanged' });
  }, 30_000);
});
