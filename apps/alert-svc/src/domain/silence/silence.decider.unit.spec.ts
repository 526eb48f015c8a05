import { IllegalStateError, NotFoundError, type Silence, ValidationError } from '@vigil/contracts';
import { decideSilence, evolveSilence, initialSilenceState, silenceEnd } from './silence.decider';

const T = Date.parse('2026-12-01T10:00:00.000Z');
const silence: Silence = {
  id: '0190a000-0000-7000-8000-000000000001',
  matchers: [{ label: 'node', op: '=', value: 'web-1' }],
  startsAt: new Date(T).toISOString(),
  endsAt: new Date(T + 3_600_000).toISOString(),
  createdBy: 'user:ana',
  comment: 'kernel upgrade',
};

describe('silence decider', () => {
  it('creates a silence once', () => {
    const events = decideSilence({ type: 'CreateSilence', silence, now: T }, initialSilenceState());
    expect(events).toEqual([{ type: 'silence.created', data: { silence } }]);
    const state = evolveSilence(initialSilenceState(), { ...events[0], id: 'e', occurredAt: '', meta: {} } as never);
    expect(() => decideSilence({ type: 'CreateSilence', silence, now: T }, state)).toThrow(IllegalStateError);
  });

  it('refuses an end before the start or in the past, naming the field', () => {
    expect(() =>
      decideSilence(
        { type: 'CreateSilence', silence: { ...silence, endsAt: silence.startsAt }, now: T },
        initialSilenceState(),
      ),
    ).toThrow(new ValidationError('invalid silence: endsAt: must be after startsAt'));
    expect(() => decideSilence({ type: 'CreateSilence', silence, now: T + 3_600_000 }, initialSilenceState())).toThrow(
      /endsAt: must be in the future/,
    );
  });

  it('expires an active silence, and says so when it is not', () => {
    const state = { exists: true as const, silence };
    const [expired] = decideSilence({ type: 'ExpireSilence', silenceId: silence.id, now: T + 60_000 }, state);
    expect(expired).toEqual({
      type: 'silence.expired',
      data: { silenceId: silence.id, at: new Date(T + 60_000).toISOString() },
    });
    const after = evolveSilence(state, { ...expired, id: 'e', occurredAt: '', meta: {} } as never);
    if (!after.exists) throw new Error('gone');
    expect(silenceEnd(after)).toBe(T + 60_000);
    expect(() => decideSilence({ type: 'ExpireSilence', silenceId: silence.id, now: T + 120_000 }, after)).toThrow(
      /already expired/,
    );
    expect(() => decideSilence({ type: 'ExpireSilence', silenceId: silence.id, now: T + 4_000_000 }, state)).toThrow(
      /already expired/,
    );
    expect(() =>
      decideSilence({ type: 'ExpireSilence', silenceId: silence.id, now: T }, initialSilenceState()),
    ).toThrow(NotFoundError);
  });
});
