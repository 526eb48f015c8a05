import type { OutboundMessage } from '../publish/publisher';
import { encodeFrame, FRAME_HEADER_BYTES, MAX_BODY_BYTES, scanFrames } from './record-frame';

const message = (seq: number): OutboundMessage => ({
  kind: 'samples',
  subject: 'telemetry.samples.3.node-1',
  msgId: `node-1:${seq}`,
  data: Buffer.from(JSON.stringify({ seq, timestamp: 1_750_000_000_000 + seq })),
});

const frames = (...seqs: number[]) => Buffer.concat(seqs.map((seq) => encodeFrame(message(seq))));

describe('record frames', () => {
  it('give back every message unchanged, with where each record ends', () => {
    const buffer = frames(1, 2, 3);
    const scan = scanFrames(buffer);
    expect(scan.stop).toBe('end');
    expect(scan.validBytes).toBe(buffer.length);
    expect(scan.records.map((r) => r.message)).toEqual([message(1), message(2), message(3)]);
    expect(scan.records.map((r) => r.end)).toEqual([1, 2, 3].map((n) => frames(...[1, 2, 3].slice(0, n)).length));
  });

  it('keep non-ASCII text and binary data intact', () => {
    const odd: OutboundMessage = {
      kind: 'inventory',
      subject: 'telemetry.inventory.n-é',
      msgId: 'inv:ü',
      data: new Uint8Array([0, 255, 10, 13]),
    };
    expect(scanFrames(encodeFrame(odd)).records[0].message).toEqual(odd);
  });

  it('stop before a record cut short, saying how long it is once its header is complete', () => {
    const whole = frames(1, 2);
    const firstEnd = frames(1).length;
    const cutInBody = scanFrames(whole.subarray(0, whole.length - 3));
    expect(cutInBody).toMatchObject({ validBytes: firstEnd, stop: 'incomplete', needBytes: whole.length - firstEnd });
    expect(cutInBody.records).toHaveLength(1);
    const cutInHeader = scanFrames(whole.subarray(0, firstEnd + FRAME_HEADER_BYTES - 1));
    expect(cutInHeader).toMatchObject({ validBytes: firstEnd, stop: 'incomplete', needBytes: undefined });
  });

  it('stop before a record whose bytes do not match its CRC', () => {
    const buffer = frames(1, 2, 3);
    const secondStart = frames(1).length;
    buffer[secondStart + FRAME_HEADER_BYTES + 5] ^= 0x01;
    const scan = scanFrames(buffer);
    expect(scan).toMatchObject({ validBytes: secondStart, stop: 'corrupt' });
    expect(scan.records.map((r) => r.message.msgId)).toEqual(['node-1:1']);
  });

  it('take an impossible length for corruption, not for a record still to come', () => {
    const buffer = frames(1);
    buffer.writeUInt32BE(MAX_BODY_BYTES + 1, 0);
    expect(scanFrames(buffer)).toMatchObject({ validBytes: 0, stop: 'corrupt' });
  });

  it('refuse a message too large to spool', () => {
    const huge = { ...message(1), data: new Uint8Array(MAX_BODY_BYTES) };
    expect(() => encodeFrame(huge)).toThrow(/too large to spool/);
  });
});
