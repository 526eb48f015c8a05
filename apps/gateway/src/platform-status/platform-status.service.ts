import { Injectable } from '@nestjs/common';
import {
  PLATFORM_SERVICES,
  PLATFORM_STATUS_MAX_REPLICAS,
  PLATFORM_STATUS_STALL_MS,
  PLATFORM_STATUS_WAIT_MS,
  type PlatformStatus,
  serviceStatusOperation,
  STATUS_SERVICES,
  type StatusService,
} from '@vigil/contracts';
import { requestEveryReplica } from '@vigil/messaging';
import { Bus, StatusResponder } from '@vigil/platform';
import { busLag, dlqDepths, platformStatus, type ServiceAnswers, serviceHealth } from './platform-status';

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * The platform's status as this gateway replica sees it: each service's replicas through
 * `qry.<context>.status` (every replica answers; all services asked at once, bounded by
 * PLATFORM_STATUS_WAIT_MS), this replica's own readiness and readers (the gateway answers no
 * request on the bus), and the DLQ stream's per-subject counts.
 */
@Injectable()
export class PlatformStatusService {
  constructor(
    private readonly bus: Bus,
    private readonly own: StatusResponder,
  ) {}

  async status(now = () => new Date()): Promise<PlatformStatus> {
    const services = Object.keys(STATUS_SERVICES) as StatusService[];
    const [gateway, others, dlq] = await Promise.all([
      this.own.report(),
      Promise.all(services.map((s) => this.ask(s))),
      this.dlq(),
    ]);
    const answers: ServiceAnswers[] = [{ service: 'gateway', replies: [gateway], problems: [] }, ...others];
    return platformStatus(
      now(),
      answers.map(serviceHealth),
      busLag(answers.flatMap((a) => a.replies.map((r) => ({ service: a.service, readers: r.readers })))),
      dlq,
    );
  }

  private async ask(service: StatusService): Promise<ServiceAnswers> {
    try {
      const { replies, refused } = await requestEveryReplica(
        this.bus.nc,
        this.bus.topology,
        serviceStatusOperation(service),
        {},
        {
          maxWaitMs: PLATFORM_STATUS_WAIT_MS,
          stallMs: PLATFORM_STATUS_STALL_MS,
          maxReplies: PLATFORM_STATUS_MAX_REPLICAS,
        },
      );
      return { service, replies, problems: refused };
    } catch (e) {
      return { service, replies: [], problems: [message(e)] };
    }
  }

  private async dlq(): Promise<{ depths: { service: string; depth: number }[] } | { error: string }> {
    const t = this.bus.topology;
    try {
      const info = await this.bus.jsm.streams.info(t.streams.dlq, { subjects_filter: t.subjects.allDlq() });
      return { depths: dlqDepths(info.state.subjects ?? {}, (s) => t.subjects.dlq(s), PLATFORM_SERVICES) };
    } catch (e) {
      return { error: message(e) };
    }
  }
}
