import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  type AlertHistoryReply,
  type AlertListReply,
  type NotificationListReply,
  notifyOperations,
  silenceOperations,
  type SilenceListReply,
  type SilenceView,
  type TestReceiverReply,
} from '@vigil/contracts';
import { Access } from '../auth/access';
import { Actor } from '../auth/principal';
import { ServiceClient } from '../http/service-client';
import { ApiSchemas, sentByClient } from '../http/api-schemas';

type QueryString = Record<string, string | string[] | undefined>;

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
  list(@Query() q: QueryString): Promise<AlertListReply> {
    return this.services.ask(notifyOperations.alerts, params(q, ['state']));
  }

  /** Every transition: `fingerprint`, `ruleId`, `node`, `since`, `until` (ISO 8601), `limit`; newest first. */
  @Get('history')
  @ApiSchemas({ query: notifyOperations.history.request, summary: 'Alert transitions, newest first' })
  history(@Query() q: QueryString): Promise<AlertHistoryReply> {
    return this.services.ask(notifyOperations.history, params(q));
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

  /** Sends the receiver a test notification; its answer (200 even when the receiver refused: see `ok`). */
  @Post('receivers/:name/test')
  @Access('operator')
  @HttpCode(200)
  test(@Param('name') receiver: string, @Actor() actor: string): Promise<TestReceiverReply> {
    return this.services.ask(notifyOperations.testReceiver, { receiver, actor: actor });
  }

  @Get('silences')
  @ApiSchemas({ query: silenceOperations.list.request, summary: 'Silences' })
  silences(@Query() q: QueryString): Promise<SilenceListReply> {
    return this.services.ask(silenceOperations.list, params(q));
  }

  /** `{ matchers, startsAt?, endsAt | duration, comment }`. */
  @Post('silences')
  @ApiSchemas({ body: sentByClient(silenceOperations.create.request, 'actor'), summary: 'Create a silence' })
  @Access('operator')
  createSilence(@Body() body: Record<string, unknown> | undefined, @Actor() actor: string): Promise<SilenceView> {
    return this.services.ask(silenceOperations.create, { ...body, actor: actor });
  }

  /** Ends a silence now. */
  @Delete('silences/:id')
  @Access('operator')
  expireSilence(@Param('id') silenceId: string, @Actor() actor: string): Promise<SilenceView> {
    return this.services.ask(silenceOperations.expire, { silenceId, actor: actor });
  }

  /** Silences this alert (all its labels): `{ duration?: "2h", comment }`. */
  @Post(':fingerprint/silence')
  @ApiSchemas({
    body: sentByClient(silenceOperations.fromAlert.request, 'actor', 'fingerprint'),
    summary: 'Silence this alert',
  })
  @Access('operator')
  silenceAlert(
    @Param('fingerprint') fingerprint: string,
    @Body() body: Record<string, unknown> | undefined,
    @Actor() actor: string,
  ): Promise<SilenceView> {
    return this.services.ask(silenceOperations.fromAlert, { ...body, fingerprint, actor: actor });
  }
}
