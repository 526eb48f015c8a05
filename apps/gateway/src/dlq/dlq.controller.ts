import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  DLQ_REDRIVE_BUDGET_MS,
  DLQ_SERVICES,
  type DlqBatchReply,
  type DlqEntry,
  DlqListRequest,
  dlqOperations,
  DlqOwner,
  DlqSelection,
  DlqService,
  DlqShowReply as DlqShowReplySchema,
  DlqShowRequest,
  UnavailableError,
  validate,
  z,
} from '@vigil/contracts';
import { DlqOperations } from '@vigil/messaging';
import { Bus, Database, Observability, RedriveLedger } from '@vigil/platform';
import { AuditReadModel } from '../audit/audit.read-model';
import { ApiKeys } from '../keys/api-keys';
import { UsersReadModel } from '../users/users.read-model';
import { Access } from '../auth/access';
import { Actor } from '../auth/principal';
import { ApiSchemas } from '../http/api-schemas';
import { ServiceClient } from '../http/service-client';

type DlqShowReply = z.infer<typeof DlqShowReplySchema>;
type QueryString = Record<string, string | string[] | undefined>;

/** The list's query string: the list request of one service, and which service (all when absent). */
const ListQuery = DlqListRequest.extend({ service: DlqOwner.optional() });

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[v.length - 1] : v);
const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : v);

/** The selection's fields for the OpenAPI document (its refinements are checked by the route). */
const selectionShape = {
  seqs: z.array(z.number().int().positive()).min(1).max(500).optional(),
  filter: z.object({ reason: z.string().optional(), subject: z.string().optional() }).optional(),
  all: z.literal(true).optional(),
};

export interface DlqListAnswer {
  entries: DlqEntry[];
  next?: number;
  /** Services that did not answer (their messages are missing from this page). */
  unavailable?: string[];
}

/**
 * The dead-letter queues (admins): each service answers for its own DLQ over `qry|cmd.<context>.dlq-*`
 * (the gateway only asks; it gains no right on the DLQ stream). Sequences are those of the one
 * DLQ stream, so a list over every service is merged in their order and pages with `after`.
 * Redrive and purge are audited like every change.
 */
@Controller('api/v1/dlq')
@Access('admin')
export class DlqController {
  /**
   * The gateway's own DLQ (its read models park there): listed, shown, purged and redriven here
   * (an event applied to its read model once, recorded in gateway.dlq_redriven).
   */
  private readonly own: DlqOperations;

  constructor(
    private readonly services: ServiceClient,
    bus: Bus,
    obs: Observability,
    db: Database,
    users: UsersReadModel,
    keys: ApiKeys,
    audit: AuditReadModel,
  ) {
    const ledger = new RedriveLedger(db, 'gateway');
    const redrives = [users, keys, audit].map((m) => m.redriveHandler(ledger));
    this.own = new DlqOperations(bus.jsm, bus.topology, 'gateway', bus.dlq, redrives, obs.logger, {
      budgetMs: DLQ_REDRIVE_BUDGET_MS,
      retryAfterSeconds: bus.queries.retryAfterSeconds,
    });
  }

  private list1(owner: DlqOwner, request: z.infer<typeof DlqListRequest>) {
    return owner === 'gateway' ? this.own.list(request) : this.services.ask(dlqOperations(owner).list, request);
  }

  /** `?service=&reason=&subject=&after=&limit=`: parked messages, oldest first. */
  @Get()
  @ApiSchemas({ query: ListQuery, summary: 'Parked messages (every service, or one)' })
  async list(@Query() q: QueryString): Promise<DlqListAnswer> {
    const parsed = validate(
      ListQuery,
      {
        ...(one(q.service) !== undefined ? { service: one(q.service) } : {}),
        ...(one(q.reason) !== undefined ? { reason: one(q.reason) } : {}),
        ...(one(q.subject) !== undefined ? { subject: one(q.subject) } : {}),
        ...(one(q.after) !== undefined ? { after: num(one(q.after)) } : {}),
        ...(one(q.limit) !== undefined ? { limit: num(one(q.limit)) } : {}),
      },
      'query',
    );
    const { service, ...request } = parsed;
    const services: DlqOwner[] = service ? [service] : [...(Object.keys(DLQ_SERVICES) as DlqService[]), 'gateway'];
    const answers = await Promise.allSettled(services.map((s) => this.list1(s, request)));
    const unavailable: string[] = [];
    const entries: DlqEntry[] = [];
    let bound = Infinity;
    answers.forEach((a, i) => {
      if (a.status === 'rejected') {
        if (!(a.reason instanceof UnavailableError) || services.length === 1) throw a.reason;
        unavailable.push(services[i]);
        return;
      }
      entries.push(...a.value.entries);
      // A service with more to show has shown everything up to its `next`: the merged page stops there.
      if (a.value.next !== undefined) bound = Math.min(bound, a.value.next);
    });
    const merged = entries.filter((e) => e.seq <= bound).sort((a, b) => a.seq - b.seq);
    const page = merged.slice(0, request.limit);
    const more = bound !== Infinity || merged.length > page.length;
    return {
      entries: page,
      ...(more && page.length ? { next: page[page.length - 1].seq } : more ? { next: bound } : {}),
      ...(unavailable.length ? { unavailable } : {}),
    };
  }

  /** One parked message with its headers and payload (JSON, text or base64, cut to 64 KiB). */
  @Get(':service/:seq')
  @ApiSchemas({ summary: 'A parked message' })
  show(@Param('service') service: string, @Param('seq') seq: string): Promise<DlqShowReply> {
    const s = validate(DlqOwner, service, 'service');
    if (s === 'gateway') return this.own.show(validate(DlqShowRequest, { seq: num(seq) }, 'seq'));
    return this.services.ask(dlqOperations(s).show, { seq: num(seq) });
  }

  /** `{ seqs }` or `{ all: true, filter? }`: feeds them back through the service's own handling. */
  @Post(':service/redrive')
  @HttpCode(200)
  @ApiSchemas({ body: z.object(selectionShape), summary: 'Redrive parked messages' })
  redrive(@Param('service') service: string, @Body() body: unknown, @Actor() actor: string): Promise<DlqBatchReply> {
    const s = validate(DlqOwner, service, 'service');
    // The actor is the authenticated caller's, never the body's (the selection is strict).
    const command = { ...validate(DlqSelection, body ?? {}, 'body'), actor };
    if (s === 'gateway') return this.own.redrive(command);
    return this.services.ask(dlqOperations(s).redrive, command);
  }

  /** `{ seqs }` or `{ all: true, filter? }`: deletes them from the DLQ. */
  @Post(':service/purge')
  @HttpCode(200)
  @ApiSchemas({ body: z.object(selectionShape), summary: 'Purge parked messages' })
  purge(@Param('service') service: string, @Body() body: unknown, @Actor() actor: string): Promise<DlqBatchReply> {
    const s = validate(DlqOwner, service, 'service');
    const command = { ...validate(DlqSelection, body ?? {}, 'body'), actor };
    if (s === 'gateway') return this.own.purge(command);
    return this.services.ask(dlqOperations(s).purge, command);
  }
}
