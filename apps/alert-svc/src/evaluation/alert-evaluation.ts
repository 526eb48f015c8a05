import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { type ConsumerMessages, DeliverPolicy } from '@nats-io/jetstream';
import { type AlertEvent, alertEvents, decodeSampleBatch, type RuleView, type ThresholdRule, ValidationError } from '@vigil/contracts';
import { EventStore } from '@vigil/event-store';
import { Bus, Cache, InjectConfig, Observability, RedisLease, type ServiceConfig } from '@vigil/platform';
import type { AlertEnv } from '../config';
import { sameRule } from '../rules/rule-diff';
import { renderAnnotations } from '../rules/templates';
import { AlertingState } from '../alerting.state';
import { AlertMachine } from './alert-machine';
import { ThresholdEvaluator } from './threshold.evaluator';

/**
 * Evaluates the rules as samples stream in, on one replica at a time (a Redis lease; the
 * others stand by and take over within a lease time). Whoever holds the lease rebuilds the
 * active alerts from their last events, so `for` and keep_firing_for deadlines carry over a
 * restart or a takeover; each transition is appended expecting the alert's last sequence,
 * so two evaluators at once (a paused holder whose lease expired) cannot double one.
 */
@Injectable()
export class AlertEvaluation implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly lease: RedisLease;
  private readonly store: EventStore<AlertEvent>;
  private readonly evaluator = new ThresholdEvaluator();
  private machine?: AlertMachine;
  private rules = new Map<string, RuleView['rule']>();
  private messages?: ConsumerMessages;
  private reader?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly bus: Bus,
    cache: Cache,
    private readonly obs: Observability,
    private readonly state: AlertingState,
    @InjectConfig() private readonly config: ServiceConfig & AlertEnv,
  ) {
    this.lease = new RedisLease(cache.redis, cache.key('alert', 'evaluator'), config.VIGIL_ALERT_LEASE_MS);
    this.store = new EventStore(bus.js, bus.jsm, bus.topology, 'alert', alertEvents);
    state.ruleListeners.push((ruleId) => void this.ruleChanged(ruleId));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => {
      if (!this.ticking) this.ticking = this.tick().finally(() => (this.ticking = undefined));
    }, this.config.VIGIL_ALERT_LEASE_MS / 3);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    await this.deactivate();
    await this.lease.release().catch(() => undefined);
  }

  private async tick(): Promise<void> {
    try {
      const held = await this.lease.tryHold();
      if (held && !this.machine && !this.stopped) await this.activate();
      if (!held && this.machine) await this.deactivate();
    } catch (e) {
      this.obs.logger.error({ err: e }, 'alert evaluator lease failed');
    }
  }

  private async activate(): Promise<void> {
    const machine = new AlertMachine({ store: this.store, logger: this.obs.logger });
    await this.loadRules();
    await this.restore(machine);
    machine.start();
    this.machine = machine;
    this.reader = this.read();
    this.obs.logger.info({ alerts: machine.activeCount(), rules: this.rules.size }, 'alert evaluation active');
  }

  private async deactivate(): Promise<void> {
    const machine = this.machine;
    if (!machine) return;
    this.machine = undefined;
    void this.messages?.close().catch(() => undefined);
    await this.reader;
    await machine.stop();
    this.obs.logger.info('alert evaluation stood down');
  }

  private async loadRules(): Promise<void> {
    const views = await this.state.rules.list();
    this.rules = new Map(views.map((v) => [v.rule.id, v.rule]));
    this.evaluator.setRules(views.map((v) => v.rule).filter((r): r is ThresholdRule => r.kind === 'threshold'));
  }

  /** The active alerts, from the last event of each (`events.alert.*`, last per subject). */
  private async restore(machine: AlertMachine): Promise<void> {
    const { js, jsm, topology } = this.bus;
    const stream = topology.streams.events;
    const subject = topology.subjects.eventsOf('alert');
    // No alert event at all (a wildcard `last_by_subj`): nothing to restore, and no consumer to wait on.
    if (!(await jsm.streams.getMessage(stream, { last_by_subj: subject }).catch(() => null))) return;
    const consumer = await js.consumers.get(stream, { filter_subjects: subject, deliver_policy: DeliverPolicy.LastPerSubject });
    const messages = await consumer.consume();
    /** Rules whose alerts are active but which went away while no evaluator ran. */
    const gone = new Map<string, 'rule_disabled' | 'rule_deleted'>();
    try {
      for await (const m of messages) {
        const last = m.info.pending === 0;
        let event;
        try {
          event = { ...alertEvents.read(m.json()), seq: m.seq };
        } catch (e) {
          if (!(e instanceof ValidationError)) throw e;
          await this.bus.dlq.park({ subject: m.subject, data: m.data, headers: m.headers, stream, streamSeq: m.seq }, 'invalid_payload', e.message);
          if (last) break;
          continue;
        }
        const rule = this.rules.get(event.data.ruleId);
        if (rule?.enabled) {
          const { labels } = event.data;
          const value = 'value' in event.data ? (event.data.value ?? undefined) : undefined;
          machine.restore(event, timingOf(rule), renderAnnotations(rule.annotations, { labels, value, node: labels.node }));
        } else if (event.type !== 'alert.resolved') {
          machine.restore(event, { forMs: 0, keepFiringForMs: 0 }, {});
          gone.set(event.data.ruleId, rule ? 'rule_disabled' : 'rule_deleted');
        }
        if (last) break;
      }
    } finally {
      await messages.close();
    }
    for (const [ruleId, reason] of gone) await machine.endRule(ruleId, reason);
  }

  private async ruleChanged(ruleId: string): Promise<void> {
    const machine = this.machine;
    if (!machine) return;
    const before = this.rules.get(ruleId);
    await this.loadRules();
    const after = this.rules.get(ruleId);
    if (!after) await machine.endRule(ruleId, 'rule_deleted');
    else if (!after.enabled) await machine.endRule(ruleId, 'rule_disabled');
    else if (before && !sameRule(before, after)) await machine.endRule(ruleId, 'rule_changed');
  }

  /** Live samples only: after a restart the state comes from the events and the samples from now on. */
  private async read(): Promise<void> {
    const { js, topology } = this.bus;
    while (this.machine && !this.stopped) {
      try {
        const consumer = await js.consumers.get(topology.streams.telemetry, {
          filter_subjects: topology.subjects.allSamples(),
          deliver_policy: DeliverPolicy.New,
        });
        this.messages = await consumer.consume({ max_messages: 1000 });
        for await (const msg of this.messages) {
          const machine = this.machine;
          if (!machine) break;
          let batch;
          try {
            batch = decodeSampleBatch(msg.data);
          } catch (e) {
            if (!(e instanceof ValidationError)) throw e;
            await this.bus.dlq.park({ subject: msg.subject, data: msg.data, headers: msg.headers, stream: topology.streams.telemetry, streamSeq: msg.seq }, 'invalid_payload', e.message);
            continue;
          }
          for (const o of this.evaluator.evaluate(batch)) {
            const rule = this.rules.get(o.ruleId);
            if (!rule) continue;
            const annotations = renderAnnotations(rule.annotations, { labels: o.labels, value: o.value, node: o.nodeId });
            void machine.observe({ ruleId: o.ruleId, fingerprint: o.fingerprint, labels: o.labels }, timingOf(rule), o.at, o.holds, o.value, annotations);
          }
        }
      } catch (e) {
        if (!this.machine || this.stopped) break;
        this.obs.logger.error({ err: e }, 'alert sample reader failed; reading again');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }
}

function timingOf(rule: RuleView['rule']): { forMs: number; keepFiringForMs: number } {
  return { forMs: 'for' in rule ? rule.for : 0, keepFiringForMs: rule.keepFiringFor };
}
