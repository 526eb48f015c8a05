import { crc32 } from 'node:zlib';
import type { MessageKind, OutboundMessage } from '../publish/publisher';

/**
 * One spooled message on disk (integers big-endian):
 *
 *   u32 body length | u32 CRC-32 of the body | body
 *   body = kind, subject, msgId (each a u16 byte length and UTF-8), then the message bytes unchanged
 *
 * A crash in the middle of an append leaves a frame cut short; a disk that returns other
 * bytes than were written fails the CRC. Either ends the valid part of a segment.
 */
export const FRAME_HEADER_BYTES = 8;
/** A larger declared length is taken for corruption (NATS payloads are at most 64 MiB). */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

const KINDS: Record<MessageKind, true> = { heartbeat: true, samples: true, inventory: true, 'agent-event': true };

export function encodeFrame(message: OutboundMessage): Buffer {
  const fields = [message.kind, message.subject, message.msgId].map((text) => Buffer.from(text, 'utf8'));
  const bodyBytes = fields.reduce((sum, field) => sum + 2 + field.length, 0) + message.data.length;
  if (bodyBytes > MAX_BODY_BYTES) throw new Error(`a ${bodyBytes}-byte message is too large to spool`);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + bodyBytes);
  let at = FRAME_HEADER_BYTES;
  for (const field of fields) {
    if (field.length > 0xffff) throw new Error(`a spooled message field is too long (${field.length} bytes)`);
    at = frame.writeUInt16BE(field.length, at);
    at += field.copy(frame, at);
  }
  frame.set(message.data, at);
  frame.writeUInt32BE(bodyBytes, 0);
  frame.writeUInt32BE(crc32(frame.subarray(FRAME_HEADER_BYTES)), 4);
  return frame;
}

export interface ScannedRecord {
  message: OutboundMessage;
  /** Offset just past the record, relative to the start of the scanned buffer. */
  end: number;
}

export interface FrameScan {
  /** The intact records at the start of the buffer, in order. */
  records: ScannedRecord[];
  /** Bytes taken by those records. */
  validBytes: number;
  /**
   * What follows them: nothing, a frame the buffer ends inside of (`needBytes` is its full
   * size when its header was complete), or a frame that can never be valid.
   */
  stop: 'end' | 'incomplete' | 'corrupt';
  needBytes?: number;
}

/** Reads records from the start of `buffer` up to the first torn or corrupt frame. */
export function scanFrames(buffer: Buffer): FrameScan {
  const records: ScannedRecord[] = [];
  let at = 0;
  for (;;) {
    const done = (stop: FrameScan['stop'], needBytes?: number): FrameScan => ({
      records,
      validBytes: at,
      stop,
      needBytes,
    });
    const remaining = buffer.length - at;
    if (remaining === 0) return done('end');
    if (remaining < FRAME_HEADER_BYTES) return done('incomplete');
    const bodyBytes = buffer.readUInt32BE(at);
    if (bodyBytes > MAX_BODY_BYTES) return done('corrupt');
    const frameBytes = FRAME_HEADER_BYTES + bodyBytes;
    if (remaining < frameBytes) return done('incomplete', frameBytes);
    const body = buffer.subarray(at + FRAME_HEADER_BYTES, at + frameBytes);
    const message = crc32(body) === buffer.readUInt32BE(at + 4) ? decodeBody(body) : undefined;
    if (!message) return done('corrupt');
    at += frameBytes;
    records.push({ message, end: at });
  }
}

/** The message in an intact body; undefined when the body does not hold one (a foreign format). */
function decodeBody(body: Buffer): OutboundMessage | undefined {
  const fields: string[] = [];
  let at = 0;
  for (let i = 0; i < 3; i++) {
    if (at + 2 > body.length) return undefined;
    const length = body.readUInt16BE(at);
    at += 2;
    if (at + length > body.length) return undefined;
    fields.push(body.toString('utf8', at, at + length));
    at += length;
  }
  const [kind, subject, msgId] = fields;
  if (!Object.hasOwn(KINDS, kind)) return undefined;
  return { kind: kind as MessageKind, subject, msgId, data: body.subarray(at) };
}
