import { ReplayGuard } from './replay-guard';

const T = 1_800_000_000_000;
const stamp = (seq: number, boot = 1, signedAt = T) => ({ signedAt, boot, seq });
const at = (streamSeq: number, storedAt = T) => ({ streamSeq, storedAt });

describe('ReplayGuard', () => {
  it('takes a node increasing (boot, seq), and refuses a copy further on in the stream', () => {
    const guard = new ReplayGuard(60_000);
    expect(guard.check('n1', stamp(1), at(10))).toBeUndefined();
    expect(guard.check('n1', stamp(2), at(11))).toBeUndefined();
    // The same signed message republished (another Nats-Msg-Id, so a new stream position).
    expect(guard.check('n1', stamp(2), at(12))).toEqual({
      reason: 'replayed',
      detail: "node n1's message 1/2 is not after the last taken, 1/2",
    });
    expect(guard.check('n1', stamp(1), at(13))?.reason).toBe('replayed');
    // Gaps are fine (the node's other kinds of message go to other consumers); a new boot too.
    expect(guard.check('n1', stamp(7), at(14))).toBeUndefined();
    expect(guard.check('n1', stamp(1, 2), at(15))).toBeUndefined();
    expect(guard.check('n1', stamp(8, 1), at(16))?.reason).toBe('replayed');
    // Nodes are apart.
    expect(guard.check('n2', stamp(1), at(17))).toBeUndefined();
  });

  it('takes a redelivery, a message handled out of order or re-read, at or before the last position', () => {
    const guard = new ReplayGuard(60_000);
    expect(guard.check('n1', stamp(5), at(20))).toBeUndefined();
    expect(guard.check('n1', stamp(5), at(20))).toBeUndefined();
    expect(guard.check('n1', stamp(4), at(19))).toBeUndefined();
    expect(guard.check('n1', stamp(6), at(21))).toBeUndefined();
  });

  it('refuses a message signed further than the window from when the stream stored it', () => {
    const guard = new ReplayGuard(300_000);
    // A batch spooled for an hour is signed when published: fresh.
    expect(guard.check('n1', stamp(1, 1, T), at(1, T + 1_000))).toBeUndefined();
    expect(guard.check('n1', stamp(2, 1, T), at(2, T + 300_001))).toEqual({
      reason: 'stale',
      detail: "node n1's message was signed -300 s from when it was stored (window ±300 s)",
    });
    expect(guard.check('n1', stamp(3, 1, T + 400_000), at(3, T))?.reason).toBe('stale');
    // A consumer reading a day-old backlog compares with when it was stored, not with now.
    expect(guard.check('n1', stamp(4, 1, T - 86_400_000), at(4, T - 86_400_000))).toBeUndefined();
  });

  it('keeps one entry per node, dropped once its last message is past the window; forgets on demand', () => {
    const guard = new ReplayGuard(60_000);
    for (let i = 0; i < 100; i++) guard.check(`n${i}`, stamp(1), at(i));
    guard.check('n0', stamp(2, 1, T + 50_000), at(200, T + 50_000));
    expect(guard.size).toBe(100);
    guard.prune(T + 61_000);
    expect(guard.size).toBe(1);
    guard.forgetWhere((n) => n === 'n0');
    expect(guard.size).toBe(0);
    // Pruning happens by itself every 1024 checks.
    for (let i = 0; i < 1100; i++) guard.check(`m${i}`, stamp(1, 1, T + i * 1000), at(1000 + i, T + i * 1000));
    expect(guard.size).toBeLessThan(1100);
  });

  it('seeded with a durable mark, refuses what is not after it and takes what is; a newer boot resets, an older stays refused', () => {
    const guard = new ReplayGuard(60_000);
    guard.seed('n1', { boot: 1, seq: 5, signedAt: T, streamSeq: 50 });
    // An older mark does not move it back.
    guard.seed('n1', { boot: 1, seq: 2, signedAt: T, streamSeq: 20 });
    expect(guard.check('n1', stamp(5), at(60))?.reason).toBe('replayed');
    expect(guard.check('n1', stamp(3), at(61))?.reason).toBe('replayed');
    expect(guard.check('n1', stamp(6), at(62))).toBeUndefined();
    expect(guard.check('n1', stamp(1, 2), at(63))).toBeUndefined();
    expect(guard.check('n1', stamp(99, 1), at(64))?.reason).toBe('replayed');
  });

  it('with a journal, gives the marks as they were at an earlier stream position, once', () => {
    const guard = new ReplayGuard(60_000, { journal: true });
    guard.check('a', stamp(1), at(10));
    guard.check('b', stamp(1), at(11));
    guard.check('a', stamp(2), at(12));
    guard.check('a', stamp(2), at(13)); // refused: not journaled
    guard.check('b', stamp(2), at(14));
    expect([...guard.marksThrough(12)]).toEqual([
      ['a', { boot: 1, seq: 2, signedAt: T, streamSeq: 12 }],
      ['b', { boot: 1, seq: 1, signedAt: T, streamSeq: 11 }],
    ]);
    expect(guard.journalLength).toBe(1);
    expect(guard.marksThrough(12).size).toBe(0);
    guard.forget('b');
    expect(guard.journalLength).toBe(0);
    expect(guard.marksThrough(100).size).toBe(0);
  });
});
