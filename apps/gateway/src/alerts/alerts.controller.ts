import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  type AlertHistoryReply,
  type AlertListReply,
  type Labels,
  Matchers,
  NotFoundError,
  ForbiddenError,
  type NotificationListReply,
  notifyOperations,
  silenceOperations,
  type SilenceListReply,
  type SilenceView,
  type QueryDefinition,
  type RoutingReply,
  type TestReceiverReply,
  type z,
  validate,
} from '@vigil/contracts';
import { Access } from '../auth/access';
import { Actor, CurrentPrincipal, type Principal } from '../auth/principal';
import { describeScope, Scoped, scopeOf, silenceInScope } from '../auth/scope';
import { ServiceClient } from '../http/service-client';
import { nodesInScope } from '../nodes/nodes-in-scope';
import { ApiSchemas, sentByClient } from '../http/api-schemas';

type QueryString = Record<string, string | string[] | undefined>;

/** The most alerts or transitions alert-svc answers at once. */
const MAX_LIMIT = 1000;

/** The query string's values as alert-svc's requests want them (`limit` a number, lists comma-separated); the rest as given. */
function params(q: QueryString, lists: string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined) continue;
    const text = Array.isArray(v) ? v.join(',') : v;
    if (k === 'limit') out[k] = /^\d+$/.test(text) ? Number(text) : text;
    else if (lists.includes(k)) out[k] = text.split(',').filter(Boolean);
    else out[k] = text;
  }
  return out;
}

/**
 * Alerts, their history, silences, notifications and receivers over REST (alert-svc answers
 * over NATS request/reply). Changes are recorded as made by the authenticated caller; reading
 * needs the role viewer, silencing and test sends operator.
 */
@Controller('api/v1/alerts')
@Access('viewer')
export class AlertsController {
  constructor(private readonly services: ServiceClient) {}

  /** Current alerts: `?state=pending,firing` (the default), `node`, `ruleId`, `limit`. */
  @Get()
  @ApiSchemas({ query: notifyOperations.alerts.request, summary: 'Current alerts' })
  @Scoped()
  async list(@Query() q: QueryString, @CurrentPrincipal() p: Principal): Promise<AlertListReply> {
    const scope = scopeOf(p);
    if (!scope) return this.services.ask(notifyOperations.alerts, params(q, ['state']));
    const inScope = (a: AlertListReply['alerts'][number], nodes: Set<string | undefined>) => nodes.has(a.labels.node);
    return {
      alerts: await this.scopedPage(notifyOperations.alerts, params(q, ['state']), scope, (r) => r.alerts, inScope),
    };
  }

  /** Every transition: `fingerprint`, `ruleId`, `node`, `since`, `until` (ISO 8601), `limit`; newest first. */
  @Get('history')
  @ApiSchemas({ query: notifyOperations.history.request, summary: 'Alert transitions, newest first' })
  @Scoped()
  async history(@Query() q: QueryString, @CurrentPrincipal() p: Principal): Promise<AlertHistoryReply> {
    const scope = scopeOf(p);
    if (!scope) return this.services.ask(notifyOperations.history, params(q));
    const inScope = (e: AlertHistoryReply['events'][number], nodes: Set<string | undefined>) =>
      nodes.has(e.labels.node);
    return { events: await this.scopedPage(notifyOperations.history, params(q), scope, (r) => r.events, inScope) };
  }

  /**
   * A scoped API key sees the alerts of the nodes in its scope (by their `node` label; alerts of
   * no node are not shown to it). alert-svc does not know node labels: the newest MAX_LIMIT
   * are asked for and filtered here, so a scoped page may be shorter than `limit`
   * when other nodes have many more alerts.
   */
  private async nodeIds(scope: Labels): Promise<Set<string | undefined>> {
    return new Set((await nodesInScope(this.services, scope)).map((n) => n.id));
  }

  /**
   * A list as a scoped key sees it: the request checked as alert-svc would, the newest MAX_LIMIT
   * items asked for, and those `inScope` kept, at most the `limit` asked.
   */
  private async scopedPage<Req extends z.ZodType<{ limit: number }>, Rep extends z.ZodType, T>(
    def: QueryDefinition<Req, Rep>,
    query: Record<string, unknown>,
    scope: Labels,
    items: (reply: z.infer<Rep>) => T[],
    inScope: (item: T, nodes: Set<string | undefined>) => boolean,
  ): Promise<T[]> {
    const request = validate(def.request, query, 'query');
    const nodes = await this.nodeIds(scope);
    const reply = await this.services.ask(def, { ...request, limit: MAX_LIMIT });
    return items(reply)
      .filter((item) => inScope(item, nodes))
      .slice(0, request.limit);
  }

  /** What was sent and how it went: `receiver`, `state`, `fingerprint`, `groupKey`, `since`, `until`, `limit`; newest first. */
  @Get('notifications')
  @ApiSchemas({ query: notifyOperations.notifications.request, summary: 'Notifications sent, newest first' })
  notifications(@Query() q: QueryString): Promise<NotificationListReply> {
    return this.services.ask(notifyOperations.notifications, params(q));
  }

  @Get('receivers')
  receivers(): Promise<{ receivers: { name: string; type: string }[] }> {
    return this.services.ask(notifyOperations.receivers, {});
  }

  /** The routing tree and inhibition rules alert-svc runs with (read-only: the notify config file is the source). */
  @Get('routes')
  routes(): Promise<RoutingReply> {
    return this.services.ask(notifyOperations.routing, {});
  }

  /** Sends the receiver a test notification; its answer (200 even when the receiver refused: see `ok`). */
  @Post('receivers/:name/test')
  @Access('operator')
  @HttpCode(200)
  test(@Param('name') receiver: string, @Actor() actor: string): Promise<TestReceiverReply> {
    return this.services.ask(notifyOperations.testReceiver, { receiver, actor: actor });
  }

  /**
   * A scoped API key sees only the silences confined to its scope (`silenceInScope`): of the
   * newest MAX_LIMIT, so a scoped page may be shorter than `limit`.
   */
  @Get('silences')
  @ApiSchemas({ query: silenceOperations.list.request, summary: 'Silences' })
  @Scoped()
  async silences(@Query() q: QueryString, @CurrentPrincipal() p: Principal): Promise<SilenceListReply> {
    const scope = scopeOf(p);
    if (!scope) return this.services.ask(silenceOperations.list, params(q));
    const inScope = (s: SilenceView, nodes: Set<string | undefined>) => silenceInScope(s.matchers, scope, nodes);
    return { silences: await this.scopedPage(silenceOperations.list, params(q), scope, (r) => r.silences, inScope) };
  }

  /**
   * `{ matchers, startsAt?, endsAt | duration, comment }`. A scoped key's silence must be
   * confined to its scope by its own matchers (403 otherwise): nothing is added to them.
   */
  @Post('silences')
  @ApiSchemas({ body: sentByClient(silenceOperations.create.request, 'actor'), summary: 'Create a silence' })
  @Access('operator')
  @Scoped()
  async createSilence(
    @Body() body: Record<string, unknown> | undefined,
    @Actor() actor: string,
    @CurrentPrincipal() p: Principal,
  ): Promise<SilenceView> {
    const scope = scopeOf(p);
    if (scope) {
      const matchers = validate(Matchers, body?.matchers, 'matchers');
      if (!silenceInScope(matchers, scope, await this.nodeIds(scope)))
        throw new ForbiddenError(
          `this API key is limited to ${describeScope(scope)}: a silence needs the matchers ` +
            `${Object.entries(scope)
              .map(([k, v]) => `${k}="${v}"`)
              .join(', ')}, or node="<id>" of a node with those labels`,
        );
    }
    return this.services.ask(silenceOperations.create, { ...body, actor: actor });
  }

  /** Ends a silence now. One outside a scoped key's scope answers as an unknown one (404). */
  @Delete('silences/:id')
  @Access('operator')
  @Scoped()
  async expireSilence(
    @Param('id') silenceId: string,
    @Actor() actor: string,
    @CurrentPrincipal() p: Principal,
  ): Promise<SilenceView> {
    const scope = scopeOf(p);
    if (scope) {
      const { silences } = await this.services.ask(silenceOperations.list, { limit: MAX_LIMIT });
      const silence = silences.find((s) => s.id === silenceId);
      if (!silence || !silenceInScope(silence.matchers, scope, await this.nodeIds(scope)))
        throw new NotFoundError(`no silence ${silenceId}`);
    }
    return this.services.ask(silenceOperations.expire, { silenceId, actor: actor });
  }

  /**
   * Silences this alert (all its labels): `{ duration?: "2h", comment }`. A scoped key may
   * silence only an alert it sees (of a node in its scope; else 404 as an unknown alert).
   */
  @Post(':fingerprint/silence')
  @ApiSchemas({
    body: sentByClient(silenceOperations.fromAlert.request, 'actor', 'fingerprint'),
    summary: 'Silence this alert',
  })
  @Access('operator')
  @Scoped()
  async silenceAlert(
    @Param('fingerprint') fingerprint: string,
    @Body() body: Record<string, unknown> | undefined,
    @Actor() actor: string,
    @CurrentPrincipal() p: Principal,
  ): Promise<SilenceView> {
    const scope = scopeOf(p);
    if (scope) {
      const nodes = await this.nodeIds(scope);
      const { alerts } = await this.services.ask(notifyOperations.alerts, {
        state: ['pending', 'firing', 'resolved'],
        limit: MAX_LIMIT,
      });
      const alert = alerts.find((a) => a.fingerprint === fingerprint);
      if (!alert || !nodes.has(alert.labels.node)) throw new NotFoundError(`no alert ${fingerprint}`);
    }
    return this.services.ask(silenceOperations.fromAlert, { ...body, fingerprint, actor: actor });
  }
}
