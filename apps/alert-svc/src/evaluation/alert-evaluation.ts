import { Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { type ConsumerMessages, DeliverPolicy } from '@nats-io/jetstream';
import { closeOnReconnect } from '@vigil/messaging';
import {
  type AbsentRule,
  type AlertEvent,
  alertEvents,
  type AlertRule,
  backupEvents,
  decodeSampleBatch,
  type EventRule,
  type MissingEventRule,
  nodeEvents,
  type OfflineRule,
  type RuleView,
  type SampleBatch,
  type ThresholdRule,
  ValidationError,
} from '@vigil/contracts';
import { EventFeed, EventStore, forEachLastEvent } from '@vigil/event-store';
import {
  boundedMapMetrics,
  Bus,
  Cache,
  InjectConfig,
  LeasedActivation,
  Observability,
  RedisLease,
  type ServiceConfig,
} from '@vigil/platform';
import type { AlertEnv } from '../config';
import { sameRule } from '../domain/rule/rule-diff';
import { renderAnnotations } from '../domain/rule/templates';
import { RulesReadModel } from '../rules/rules.read-model';
import { AbsentEvaluator } from './absent.evaluator';
import { AlertMachine, type MachineTiming, STALE_MS } from './alert-machine';
import type { Condition } from './condition';
import { EventEvaluator } from './event.evaluator';
import { type GroupLimit, reportedGroupLimit } from './group-limit';
import { MissingEvaluator } from './missing.evaluator';
import { OfflineEvaluator } from './offline.evaluator';
import { type SampleAdmission, SampleGate } from './sample-gate';
import { readRecentSamples } from './sample-history';
import { DEFAULT_MAX_WINDOWS, ThresholdEvaluator, windowBudgetMetrics } from './threshold.evaluator';

/** The evaluators of one activation that hold conditions over time, and the feeds they read. */
interface Held {
  absent: AbsentEvaluator;
  offline: OfflineEvaluator;
  event: EventEvaluator;
  missing: MissingEvaluator;
  feeds: EventFeed<never>[];
  /** Reading the samples received within the longest absent `for`, before absent goes live. */
  seeding: Promise<void>;
}

/**
 * Evaluates the rules as samples stream in, on one replica at a time (a Redis lease; the
 * others stand by and take over within a lease time). Whoever holds the lease rebuilds the
 * active alerts from their last events, so `for` and keep_firing_for deadlines carry over a
 * restart or a takeover; each transition is appended expecting the alert's last sequence,
 * so two evaluators at once (a paused holder whose lease expired) cannot double one.
 *
 * Threshold rules are evaluated on each sample. The other kinds hold their condition over
 * time: absent (a timer per group, fed by the samples), offline (node events), event and
 * missing (backup events). Each rebuilds its state on activation (the node and backup
 * event histories, the samples received within the longest absent `for`) before it
 * reports anything, so what changed while no evaluator ran is reported once.
 */
@Injectable()
export class AlertEvaluation implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly lease: RedisLease;
  private readonly leased: LeasedActivation;
  private readonly store: EventStore<AlertEvent>;
  private readonly evaluator: ThresholdEvaluator;
  private readonly groupLimit: GroupLimit;
  private machine?: AlertMachine;
  private held?: Held;
  private rules = new Map<string, RuleView['rule']>();
  private messages?: ConsumerMessages;
  private reader?: Promise<void>;

  constructor(
    private readonly bus: Bus,
    cache: Cache,
    private readonly obs: Observability,
    private readonly rulesReadModel: RulesReadModel,
    private readonly gate: SampleGate,
    @InjectConfig() private readonly config: ServiceConfig & AlertEnv,
  ) {
    this.evaluator = new ThresholdEvaluator(DEFAULT_MAX_WINDOWS, boundedMapMetrics(obs.registry), {
      maxSamples: config.VIGIL_ALERT_MAX_WINDOW_SAMPLES,
      metrics: windowBudgetMetrics(obs.registry),
    });
    this.groupLimit = reportedGroupLimit(config.VIGIL_ALERT_MAX_GROUPS_PER_RULE, obs.registry, obs.logger);
    this.lease = new RedisLease(cache.redis, cache.key('alert', 'evaluator'), config.VIGIL_ALERT_LEASE_MS);
    this.leased = new LeasedActivation(
      this.lease,
      {
        isActive: () => this.machine !== undefined,
        activate: () => this.activate(),
        deactivate: () => this.deactivate(),
      },
      config.VIGIL_ALERT_LEASE_MS / 3,
      (e) => this.obs.logger.error({ err: e }, 'alert evaluator lease failed'),
    );
    this.store = new EventStore(bus.js, bus.jsm, bus.topology, 'alert', alertEvents);
    rulesReadModel.onChange((ruleId) => void this.ruleChanged(ruleId));
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.leased.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.leased.stop();
  }

  private async activate(): Promise<void> {
    await this.gate.start();
    const admission = await this.gate.beginReading();
    const machine = new AlertMachine({
      store: this.store,
      logger: this.obs.logger,
      mayWrite: () => this.lease.stillHeld(),
      limit: this.groupLimit,
    });
    this.rules = evaluated(await this.rulesReadModel.list());
    const lastAlertAt = await this.restore(machine);
    machine.start();
    this.machine = machine;
    const report = (c: Condition) => this.report(machine, c);
    const held: Held = {
      absent: new AbsentEvaluator(report, Date.now, this.groupLimit),
      offline: new OfflineEvaluator(report),
      event: new EventEvaluator(report, (fingerprint) => lastAlertAt.get(fingerprint)),
      missing: new MissingEvaluator(report, Date.now, this.groupLimit),
      feeds: [],
      seeding: Promise.resolve(),
    };
    this.held = held;
    this.applyRules();
    const { logger } = this.obs;
    held.feeds = [
      new EventFeed(this.bus, logger, 'node', nodeEvents, held.offline),
      new EventFeed(this.bus, logger, 'backup', backupEvents, {
        see: (e) => (held.event.see(e), held.missing.see(e)),
        goLive: () => (held.event.goLive(), held.missing.goLive()),
      }),
    ] as EventFeed<never>[];
    for (const f of held.feeds) f.start();
    this.reader = this.read(admission.live);
    held.seeding = this.seedAbsent(held, admission.history);
    this.obs.logger.info({ alerts: machine.activeCount(), rules: this.rules.size }, 'alert evaluation active');
  }

  private async deactivate(): Promise<void> {
    const machine = this.machine;
    const held = this.held;
    if (!machine) return;
    this.machine = undefined;
    this.held = undefined;
    void this.messages?.close().catch(() => undefined);
    await this.reader;
    await this.gate.endReading();
    if (held) {
      await Promise.all(held.feeds.map((f) => f.stop()));
      await held.seeding;
      for (const e of [held.absent, held.offline, held.event, held.missing]) e.stop();
    }
    await machine.stop();
    this.obs.logger.info('alert evaluation stood down');
  }

  /** Hands each evaluator its kind's rules. */
  private applyRules(): void {
    const rules = [...this.rules.values()];
    const of = <K extends AlertRule['kind']>(kind: K) =>
      rules.filter((r): r is Extract<AlertRule, { kind: K }> => r.kind === kind);
    this.evaluator.setRules(of('threshold') as ThresholdRule[]);
    const held = this.held;
    if (!held) return;
    held.absent.setRules(of('absent') as AbsentRule[]);
    held.offline.setRules(of('offline') as OfflineRule[]);
    held.event.setRules(of('event') as EventRule[]);
    held.missing.setRules(of('missing') as MissingEventRule[]);
  }

  /**
   * The samples received within the longest absent `for` and VIGIL_ALERT_ABSENT_LOOKBACK_MS
   * before it (so a series that stopped while no evaluator ran still fires), then absent
   * goes live. Its cost grows with the lookback and the fleet: it is logged.
   */
  private async seedAbsent(held: Held, admit: SampleAdmission): Promise<void> {
    const longestFor = held.absent.lookbackMs();
    const lookback = longestFor + this.config.VIGIL_ALERT_ABSENT_LOOKBACK_MS;
    const started = Date.now();
    try {
      if (longestFor > 0) {
        const read = await readRecentSamples(
          this.bus,
          started - lookback,
          (batch, at) => held.absent.see(batch, at),
          () => this.held === held,
          admit,
        );
        this.obs.logger.info(
          { lookbackMs: lookback, batches: read, groups: held.absent.groups, ms: Date.now() - started },
          'alert evaluation: recent samples read',
        );
      }
    } catch (e) {
      // Absent still goes live: it knows the groups from the samples arriving from now on.
      this.obs.logger.error({ err: e }, 'alert evaluation: recent samples unreadable');
    }
    if (this.held === held) held.absent.goLive();
  }

  /** A condition from an evaluator that holds it over time: the rule's annotations, then the machine. */
  private report(machine: AlertMachine, c: Condition): void {
    const rule = this.rules.get(c.ruleId);
    if (this.machine !== machine || !rule) return;
    const annotations = renderAnnotations(rule.annotations, {
      labels: c.labels,
      value: c.value ?? undefined,
      node: c.labels.node,
    });
    void machine.observe(
      { ruleId: c.ruleId, fingerprint: c.fingerprint, labels: c.labels },
      timingOf(rule),
      c.at,
      c.holds,
      c.value,
      annotations,
    );
  }

  /**
   * The active alerts, from the last event of each (`events.alert.*`, last per subject).
   * Returns when each alert last had an event (an event rule's history is checked against it).
   */
  private async restore(machine: AlertMachine): Promise<Map<string, number>> {
    const lastAt = new Map<string, number>();
    /** Rules whose alerts are active but which went away while no evaluator ran. */
    const gone = new Map<string, 'rule_disabled' | 'rule_deleted'>();
    await forEachLastEvent(this.bus, 'alert', alertEvents, (event) => {
      lastAt.set(event.data.fingerprint, Date.parse(event.occurredAt));
      const rule = this.rules.get(event.data.ruleId);
      if (rule?.enabled) {
        const { labels } = event.data;
        const value = 'value' in event.data ? (event.data.value ?? undefined) : undefined;
        machine.restore(
          event,
          timingOf(rule),
          renderAnnotations(rule.annotations, { labels, value, node: labels.node }),
        );
      } else if (event.type !== 'alert.resolved') {
        machine.restore(event, { forMs: 0, keepFiringForMs: 0 }, {});
        gone.set(event.data.ruleId, rule ? 'rule_disabled' : 'rule_deleted');
      }
    });
    for (const [ruleId, reason] of gone) await machine.endRule(ruleId, reason);
    return lastAt;
  }

  private async ruleChanged(ruleId: string): Promise<void> {
    const machine = this.machine;
    if (!machine) return;
    const before = this.rules.get(ruleId);
    const views = await this.rulesReadModel.list();
    if (this.machine !== machine) return;
    this.rules = evaluated(views);
    const after = this.rules.get(ruleId);
    const reason = !after
      ? 'rule_deleted'
      : !after.enabled
        ? 'rule_disabled'
        : before && !sameRule(before, after)
          ? 'rule_changed'
          : undefined;
    // The rule's alerts end first (their steps are queued now); evaluators that hold a
    // condition report it again under the new rule, after the end.
    const ended = reason ? machine.endRule(ruleId, reason) : Promise.resolve();
    this.applyRules();
    await ended;
  }

  /** One admitted batch through the evaluators (absent sees it as received at `receivedAt`). */
  private evaluate(machine: AlertMachine, batch: SampleBatch, receivedAt: number): void {
    this.held?.absent.see(batch, receivedAt);
    for (const o of this.evaluator.evaluate(batch)) {
      const rule = this.rules.get(o.ruleId);
      if (!rule) continue;
      const annotations = renderAnnotations(rule.annotations, {
        labels: o.labels,
        value: o.value,
        node: o.nodeId,
      });
      void machine.observe(
        { ruleId: o.ruleId, fingerprint: o.fingerprint, labels: o.labels },
        timingOf(rule),
        o.at,
        o.holds,
        o.value,
        annotations,
      );
    }
  }

  /**
   * A redriven batch (SampleRedrive, after its checks) through the same evaluators as a live
   * one, as a late batch of an agent's spool is: false when this replica is not the evaluator
   * (another holds the lease, or it is stopping), and nothing was evaluated.
   */
  evaluateRedriven(batch: SampleBatch, storedAt: number): boolean {
    const machine = this.machine;
    if (!machine || this.leased.stopping) return false;
    this.evaluate(machine, batch, storedAt);
    return true;
  }

  /** Live samples only: after a restart the state comes from the events and the samples from now on. */
  private async read(admit: SampleAdmission): Promise<void> {
    const { js, topology } = this.bus;
    // After a reconnect or a failure: on from the batch after the last one read.
    let next: number | undefined;
    const unwatch = closeOnReconnect(this.bus.nc, () => this.messages);
    while (this.machine && !this.leased.stopping) {
      try {
        const consumer = await js.consumers.get(topology.streams.telemetry, {
          filter_subjects: topology.subjects.allSamples(),
          ...(next === undefined
            ? { deliver_policy: DeliverPolicy.New }
            : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: next }),
        });
        this.messages = await consumer.consume({ max_messages: 1000 });
        let slice = performance.now();
        for await (const msg of this.messages) {
          const machine = this.machine;
          if (!machine) break;
          next = msg.seq + 1;
          // A backlog of buffered batches is read without awaiting anything: let the timers
          // (a window closing) and the notification pipeline in between every few ms.
          if (performance.now() - slice > READ_SLICE_MS) {
            await new Promise((r) => setImmediate(r));
            slice = performance.now();
          }
          let batch;
          try {
            batch = decodeSampleBatch(msg.data);
          } catch (e) {
            if (!(e instanceof ValidationError)) throw e;
            await this.bus.dlq.parkMessage(msg, 'invalid_payload', e.message, topology.streams.telemetry);
            continue;
          }
          if (!(await admit(msg, batch))) continue;
          this.evaluate(machine, batch, Date.now());
        }
      } catch (e) {
        if (!this.machine || this.leased.stopping) break;
        this.obs.logger.error({ err: e }, 'alert sample reader failed; reading again');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    unwatch();
  }
}

/** How long the sample reader runs before it lets the event loop go round. */
const READ_SLICE_MS = 5;

/**
 * The rules by id as the evaluators take them: one today's contract refuses (`invalid`, stored
 * under an earlier one) is taken as disabled, so its alerts end (`rule_disabled`) and it
 * evaluates nothing until it is updated.
 */
export function evaluated(views: RuleView[]): Map<string, RuleView['rule']> {
  return new Map(views.map((v) => [v.rule.id, v.invalid === undefined ? v.rule : { ...v.rule, enabled: false }]));
}

/** The alert timing the machine is given for a rule's alerts. */
export function timingOf(rule: RuleView['rule']): MachineTiming {
  const keepFiringForMs = rule.keepFiringFor;
  switch (rule.kind) {
    case 'threshold':
      return { forMs: rule.for, keepFiringForMs, staleMs: STALE_MS };
    case 'offline':
      return { forMs: rule.for, keepFiringForMs };
    // The silence is the `for` (the evaluator reports it once it lasted that long); an event fires at once.
    case 'absent':
    case 'missing':
    case 'event':
      return { forMs: 0, keepFiringForMs };
    default: {
      const never: never = rule;
      return never;
    }
  }
}
