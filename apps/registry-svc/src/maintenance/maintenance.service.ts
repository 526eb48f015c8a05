import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { Cache, Database, LeasedSchedule, Observability, RedisLease } from '@vigil/platform';
import { commandMeta } from '@vigil/event-store';
import { NodeCommands } from '../domain/node/node.commands';

/** How often the maintenances whose end passed are ended (on one replica, a Redis lease). */
const EXPIRY_CHECK_MS = 1000;

/**
 * Maintenance mode: operators start and end it (`node.maintenance_started` / `_ended`, the
 * actor recorded); one whose `until` passed is ended with reason `expired`. The end is decided
 * against the node's events, so a maintenance started again meanwhile with a later end stays,
 * and two replicas cannot both end one.
 */
@Injectable()
export class MaintenanceService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly schedule: LeasedSchedule;

  constructor(
    private readonly commands: NodeCommands,
    private readonly db: Database,
    cache: Cache,
    private readonly obs: Observability,
  ) {
    this.schedule = new LeasedSchedule(
      new RedisLease(cache.redis, cache.key('registry', 'maintenance-expiry'), EXPIRY_CHECK_MS * 3),
      EXPIRY_CHECK_MS,
      () => this.expire(),
      (e) => obs.logger.error({ err: e }, 'ending expired maintenances failed'),
    );
  }

  onApplicationBootstrap(): void {
    this.schedule.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.schedule.stop();
  }

  /** Returns the stream sequence of the change (the caller waits for the read model). */
  async start(nodeId: string, reason: string, until: string | undefined, actor: string): Promise<number | undefined> {
    const events = await this.commands.handle(
      nodeId,
      { type: 'StartMaintenance', nodeId, reason, until },
      commandMeta(actor),
    );
    return events.at(-1)?.seq;
  }

  async end(nodeId: string, actor: string): Promise<number | undefined> {
    const events = await this.commands.handle(
      nodeId,
      { type: 'EndMaintenance', nodeId, reason: 'manual', now: new Date() },
      commandMeta(actor),
    );
    return events.at(-1)?.seq;
  }

  async expire(): Promise<void> {
    const due = await this.db.query<{ id: string }>(
      'nodes_maintenance_due',
      'SELECT id FROM registry.nodes WHERE maintenance_until <= now()',
    );
    for (const { id } of due) {
      const events = await this.commands.handle(
        id,
        { type: 'EndMaintenance', nodeId: id, reason: 'expired', now: new Date() },
        commandMeta('service:registry-svc'),
      );
      if (events.length > 0) this.obs.logger.info({ node: id }, 'maintenance ended: its end passed');
    }
  }
}
