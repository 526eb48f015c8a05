import { generateKeyPairSync } from 'node:crypto';
import type { JsMsg } from '@nats-io/jetstream';
import { encodePublicKey, type IdentityEvent, signMessage } from '@vigil/contracts';
import type { StoredEvent } from '@vigil/event-store';
import { IdentityGate } from './identity-gate';
import type { Database } from './infra';
import type { SecurityViolations } from './security-violations';

const keys = generateKeyPairSync('ed25519');
const T = Date.now();

function gateWith(requireEnrollment = false): IdentityGate {
  const gate = new IdentityGate({} as Database, {} as SecurityViolations, {
    table: 'x.node_identities',
    projection: 'x-identities',
    requireEnrollment,
    skewMs: 60_000,
  });
  const enrolled = {
    type: 'identity.enrolled',
    seq: 1,
    data: { nodeId: 'n1', publicKey: encodePublicKey(keys.publicKey), tokenId: 't', hostname: 'h' },
  } as StoredEvent<IdentityEvent>;
  gate.projection().afterCommit?.(enrolled);
  return gate;
}

let streamSeq = 0;
function msg(
  nodeId: string,
  seq: number,
  opts: { signedAt?: number; storedAt?: number; signed?: boolean } = {},
): JsMsg {
  const m = { subject: `telemetry.samples.0.${nodeId}`, msgId: `id-${++streamSeq}`, data: Buffer.from('{}') };
  const stamp = { signedAt: opts.signedAt ?? T, boot: 1, seq };
  const h: Record<string, string> = {
    'Nats-Msg-Id': m.msgId,
    ...(opts.signed === false ? {} : signMessage(keys.privateKey, m, stamp)),
  };
  return {
    subject: m.subject,
    data: m.data,
    seq: streamSeq,
    headers: { get: (name: string) => h[name] ?? '' },
    info: { timestampNanos: (opts.storedAt ?? T) * 1e6 },
  } as unknown as JsMsg;
}

describe('IdentityGate (libs/platform, used by metrics-svc and alert-svc)', () => {
  it('takes signed, fresh, increasing messages of an enrolled node and refuses copies and stale ones', () => {
    const gate = gateWith();
    const first = msg('n1', 1);
    expect(gate.check(first, 'n1', 'n1')).toBeUndefined();
    expect(gate.check(msg('n1', 2), 'n1', 'n1')).toBeUndefined();
    // The first one again, stored later (republished under its id after the duplicate window).
    const copy = { ...first, seq: ++streamSeq } as JsMsg;
    expect(gate.check(copy, 'n1', 'n1')?.reason).toBe('replayed');
    expect(gate.check(msg('n1', 3, { storedAt: T + 120_000 }), 'n1', 'n1')?.reason).toBe('stale');
    expect(gate.check(msg('n1', 4, { signed: false }), 'n1', 'n1')?.reason).toBe('unsigned');
  });

  it('forgets the replay state of the nodes a re-reading consumer names', () => {
    const gate = gateWith();
    const first = msg('n1', 10);
    expect(gate.check(first, 'n1', 'n1')).toBeUndefined();
    expect(gate.check({ ...first, seq: ++streamSeq } as JsMsg, 'n1', 'n1')?.reason).toBe('replayed');
    gate.forgetReplayState((n) => n === 'n1');
    expect(gate.check(first, 'n1', 'n1')).toBeUndefined();
  });

  it('takes a node that never enrolled unsigned, without replay checks, unless enrollment is required', () => {
    expect(gateWith().check(msg('n9', 1, { signed: false }), 'n9', 'n9')).toBeUndefined();
    expect(gateWith().check(msg('n9', 1, { signed: false }), 'n9', 'n9')).toBeUndefined();
    expect(gateWith(true).check(msg('n9', 1, { signed: false }), 'n9', 'n9')?.reason).toBe('not_enrolled');
  });
});
