import { Injectable } from '@nestjs/common';
import {
  type CancelMaintenanceWindowRequest,
  type CreateMaintenanceWindowRequest,
  IllegalStateError,
  type LabelMatcher,
  type ListMaintenanceWindowsRequest,
  MAINTENANCE_WINDOW_LIMITS,
  type MaintenanceWindow,
  type MaintenanceWindowEvent,
  maintenanceWindowEvents,
  type MaintenanceWindowListReply,
  type MaintenanceWindowView,
  NotFoundError,
  type PreviewMaintenanceWindowReply,
  type PreviewMaintenanceWindowRequest,
  uuidv7,
  windowSelects,
  windowState,
  windowTimes,
  type z,
} from '@vigil/contracts';
import { CommandHandler, commandMeta, EventStore } from '@vigil/event-store';
import { Bus, Database } from '@vigil/platform';
import {
  type MaintenanceWindowAggregate,
  type MaintenanceWindowCommand,
  maintenanceWindowDecider,
} from '../domain/maintenance-window/maintenance-window.decider';
import { MaintenanceWindowsReadModel } from '../projections/maintenance-windows.read-model';
import { NODE_LABELS } from '../projections/window-membership';

interface WindowRow {
  id: string;
  reason: string;
  matchers: LabelMatcher[];
  starts_at: Date;
  ends_at: Date;
  created_by: string;
  created_at: Date;
  cancelled_at: Date | null;
  cancelled_by: string | null;
  nodes: string;
}

/** Nodes read a page at a time by the preview. */
const PREVIEW_PAGE = 5000;

/**
 * Maintenance windows: scheduled and cancelled (event-sourced, each answering once this
 * replica's read model shows the change), listed, and previewed against the registered nodes.
 * Nothing happens at a window's start or end: the node views and alert-svc read the windows.
 */
@Injectable()
export class MaintenanceWindowsService {
  private readonly handler: CommandHandler<
    MaintenanceWindowEvent,
    MaintenanceWindowAggregate,
    MaintenanceWindowCommand
  >;

  constructor(
    bus: Bus,
    private readonly db: Database,
    private readonly windows: MaintenanceWindowsReadModel,
  ) {
    this.handler = new CommandHandler(
      new EventStore(bus.js, bus.jsm, bus.topology, 'maintenance', maintenanceWindowEvents),
      maintenanceWindowDecider,
    );
  }

  async create(request: z.output<typeof CreateMaintenanceWindowRequest>): Promise<MaintenanceWindowView> {
    await this.windows.catchUp();
    // Counted on this replica's read model: two replicas creating at the same instant may pass it by one each.
    const [{ open }] = await this.db.query<{ open: string }>(
      'maintenance_windows_open',
      'SELECT count(*) AS open FROM registry.maintenance_windows WHERE stops_at > now()',
    );
    if (Number(open) >= MAINTENANCE_WINDOW_LIMITS.open_windows)
      throw new IllegalStateError(
        `${MAINTENANCE_WINDOW_LIMITS.open_windows} maintenance windows are scheduled or active already: cancel one first`,
      );
    const now = Date.now();
    const window: MaintenanceWindow = {
      id: uuidv7(now),
      reason: request.reason,
      matchers: request.matchers,
      startsAt: new Date(request.startsAt ? Date.parse(request.startsAt) : now).toISOString(),
      endsAt: new Date(Date.parse(request.endsAt)).toISOString(),
      createdBy: request.actor,
    };
    const events = await this.handler.handle(
      window.id,
      { type: 'ScheduleWindow', window, now },
      commandMeta(request.actor),
    );
    await this.windows.waitFor(events.at(-1)?.seq ?? 0, 10_000);
    return this.get(window.id);
  }

  async cancel(request: z.output<typeof CancelMaintenanceWindowRequest>): Promise<MaintenanceWindowView> {
    const events = await this.handler.handle(
      request.windowId,
      { type: 'CancelWindow', windowId: request.windowId, now: Date.now() },
      commandMeta(request.actor),
    );
    await this.windows.waitFor(events.at(-1)?.seq ?? 0, 10_000);
    return this.get(request.windowId);
  }

  async list(request: z.output<typeof ListMaintenanceWindowsRequest>): Promise<MaintenanceWindowListReply> {
    await this.windows.catchUp();
    const rows = await this.db.query<WindowRow>(
      'maintenance_windows_list',
      `SELECT w.*, (SELECT count(*) FROM registry.maintenance_window_nodes m WHERE m.window_id = w.id) AS nodes
       FROM registry.maintenance_windows w
       WHERE CASE $1::text WHEN 'open' THEN w.stops_at > now() WHEN 'past' THEN w.stops_at <= now() ELSE true END
       ORDER BY w.stops_at > now() DESC, CASE WHEN w.stops_at > now() THEN w.starts_at END ASC, w.stops_at DESC
       LIMIT $2`,
      [request.state ?? null, request.limit],
    );
    const now = Date.now();
    return { windows: rows.map((r) => view(r, now)) };
  }

  private async get(id: string): Promise<MaintenanceWindowView> {
    const rows = await this.db.query<WindowRow>(
      'maintenance_windows_get',
      `SELECT w.*, (SELECT count(*) FROM registry.maintenance_window_nodes m WHERE m.window_id = w.id) AS nodes
       FROM registry.maintenance_windows w WHERE w.id = $1`,
      [id],
    );
    if (!rows[0]) throw new NotFoundError(`no maintenance window ${id}`);
    return view(rows[0], Date.now());
  }

  /** The registered nodes the matchers select now: how many, and the first `limit` by host name. */
  async preview(request: z.output<typeof PreviewMaintenanceWindowRequest>): Promise<PreviewMaintenanceWindowReply> {
    const nodes: PreviewMaintenanceWindowReply['nodes'] = [];
    let total = 0;
    let after: [string, string] = ['', ''];
    for (;;) {
      const rows = await this.db.query<{ id: string; hostname: string; labels: Record<string, string> }>(
        'maintenance_window_preview',
        `SELECT id, hostname, ${NODE_LABELS} AS labels FROM registry.nodes
         WHERE (hostname, id) > ($1, $2) ORDER BY hostname, id LIMIT $3`,
        [...after, PREVIEW_PAGE],
      );
      if (rows.length === 0) return { total, nodes };
      for (const n of rows) {
        if (!windowSelects({ matchers: request.matchers }, n.id, n.labels)) continue;
        total += 1;
        if (nodes.length < request.limit) nodes.push(n);
      }
      const last = rows[rows.length - 1];
      after = [last.hostname, last.id];
    }
  }
}

function view(r: WindowRow, now: number): MaintenanceWindowView {
  const window: MaintenanceWindow = {
    id: r.id,
    reason: r.reason,
    matchers: r.matchers,
    startsAt: r.starts_at.toISOString(),
    endsAt: r.ends_at.toISOString(),
    createdBy: r.created_by,
  };
  const cancelledAt = r.cancelled_at?.toISOString();
  return {
    ...window,
    state: windowState(windowTimes(window, cancelledAt), now),
    createdAt: r.created_at.toISOString(),
    ...(cancelledAt === undefined ? {} : { cancelledAt }),
    ...(r.cancelled_by === null ? {} : { cancelledBy: r.cancelled_by }),
    nodes: Number(r.nodes),
  };
}
