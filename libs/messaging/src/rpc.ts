import { AsyncLocalStorage } from 'node:async_hooks';
import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { errors as natsErrors, headers } from '@nats-io/nats-core';
import { SpanKind } from '@opentelemetry/api';
import {
  BusyError,
  decodeJson,
  encodeJson,
  errorFromWire,
  operationSubject,
  type QueryDefinition,
  resultTooLarge,
  RpcReply,
  type Topology,
  UnavailableError,
  validate,
  VigilError,
  z,
} from '@vigil/contracts';
import { extractTraceContext, injectTraceHeaders, withSpan } from '@vigil/telemetry';
import type { Logger } from 'pino';
import type { Counter, Gauge, Histogram } from 'prom-client';

export interface RpcServerDeps {
  nc: NatsConnection;
  topology: Topology;
  logger: Logger;
  messages: Counter<'subject' | 'result'>;
  duration: Histogram<'subject'>;
  /** Bounds the `qry.*` handlers running at once in this process; absent: unbounded. */
  queries?: QueryLimiter;
  /** Requests answered with an error instead of their result, by reason. */
  refused?: Counter<'subject' | 'reason'>;
}

const queryScope = new AsyncLocalStorage<string>();

/**
 * The `qry.*` pattern whose handler this code runs for (through every await it makes), else
 * undefined: the platform's Database sends such reads to its query pool.
 */
export function currentQuery(): string | undefined {
  return queryScope.getStore();
}

/** NATS' default max_payload, for a connection that has not received the server's INFO. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/**
 * The largest reply this connection may publish: the server's max_payload (from its INFO,
 * which may change on a reconnect to another server). A reply has no headers, so the
 * payload may use all of it.
 */
export function maxReplyBytes(nc: NatsConnection): number {
  const max = nc.info?.max_payload;
  return typeof max === 'number' && max > 0 ? max : DEFAULT_MAX_PAYLOAD;
}

/**
 * What a handler may spend on its data: max_payload less the reply's envelope
 * (`{"ok":true,"data":…}`) and a margin for what an estimate leaves out.
 */
export function replyDataBudget(nc: NatsConnection): number {
  return maxReplyBytes(nc) - 1024;
}

/**
 * At most `max` query handlers at once in a process; one more is refused at once (not
 * queued) with a BusyError, so a flood of queries costs the service a short reply each
 * instead of its connections, memory and event loop.
 */
export class QueryLimiter {
  private running = 0;

  constructor(
    readonly max: number,
    readonly retryAfterSeconds = 1,
    private readonly gauge?: Gauge,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new Error(`query concurrency must be a positive integer, not ${max}`);
  }

  get inFlight(): number {
    return this.running;
  }

  tryAcquire(): boolean {
    if (this.running >= this.max) return false;
    this.running++;
    this.gauge?.set(this.running);
    return true;
  }

  release(): void {
    this.running = Math.max(0, this.running - 1);
    this.gauge?.set(this.running);
  }
}

export interface ServeOptions {
  /**
   * Every replica answers each request (no queue group), for a requester that collects the
   * answers of all of them (`requestMany`): a replica's own status. Default false.
   */
  everyReplica?: boolean;
}

/**
 * Serves one query over NATS request/reply in a queue group (so N replicas share
 * the load; `options.everyReplica`: each replica answers). The request is validated against its contract; every answer is an
 * RpcReply, never a thrown error on the wire. A `qry` waits for no slot: beyond
 * `deps.queries` it is answered busy. A reply larger than the connection's max_payload is
 * answered "result too large" instead, and a reply that cannot be sent (connection closed)
 * is logged and counted: nothing here rejects.
 */
export function serveQuery<Req extends z.ZodType, Rep extends z.ZodType>(
  deps: RpcServerDeps,
  def: QueryDefinition<Req, Rep>,
  handler: (request: z.infer<Req>) => Promise<z.infer<Rep>>,
  options: ServeOptions = {},
): Subscription {
  const subject = operationSubject(deps.topology, def);
  const pattern = `${def.kind}.${def.context}.${def.what}`;
  return deps.nc.subscribe(subject, {
    ...(options.everyReplica ? {} : { queue: `${def.context}-rpc` }),
    callback: (err, msg) => {
      if (err) {
        deps.logger.error({ err, subject }, 'query subscription failed');
        return;
      }
      answer(deps, def, pattern, msg, handler).catch((e: unknown) =>
        deps.logger.error({ err: e, subject: pattern }, 'query answer failed'),
      );
    },
  });
}

async function answer<Req extends z.ZodType, Rep extends z.ZodType>(
  deps: RpcServerDeps,
  def: QueryDefinition<Req, Rep>,
  pattern: string,
  msg: Msg,
  handler: (request: z.infer<Req>) => Promise<z.infer<Rep>>,
): Promise<void> {
  const limiter = def.kind === 'qry' ? deps.queries : undefined;
  if (limiter && !limiter.tryAcquire()) {
    const busy = new BusyError(
      `busy: ${limiter.max} queries are running in this ${def.context} service; retry in ${limiter.retryAfterSeconds} s`,
      limiter.retryAfterSeconds,
    );
    deps.refused?.inc({ subject: pattern, reason: 'busy' });
    deps.messages.inc({ subject: pattern, result: 'busy' });
    send(deps, pattern, msg, errorReply(busy));
    return;
  }
  try {
    const end = deps.duration.startTimer({ subject: pattern });
    const reply = await withSpan(
      `${pattern} handle`,
      {
        kind: SpanKind.SERVER,
        parent: extractTraceContext(msg.headers),
        attributes: { 'messaging.system': 'nats', 'messaging.destination.name': pattern },
      },
      async (): Promise<RpcReply> => {
        try {
          const request = decodeJson(def.request, msg.data, `${pattern} request`);
          const result =
            def.kind === 'qry' ? await queryScope.run(pattern, () => handler(request)) : await handler(request);
          const data = validate(def.reply, result, `${pattern} reply`);
          return { ok: true, data };
        } catch (e) {
          if (e instanceof VigilError) return errorReply(e);
          deps.logger.error({ err: e, subject: pattern }, 'query handler failed');
          return { ok: false, error: { type: 'internal', message: 'internal error' } };
        }
      },
    );
    end();
    let body = encodeJson(reply);
    const max = maxReplyBytes(deps.nc);
    if (body.length > max) {
      // The handler's estimate (if it has one) let it through: refuse it here, as small as an error is.
      deps.logger.warn(
        { subject: pattern, bytes: body.length, maxBytes: max },
        'reply larger than max_payload refused',
      );
      deps.refused?.inc({ subject: pattern, reason: 'too_large' });
      body = encodeJson(errorReply(resultTooLarge(body.length, max)));
      deps.messages.inc({ subject: pattern, result: 'limit_exceeded' });
    } else {
      deps.messages.inc({ subject: pattern, result: reply.ok ? 'ok' : reply.error.type });
    }
    sendBytes(deps, pattern, msg, body);
  } finally {
    limiter?.release();
  }
}

function errorReply(e: VigilError): RpcReply {
  return { ok: false, error: { type: e.type, message: e.message, details: e.details } };
}

function send(deps: RpcServerDeps, pattern: string, msg: Msg, reply: RpcReply): void {
  sendBytes(deps, pattern, msg, encodeJson(reply));
}

/**
 * Publishes the reply; if that throws (over max_payload after all, connection closed or
 * draining), tries a small internal error so the requester need not wait for its timeout,
 * and otherwise only logs: a lost reply costs one request, never the process.
 */
function sendBytes(deps: RpcServerDeps, pattern: string, msg: Msg, body: Uint8Array): void {
  try {
    msg.respond(body);
  } catch (e) {
    deps.refused?.inc({ subject: pattern, reason: 'send_failed' });
    deps.logger.error({ err: e, subject: pattern, bytes: body.length }, 'query reply could not be sent');
    try {
      msg.respond(encodeJson({ ok: false, error: { type: 'internal', message: 'the reply could not be sent' } }));
    } catch {
      // The connection is gone: the requester times out.
    }
  }
}

/** Asks a query with the active trace context; answers the data or throws the remote VigilError. */
export async function requestQuery<Req extends z.ZodType, Rep extends z.ZodType>(
  nc: NatsConnection,
  topology: Topology,
  def: QueryDefinition<Req, Rep>,
  request: z.input<Req>,
  timeoutMs: number,
): Promise<z.infer<Rep>> {
  const pattern = `${def.kind}.${def.context}.${def.what}`;
  const body = validate(def.request, request, `${pattern} request`);
  return withSpan(
    `${pattern} request`,
    { kind: SpanKind.CLIENT, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': pattern } },
    async () => {
      const h = headers();
      injectTraceHeaders(h);
      let msg: Msg;
      try {
        msg = await nc.request(operationSubject(topology, def), encodeJson(body), {
          timeout: timeoutMs,
          headers: h,
        });
      } catch (e) {
        if (e instanceof natsErrors.NoRespondersError)
          throw new UnavailableError(`no ${def.context} service is answering`);
        if (e instanceof natsErrors.TimeoutError)
          throw new UnavailableError(`${pattern} timed out after ${timeoutMs} ms`);
        if (e instanceof natsErrors.RequestError && e.isNoResponders()) {
          throw new UnavailableError(`no ${def.context} service is answering`);
        }
        throw e;
      }
      const reply = decodeJson(RpcReply, msg.data, `${pattern} reply`);
      if (!reply.ok) throw errorFromWire(reply.error);
      return validate(def.reply, reply.data, `${pattern} reply`);
    },
  );
}

export interface EveryReplicaOptions {
  /** The longest the whole request may take. */
  maxWaitMs: number;
  /** After an answer, how long to wait for another before stopping. */
  stallMs: number;
  /** At most this many answers are taken. */
  maxReplies: number;
}

/**
 * Asks a query that every replica answers (`serveQuery` with `everyReplica`) and collects the
 * answers that come within the bounds. No replica answering is an empty list, not an error; an
 * answer that is an error or breaks the contract is listed in `refused` (its text), not thrown.
 */
export async function requestEveryReplica<Req extends z.ZodType, Rep extends z.ZodType>(
  nc: NatsConnection,
  topology: Topology,
  def: QueryDefinition<Req, Rep>,
  request: z.input<Req>,
  options: EveryReplicaOptions,
): Promise<{ replies: z.infer<Rep>[]; refused: string[] }> {
  const pattern = `${def.kind}.${def.context}.${def.what}`;
  const body = validate(def.request, request, `${pattern} request`);
  return withSpan(
    `${pattern} request`,
    { kind: SpanKind.CLIENT, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': pattern } },
    async () => {
      const h = headers();
      injectTraceHeaders(h);
      const replies: z.infer<Rep>[] = [];
      const refused: string[] = [];
      try {
        const answers = await nc.requestMany(operationSubject(topology, def), encodeJson(body), {
          strategy: 'stall',
          stall: options.stallMs,
          maxWait: options.maxWaitMs,
          headers: h,
        });
        for await (const msg of answers) {
          try {
            const reply = decodeJson(RpcReply, msg.data, `${pattern} reply`);
            if (!reply.ok) throw errorFromWire(reply.error);
            replies.push(validate(def.reply, reply.data, `${pattern} reply`));
          } catch (e) {
            refused.push(e instanceof Error ? e.message : String(e));
          }
          if (replies.length + refused.length >= options.maxReplies) break;
        }
      } catch (e) {
        const noResponders =
          e instanceof natsErrors.NoRespondersError || (e instanceof natsErrors.RequestError && e.isNoResponders());
        if (!noResponders) throw e;
      }
      return { replies, refused };
    },
  );
}
