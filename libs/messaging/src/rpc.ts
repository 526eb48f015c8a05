import type { Msg, NatsConnection, Subscription } from '@nats-io/nats-core';
import { errors as natsErrors, headers } from '@nats-io/nats-core';
import { SpanKind } from '@opentelemetry/api';
import {
  decodeJson,
  encodeJson,
  errorFromWire,
  operationSubject,
  type QueryDefinition,
  RpcReply,
  type Topology,
  UnavailableError,
  validate,
  VigilError,
  z,
} from '@vigil/contracts';
import { extractTraceContext, injectTraceHeaders, withSpan } from '@vigil/telemetry';
import type { Logger } from 'pino';
import type { Counter, Histogram } from 'prom-client';

export interface RpcServerDeps {
  nc: NatsConnection;
  topology: Topology;
  logger: Logger;
  messages: Counter<'subject' | 'result'>;
  duration: Histogram<'subject'>;
}

/**
 * Serves one query over NATS request/reply in a queue group (so N replicas share
 * the load). The request is validated against its contract; every answer is an
 * RpcReply, never a thrown error on the wire.
 */
export function serveQuery<Req extends z.ZodType, Rep extends z.ZodType>(
  deps: RpcServerDeps,
  def: QueryDefinition<Req, Rep>,
  handler: (request: z.infer<Req>) => Promise<z.infer<Rep>>,
): Subscription {
  const subject = operationSubject(deps.topology, def);
  const pattern = `${def.kind}.${def.context}.${def.what}`;
  return deps.nc.subscribe(subject, {
    queue: `${def.context}-rpc`,
    callback: (err, msg) => {
      if (err) {
        deps.logger.error({ err, subject }, 'query subscription failed');
        return;
      }
      void answer(deps, def, pattern, msg, handler);
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
        const data = validate(def.reply, await handler(request), `${pattern} reply`);
        return { ok: true, data };
      } catch (e) {
        if (e instanceof VigilError) {
          return { ok: false, error: { type: e.type, message: e.message, details: e.details } };
        }
        deps.logger.error({ err: e, subject: pattern }, 'query handler failed');
        return { ok: false, error: { type: 'internal', message: 'internal error' } };
      }
    },
  );
  end();
  deps.messages.inc({ subject: pattern, result: reply.ok ? 'ok' : reply.error.type });
  msg.respond(encodeJson(reply));
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
