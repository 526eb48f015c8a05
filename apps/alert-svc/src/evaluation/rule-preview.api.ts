import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Subscription } from '@nats-io/nats-core';
import { type AlertRule, BusyError, type PreviewRuleReply, ruleOperations } from '@vigil/contracts';
import { serveQuery } from '@vigil/messaging';
import { Bus, InjectConfig, Observability, rpcServerDeps, type ServiceConfig } from '@vigil/platform';
import type { AlertEnv } from '../config';
import { refuseBadTemplates } from '../domain/rule/templates';
import { streamPreviewSources } from './preview-sources';
import { DEFAULT_PREVIEW_LIMITS, type PreviewLimits, previewRule, type PreviewSources } from './rule-preview';
import { SampleGate } from './sample-gate';

/**
 * `qry.alerting.rule-preview`: which alerts a proposed rule would have now. Answered by any
 * replica (queue group), from the shared streams (see streamPreviewSources), one preview at a
 * time per replica: a read of up to 15 minutes of every node's samples is not something to run
 * side by side; another asked meanwhile is answered busy.
 */
@Injectable()
export class RulePreviewApi implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscription?: Subscription;
  private running = false;
  private readonly sources: PreviewSources;
  private readonly limits: PreviewLimits;

  constructor(
    private readonly bus: Bus,
    private readonly obs: Observability,
    gate: SampleGate,
    @InjectConfig() config: ServiceConfig & AlertEnv,
  ) {
    this.sources = streamPreviewSources(bus, gate);
    this.limits = {
      ...DEFAULT_PREVIEW_LIMITS,
      sampleMarginMs: Math.max(DEFAULT_PREVIEW_LIMITS.sampleMarginMs, config.VIGIL_ALERT_ABSENT_LOOKBACK_MS),
      maxAlerts: config.VIGIL_ALERT_MAX_GROUPS_PER_RULE,
    };
  }

  onApplicationBootstrap(): void {
    this.subscription = serveQuery(rpcServerDeps(this.bus, this.obs), ruleOperations.preview, (r) =>
      this.preview(r.rule),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.subscription?.drain();
  }

  private async preview(rule: AlertRule): Promise<PreviewRuleReply> {
    refuseBadTemplates(rule);
    if (this.running) throw new BusyError('busy: a rule preview is running in this alert-svc; retry in 1 s', 1);
    this.running = true;
    const started = Date.now();
    try {
      const reply = await previewRule(rule, this.sources, Date.now, this.limits);
      this.obs.logger.info(
        {
          rule: rule.id,
          kind: rule.kind,
          read: reply.read,
          total: reply.total,
          complete: reply.complete,
          ms: Date.now() - started,
        },
        'rule preview',
      );
      return reply;
    } finally {
      this.running = false;
    }
  }
}
