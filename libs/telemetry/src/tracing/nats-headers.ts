import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { Match, type MsgHdrs } from '@nats-io/nats-core';

// NATS header keys are case-sensitive; a peer may have written `Traceparent`.
const setter: TextMapSetter<MsgHdrs> = {
  set: (headers, key, value) => headers.set(key, value, Match.IgnoreCase),
};

const getter: TextMapGetter<MsgHdrs> = {
  keys: (headers) => headers.keys(),
  get: (headers, key) => (headers.has(key, Match.IgnoreCase) ? headers.get(key, Match.IgnoreCase) : undefined),
};

/** Writes `traceparent` (and `tracestate`) of `ctx`, by default the active context, into NATS headers. */
export function injectTraceHeaders(headers: MsgHdrs, ctx: Context = context.active()): void {
  propagation.inject(ctx, headers, setter);
}

/**
 * The remote parent carried by NATS headers, on top of the ROOT context: a handler's trace
 * continues the publisher's, never whatever happened to be active in the consumer loop.
 */
export function extractTraceContext(headers?: MsgHdrs): Context {
  return headers ? propagation.extract(ROOT_CONTEXT, headers, getter) : ROOT_CONTEXT;
}
