import type { AlertView, LiveEvent, SilenceView } from '../api/types';
import { DEFAULT_ALERT_FILTERS } from '../app/routes';
import type { NodeRow } from '../fleet/fleet';
import {
  type AlertMap,
  applyAlertEvent,
  compilePattern,
  endsSoon,
  fieldProblems,
  groupAlerts,
  matchersOf,
  matches,
  minutesLeft,
  previewSilence,
  selectAlerts,
  silencesEndingSoon,
  splitSilences,
} from './alerts';

const alert = (fingerprint: string, over: Partial<AlertView> = {}): AlertView => ({
  fingerprint,
  ruleId: 'high-cpu',
  state: 'firing',
  labels: { alertname: 'HighCPU', severity: 'warning', node: `n-${fingerprint}` },
  annotations: {},
  activeAt: '2026-12-07T20:00:00.000Z',
  firedAt: '2026-12-07T20:05:00.000Z',
  silencedBy: [],
  ...over,
});
const node = (id: string, labels: Record<string, string> = {}): NodeRow => ({
  id,
  hostname: `host-${id}`,
  status: 'online',
  labels,
  maintenance: false,
  lastSeenAt: null,
  agentVersion: '1',
});
const event = (type: string, data: unknown): LiveEvent => ({
  type,
  subject: 'alert.x',
  occurredAt: '2026-12-07T20:00:00.000Z',
  actor: 'service:alert-svc',
  data,
});
const collator = new Intl.Collator('en', { numeric: true });

describe('the alerts view’s list', () => {
  const list = [
    alert('a1'),
    alert('a2', { state: 'pending', firedAt: undefined }),
    alert('a3', {
      ruleId: 'disk',
      labels: { alertname: 'DiskSpaceLow', severity: 'critical', node: 'db-1', mount: '/data' },
      annotations: { summary: 'Disk nearly full' },
    }),
  ];

  it('filters by state, severity and text (labels, rule, annotations)', () => {
    const fp = (f: Partial<typeof DEFAULT_ALERT_FILTERS>) =>
      selectAlerts(list, { ...DEFAULT_ALERT_FILTERS, ...f }).map((a) => a.fingerprint);
    expect(fp({})).toEqual(['a1', 'a2', 'a3']);
    expect(fp({ state: 'pending' })).toEqual(['a2']);
    expect(fp({ severity: 'critical' })).toEqual(['a3']);
    expect(fp({ q: 'MOUNT=/data' })).toEqual(['a3']);
    expect(fp({ q: 'nearly' })).toEqual(['a3']);
    expect(fp({ q: 'n-a2' })).toEqual(['a2']);
    // A notification's link: exactly the alerts it names, with the other filters on top.
    expect(fp({ fingerprints: ['a3', 'a1', 'gone'] })).toEqual(['a1', 'a3']);
    expect(fp({ fingerprints: ['a3', 'a1'], severity: 'critical' })).toEqual(['a3']);
  });

  it('groups by alertname with counts, firing first', () => {
    const groups = groupAlerts(list, collator);
    expect(groups.map((g) => [g.name, g.firing, g.pending, g.alerts.map((a) => a.fingerprint)])).toEqual([
      ['DiskSpaceLow', 1, 0, ['a3']],
      ['HighCPU', 1, 1, ['a1', 'a2']],
    ]);
  });

  it('applies the live API’s alert events: pending and firing put an alert in, resolved takes it out', () => {
    const alerts: AlertMap = new Map([['a1', alert('a1', { silencedBy: ['s-1'] })]]);
    const labels = { alertname: 'HighCPU', severity: 'warning', node: 'web-9' };
    expect(
      applyAlertEvent(
        alerts,
        event('alert.pending', {
          fingerprint: 'b1',
          ruleId: 'high-cpu',
          labels,
          activeAt: '2026-12-07T20:10:00.000Z',
          firesAt: '2026-12-07T20:15:00.000Z',
          value: 97,
        }),
      ),
    ).toBe(true);
    expect(alerts.get('b1')).toMatchObject({ state: 'pending', labels, value: 97, silencedBy: [] });
    applyAlertEvent(
      alerts,
      event('alert.firing', {
        fingerprint: 'b1',
        ruleId: 'high-cpu',
        labels,
        activeAt: '2026-12-07T20:10:00.000Z',
        firedAt: '2026-12-07T20:15:00.000Z',
        value: null,
        annotations: { summary: 'busy' },
      }),
    );
    expect(alerts.get('b1')).toMatchObject({
      state: 'firing',
      firedAt: '2026-12-07T20:15:00.000Z',
      annotations: { summary: 'busy' },
    });
    // A transition of a known alert keeps the silences known to mute it.
    applyAlertEvent(alerts, event('alert.firing', { ...alert('a1'), value: 1, annotations: {} }));
    expect(alerts.get('a1')?.silencedBy).toEqual(['s-1']);
    expect(
      applyAlertEvent(alerts, event('alert.resolved', { fingerprint: 'a1', ruleId: 'high-cpu', labels: {} })),
    ).toBe(true);
    expect([...alerts.keys()]).toEqual(['b1']);
    // What it cannot read changes nothing.
    expect(applyAlertEvent(alerts, event('alert.firing', { fingerprint: 'c1' }))).toBe(false);
    expect(applyAlertEvent(alerts, event('node.online', { fingerprint: 'b1', ruleId: 'x', labels: {} }))).toBe(false);
    expect(alerts.size).toBe(1);
  });
});

describe('silence matchers and the preview', () => {
  it('matches as the gateway does: anchored patterns, (?i), a missing label reads as ""', () => {
    expect(matches({ label: 'node', op: '=~', value: 'web-.*' }, { node: 'web-1' })).toBe(true);
    expect(matches({ label: 'node', op: '=~', value: 'web' }, { node: 'web-1' })).toBe(false);
    expect(matches({ label: 'node', op: '=~', value: '(?i)WEB-1' }, { node: 'web-1' })).toBe(true);
    expect(matches({ label: 'node', op: '!~', value: 'db-.*' }, { node: 'web-1' })).toBe(true);
    expect(matches({ label: 'mount', op: '=', value: '' }, {})).toBe(true);
    expect(matches({ label: 'mount', op: '!=', value: '/' }, { mount: '/' })).toBe(false);
    expect(matches({ label: 'x', op: '=~', value: '(' }, {})).toBeUndefined();
    expect(compilePattern('a|b')?.test('ab')).toBe(false);
  });

  it('previews the alerts (any state) and the nodes a silence would match, with nodes that have no alert', () => {
    const alerts = [
      alert('a1', { labels: { alertname: 'HighCPU', severity: 'warning', node: 'web-1' } }),
      alert('a2', { state: 'resolved', labels: { alertname: 'HighCPU', severity: 'warning', node: 'web-2' } }),
      alert('a3', { labels: { alertname: 'DiskSpaceLow', severity: 'critical', node: 'web-1' } }),
    ];
    const nodes = [node('web-1', { env: 'prod' }), node('web-2', { env: 'prod' }), node('db-1', { env: 'staging' })];
    const exact = previewSilence(matchersOf(alerts[0].labels), alerts, nodes);
    expect(exact.alerts.map((a) => a.fingerprint)).toEqual(['a1']);
    expect(exact.nodes.map((n) => n.id)).toEqual(['web-1']);

    const wide = previewSilence(
      [
        { label: 'alertname', op: '=', value: 'HighCPU' },
        { label: 'node', op: '=~', value: 'web-.*' },
      ],
      alerts,
      nodes,
    );
    expect(wide.alerts.map((a) => a.fingerprint)).toEqual(['a1', 'a2']);
    expect(wide.nodes.map((n) => n.id)).toEqual(['web-1', 'web-2']);

    // A node label selects nodes; matchers on alert labels leave every such node in.
    const prod = previewSilence([{ label: 'env', op: '=', value: 'prod' }], alerts, nodes);
    expect(prod.nodes.map((n) => n.id)).toEqual(['web-1', 'web-2']);
    expect(prod.alerts).toEqual([]);

    const unreadable = previewSilence([{ label: 'node', op: '=~', value: '(' }], alerts, nodes);
    expect(unreadable.unreadable).toEqual([0]);
    expect(unreadable.nodes).toHaveLength(3);
  });
});

describe('silences', () => {
  const now = Date.parse('2026-12-07T20:00:00.000Z');
  const silence = (id: string, over: Partial<SilenceView>): SilenceView => ({
    id,
    matchers: [{ label: 'node', op: '=', value: 'web-1' }],
    startsAt: '2026-12-07T19:00:00.000Z',
    endsAt: '2026-12-07T22:00:00.000Z',
    createdBy: 'user:admin',
    comment: 'maintenance',
    state: 'active',
    ...over,
  });

  it('puts the current first (ending soonest first), the expired after (latest first), and flags one ending within the hour', () => {
    const list = [
      silence('long', {}),
      silence('soon', { endsAt: '2026-12-07T20:30:00.000Z' }),
      silence('old', { state: 'expired', endsAt: '2026-12-07T10:00:00.000Z' }),
      silence('cut', { state: 'expired', expiredAt: '2026-12-07T19:30:00.000Z', expiredBy: 'user:op' }),
    ];
    const { current, expired } = splitSilences(list);
    expect(current.map((s) => s.id)).toEqual(['soon', 'long']);
    expect(expired.map((s) => s.id)).toEqual(['cut', 'old']);
    expect(list.filter((s) => endsSoon(s, now)).map((s) => s.id)).toEqual(['soon']);
  });

  it('says how many minutes are left of a silence, rounded up, never below zero', () => {
    expect(minutesLeft(silence('a', { endsAt: '2026-12-07T20:12:00.000Z' }), now)).toBe(12);
    expect(minutesLeft(silence('a', { endsAt: '2026-12-07T20:11:01.000Z' }), now)).toBe(12);
    expect(minutesLeft(silence('a', { endsAt: '2026-12-07T19:59:00.000Z' }), now)).toBe(0);
  });

  it('flags an active or pending silence ending within the hour, not later, not one that ended', () => {
    const at = (endsAt: string, over: Partial<SilenceView> = {}) => endsSoon(silence('x', { endsAt, ...over }), now);
    expect(at('2026-12-07T20:00:00.000Z')).toBe(true);
    expect(at('2026-12-07T21:00:00.000Z')).toBe(true);
    expect(at('2026-12-07T21:00:00.001Z')).toBe(false);
    expect(at('2026-12-07T19:59:59.999Z')).toBe(false);
    expect(at('2026-12-07T20:30:00.000Z', { state: 'pending' })).toBe(true);
    expect(at('2026-12-07T20:30:00.000Z', { state: 'expired' })).toBe(false);
  });

  it('names the active silences ending within the hour that mute a shown alert, soonest first, with those alerts', () => {
    const ids = {
      soon: '00000000-0000-4000-8000-000000000001',
      sooner: '00000000-0000-4000-8000-000000000002',
      later: '00000000-0000-4000-8000-000000000003',
      idle: '00000000-0000-4000-8000-000000000004',
      pending: '00000000-0000-4000-8000-000000000005',
    };
    const silences = [
      silence(ids.soon, { endsAt: '2026-12-07T20:40:00.000Z' }),
      silence(ids.sooner, { endsAt: '2026-12-07T20:12:00.000Z' }),
      silence(ids.later, { endsAt: '2026-12-07T23:00:00.000Z' }),
      silence(ids.idle, { endsAt: '2026-12-07T20:05:00.000Z' }),
      silence(ids.pending, { state: 'pending', endsAt: '2026-12-07T20:20:00.000Z' }),
    ];
    const alerts = [
      alert('a', { silencedBy: [ids.soon, ids.later] }),
      alert('b', { silencedBy: [ids.sooner, ids.soon] }),
      alert('c', { silencedBy: [ids.later, ids.pending] }),
      alert('d'),
    ];
    expect(
      silencesEndingSoon(alerts, silences, now).map((e) => [e.silence.id, e.alerts.map((a) => a.fingerprint)]),
    ).toEqual([
      [ids.sooner, ['b']],
      [ids.soon, ['a', 'b']],
    ]);
    expect(silencesEndingSoon([alerts[3]], silences, now)).toEqual([]);
    expect(silencesEndingSoon(alerts, silences, Date.parse('2026-12-07T21:00:00.000Z'))).toEqual([]);
  });

  it('reads the fields the API names in a validation problem', () => {
    expect(
      fieldProblems('invalid request: comment: say why', [
        { path: ['comment'], message: 'say why' },
        { path: ['matchers', 1, 'value'], message: 'invalid regular expression: lookahead' },
        { path: ['endsAt'], message: 'give endsAt or duration' },
        { path: [], message: 'odd' },
      ]),
    ).toEqual([
      { field: 'comment', message: 'say why' },
      { field: 'matchers.1', message: 'invalid regular expression: lookahead' },
      { field: 'endsAt', message: 'give endsAt or duration' },
      { field: 'form', message: 'odd' },
    ]);
    expect(fieldProblems('invalid request: comment: say why; matchers.0.value: bad', undefined)).toEqual([
      { field: 'comment', message: 'say why' },
      { field: 'matchers.0', message: 'bad' },
    ]);
  });
});
