import { IllegalStateError, NotFoundError, type Silence, ValidationError } from '@vigil/contracts';
import { deciderSpec } from '@vigil/test-support';
import { silenceDecider, silenceEnd } from './silence.decider';

const T = Date.parse('2026-12-01T10:00:00.000Z');
const silence: Silence = {
  id: '0190a000-0000-7000-8000-000000000001',
  matchers: [{ label: 'node', op: '=', value: 'web-1' }],
  startsAt: new Date(T).toISOString(),
  endsAt: new Date(T + 3_600_000).toISOString(),
  createdBy: 'user:ana',
  comment: 'kernel upgrade',
};

/** given(events).when(command).then(events) */
const { given } = deciderSpec(silenceDecider, {
  subject: `silence.${silence.id}`,
  occurredAt: silence.startsAt,
  actor: 'user:ana',
});

const created = { type: 'silence.created', data: { silence } } as const;

describe('silence decider', () => {
  it('creates a silence once', () => {
    given().when({ type: 'CreateSilence', silence, now: T }).then([created]);
    given(created).when({ type: 'CreateSilence', silence, now: T }).thenThrows(IllegalStateError);
  });

  it('refuses an end before the start or in the past, naming the field', () => {
    given()
      .when({ type: 'CreateSilence', silence: { ...silence, endsAt: silence.startsAt }, now: T })
      .thenThrows(new ValidationError('invalid silence: endsAt: must be after startsAt'));
    given()
      .when({ type: 'CreateSilence', silence, now: T + 3_600_000 })
      .thenThrows(/endsAt: must be in the future/);
  });

  it('expires an active silence, and says so when it is not', () => {
    const expired = {
      type: 'silence.expired',
      data: { silenceId: silence.id, at: new Date(T + 60_000).toISOString() },
    } as const;
    given(created)
      .when({ type: 'ExpireSilence', silenceId: silence.id, now: T + 60_000 })
      .then([expired]);
    const after = given(created, expired).state;
    if (!after.exists) throw new Error('gone');
    expect(silenceEnd(after)).toBe(T + 60_000);
    given(created, expired)
      .when({ type: 'ExpireSilence', silenceId: silence.id, now: T + 120_000 })
      .thenThrows(/already expired/);
    given(created)
      .when({ type: 'ExpireSilence', silenceId: silence.id, now: T + 4_000_000 })
      .thenThrows(/already expired/);
    given().when({ type: 'ExpireSilence', silenceId: silence.id, now: T }).thenThrows(NotFoundError);
  });
});
