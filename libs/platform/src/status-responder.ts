import { hostname } from 'node:os';
import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Subscription } from '@nats-io/nats-core';
import { serviceStatusOperation, STATUS_SERVICES, type ServiceStatusReply, type StatusService } from '@vigil/contracts';
import { serveQuery } from '@vigil/messaging';
import { HealthChecker } from '@vigil/telemetry';
import type { ServiceConfig } from './config';
import { Bus, Observability, rpcServerDeps } from './infra';
import { SERVICE_CONFIG } from './service-config.token';

const isStatusService = (service: string): service is StatusService => Object.hasOwn(STATUS_SERVICES, service);

/**
 * Answers `qry.<context>.status` for this replica: its readiness (the checks of `/health/ready`)
 * and how far behind each of its stream readers is. Every replica answers the one request (no
 * queue group), so the gateway's platform status lists each replica; the query cap does not apply
 * (a busy replica still says it is there). Requests that arrive while a report is being made share
 * it, so a flood of status requests costs one report at a time.
 */
@Injectable()
export class StatusResponder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscription?: Subscription;
  private inFlight?: Promise<ServiceStatusReply>;
  private readonly startedAt = new Date().toISOString();
  private readonly instance = `${hostname()}:${process.pid}`.slice(0, 128);

  constructor(
    private readonly bus: Bus,
    private readonly obs: Observability,
    private readonly health: HealthChecker,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  onApplicationBootstrap(): void {
    const service = this.config.service;
    if (!isStatusService(service)) return;
    const deps = { ...rpcServerDeps(this.bus, this.obs), queries: undefined };
    this.subscription = serveQuery(deps, serviceStatusOperation(service), () => this.report(), {
      everyReplica: true,
    });
  }

  beforeApplicationShutdown(): void {
    this.subscription?.unsubscribe();
  }

  /** This replica's status; one at a time (see the class). */
  report(): Promise<ServiceStatusReply> {
    this.inFlight ??= this.make().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async make(): Promise<ServiceStatusReply> {
    const [health, readers] = await Promise.all([this.health.report(), this.bus.readers.report()]);
    const checks = Object.fromEntries(
      Object.entries(health.checks).map(([name, c]) => [
        name,
        { status: c.status, latencyMs: c.latencyMs, ...(c.error ? { error: c.error.slice(0, 512) } : {}) },
      ]),
    );
    return {
      service: this.config.service,
      instance: this.instance,
      startedAt: this.startedAt,
      status: health.status,
      checks,
      readers,
    };
  }
}
