import {
  NATS_IDENTITIES,
  NATS_RESPONDING_IDENTITIES,
  natsAuthorizationConfig,
  natsPermissions,
  natsResponderPermissions,
} from './nats-permissions';
import { createTopology } from './topology';

const t = createTopology('t1', 4);
const eventsPublished = (identity: (typeof NATS_IDENTITIES)[number]) =>
  natsPermissions(identity, t).publish.allow.filter((s) => s.startsWith('t1.events.'));

describe('NATS permissions per identity', () => {
  it('lets each service publish only the event contexts it owns', () => {
    expect(eventsPublished('registry-svc')).toEqual([
      't1.events.node.*',
      't1.events.identity.*',
      't1.events.maintenance.*',
      't1.events.security.*',
    ]);
    expect(eventsPublished('metrics-svc')).toEqual(['t1.events.metrics.*', 't1.events.security.*']);
    expect(eventsPublished('alert-svc')).toEqual([
      't1.events.rule.*',
      't1.events.alert.*',
      't1.events.silence.*',
      't1.events.notification.*',
      't1.events.security.*',
    ]);
    expect(eventsPublished('backup-svc')).toEqual(['t1.events.backup.*', 't1.events.backupjob.*']);
    expect(eventsPublished('gateway')).toEqual(['t1.events.user.*', 't1.events.apikey.*', 't1.events.audit.*']);
    expect(eventsPublished('agent')).toEqual([]);
  });

  it("gives stream management (create, update, delete, purge) to admin alone, but the drills' scratch streams to backup-svc", () => {
    for (const identity of NATS_IDENTITIES.filter((i) => i !== 'admin' && i !== 'backup-svc')) {
      const { allow, deny } = natsPermissions(identity, t).publish;
      expect(
        allow.filter((s) => /STREAM\.(CREATE|UPDATE|DELETE|PURGE)|\.>$|^>$/.test(s) && s.includes('STREAM')),
      ).toEqual([]);
      expect(deny).toEqual(expect.arrayContaining(['$JS.API.STREAM.PURGE.>', '$JS.API.STREAM.DELETE.>']));
    }
    const backup = natsPermissions('backup-svc', t).publish;
    expect(backup.allow.filter((s) => /STREAM\.(CREATE|UPDATE|DELETE|PURGE)/.test(s))).toEqual([
      '$JS.API.STREAM.CREATE.T1_VERIFY',
      '$JS.API.STREAM.DELETE.T1_VERIFY',
    ]);
    expect(backup.allow).toContain('t1.verify.>');
    for (const name of ['T1_TELEMETRY', 'T1_EVENTS', 'T1_DLQ', 'KV_t1-agent-config'])
      expect(backup.deny).toEqual(
        expect.arrayContaining([`$JS.API.STREAM.CREATE.${name}`, `$JS.API.STREAM.DELETE.${name}`]),
      );
    expect(backup.deny).toEqual(expect.arrayContaining(['$JS.API.STREAM.PURGE.>', '$JS.API.STREAM.UPDATE.>']));
    expect(natsPermissions('admin', t).publish.allow).toEqual(['>']);
  });

  it('lets a service read and delete single messages of the DLQ stream only, and no one else any', () => {
    for (const identity of ['registry-svc', 'metrics-svc', 'alert-svc', 'backup-svc', 'gateway'] as const) {
      const { allow, deny } = natsPermissions(identity, t).publish;
      expect(allow.filter((s) => /MSG\.(DELETE|GET)/.test(s))).toEqual(
        expect.arrayContaining(['$JS.API.STREAM.MSG.GET.T1_DLQ', '$JS.API.STREAM.MSG.DELETE.T1_DLQ']),
      );
      expect(allow.filter((s) => s.includes('MSG.DELETE'))).toEqual(['$JS.API.STREAM.MSG.DELETE.T1_DLQ']);
      expect(deny).toEqual(
        expect.arrayContaining([
          '$JS.API.STREAM.MSG.DELETE.T1_TELEMETRY',
          '$JS.API.STREAM.MSG.DELETE.T1_EVENTS',
          '$JS.API.STREAM.MSG.DELETE.KV_t1-agent-config',
        ]),
      );
      // It publishes only its own dead letters: a redrive never re-enters another stream.
      expect(allow.filter((s) => s.startsWith('t1.dlq.') || s.startsWith('t1.telemetry.'))).toEqual([
        `t1.dlq.${identity}`,
      ]);
    }
    const agent = natsPermissions('agent', t).publish;
    expect(agent.allow.filter((s) => s.includes('MSG.DELETE') || s.includes('DLQ'))).toEqual([]);
    expect(agent.deny).toContain('$JS.API.STREAM.MSG.DELETE.>');
  });

  it('lets the gateway ask and keep its own contexts, and agents only send telemetry, enroll and read their config', () => {
    expect(natsPermissions('gateway', t).publish.allow.filter((s) => !s.startsWith('$JS'))).toEqual([
      't1.cmd.*.*',
      't1.qry.*.*',
      't1.events.user.*',
      't1.events.apikey.*',
      't1.events.audit.*',
      't1.dlq.gateway',
    ]);
    expect(natsPermissions('agent', t).publish.allow.filter((s) => !s.startsWith('$JS'))).toEqual([
      't1.telemetry.heartbeat.*',
      't1.telemetry.inventory.*',
      't1.telemetry.agent-events.*',
      't1.telemetry.samples.>',
      't1.cmd.registry.enroll',
    ]);
    expect(natsPermissions('agent', t).publish.allow).toContain(
      '$JS.API.DIRECT.GET.KV_t1-agent-config.$KV.t1-agent-config.node.*',
    );
    expect(natsPermissions('agent', t).subscribe.allow).toEqual(['_INBOX_agent.>']);
  });

  it("lets the gateway subscribe to its inbox and to single nodes' sample batches (the live API), and nothing else", () => {
    expect(natsPermissions('gateway', t).subscribe).toEqual({
      allow: ['_INBOX_gateway.>', 't1.telemetry.samples.*.*'],
      deny: [],
    });
  });

  it('renders a nats-server authorization block with every user', () => {
    const config = natsAuthorizationConfig(t, [
      { identity: 'agent', password: 'p"1' },
      { identity: 'registry-svc', password: '$2a$11$abc' },
    ]);
    expect(config).toContain('user: "agent"');
    expect(config).toContain('password: "p\\"1"');
    // The service and its responder, with the same password; only the responder answers.
    expect(config.match(/user:/g)).toHaveLength(3);
    const entry = (user: string) => config.split(/\n    \{\n/).find((e) => e.includes(`user: "${user}"`)) ?? '';
    expect(entry('registry-svc')).not.toContain('allow_responses');
    expect(entry('registry-svc-rpc')).toContain('allow_responses: true');
    expect(entry('registry-svc-rpc')).toContain('password: "$2a$11$abc"');
    expect(entry('registry-svc-rpc')).toContain('publish: { allow: [], deny: [">"] }');
    expect(entry('registry-svc-rpc')).toContain('subscribe: { allow: ["t1.cmd.registry.*", "t1.qry.registry.*"] }');
    expect(entry('agent')).not.toContain('allow_responses');
  });

  it('no identity that reads a stream answers requests: only the responders have allow_responses', () => {
    for (const identity of NATS_IDENTITIES) expect(natsPermissions(identity, t).allowResponses).toBe(false);
    for (const identity of NATS_RESPONDING_IDENTITIES) {
      const p = natsResponderPermissions(identity, t);
      expect(p.allowResponses).toBe(true);
      expect(p.publish).toEqual({ allow: [], deny: ['>'] });
      expect(p.subscribe.allow.every((s) => /^t1\.(cmd|qry)\.[a-z-]+\.\*$/.test(s))).toBe(true);
      expect(natsPermissions(identity, t).subscribe.allow).toEqual([`_INBOX_${identity}.>`]);
    }
  });
});
