import { InvalidArgumentError, InvalidSubjectError } from '@nats-io/nats-core';

/**
 * True when NATS refuses the message itself (larger than the server's max_payload, an
 * invalid subject) rather than being unable to take it now. Retrying such a message
 * would fail forever, and in the spool it would block every message behind it.
 */
export function isRefusedMessage(e: unknown): boolean {
  return e instanceof InvalidArgumentError || e instanceof InvalidSubjectError;
}
