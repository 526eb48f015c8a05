import { Inject, Injectable, type OnModuleDestroy, Optional } from '@nestjs/common';
import { NODE_ID_PATTERN, type SecurityViolationEvent, securityEvents, type ViolationReason } from '@vigil/contracts';
import { EventStore } from '@vigil/event-store';
import { createSecurityMetrics } from '@vigil/telemetry';
import { Counter } from 'prom-client';
import type { ServiceConfig } from './config';
import { Bus, Observability } from './infra';
import { InjectConfig } from './platform.module';

/** Why a message was refused, as `identityViolation` (contracts) finds it. */
export interface Violation {
  reason: ViolationReason;
  detail: string;
}

export interface ViolationLimits {
  /** The window the limits count in. */
  windowMs: number;
  /** Events recorded per source (claimed node) and reason in a window. */
  perSource: number;
  /** Events recorded in a window, all sources together (a flood of distinct forged ids). */
  global: number;
  /** Sources tracked in a window; beyond, a new source's refusals are only summed up. */
  maxSources: number;
}

/** Injection token of other limits than the defaults (tests). */
export const VIOLATION_LIMITS = Symbol('VIOLATION_LIMITS');

export const DEFAULT_VIOLATION_LIMITS: ViolationLimits = {
  windowMs: 60_000,
  perSource: 1,
  global: 100,
  maxSources: 10_000,
};

/** The refusals of a window not recorded one by one. */
export interface SuppressedSummary {
  total: number;
  byReason: Partial<Record<ViolationReason, number>>;
  /** Distinct sources among them (at least: sources beyond the tracked ones are not told apart). */
  sources: number;
}

/**
 * Decides which refusals become an event of their own: per window, `perSource` per source and
 * reason, `global` in all. The rest is summed up for one summary event per window. Memory is
 * bounded by `maxSources` entries whatever the number of ids sent; everything is dropped when
 * the window rolls.
 */
export class ViolationLimiter {
  private windowStart = -Infinity;
  private recorded = 0;
  private readonly perSource = new Map<string, number>();
  private suppressed: SuppressedSummary = { total: 0, byReason: {}, sources: 0 };
  private readonly suppressedSources = new Set<string>();

  constructor(private readonly limits: ViolationLimits = DEFAULT_VIOLATION_LIMITS) {}

  /** Whether to record this refusal as an event; a rolled window's summary comes first through `roll`. */
  admit(source: string, reason: ViolationReason, now: number): boolean {
    if (now - this.windowStart >= this.limits.windowMs) this.windowStart = now;
    const key = `${reason}\n${source}`;
    const count = this.perSource.get(key);
    const tracked = count !== undefined || this.perSource.size < this.limits.maxSources;
    if (tracked && (count ?? 0) < this.limits.perSource && this.recorded < this.limits.global) {
      this.perSource.set(key, (count ?? 0) + 1);
      this.recorded++;
      return true;
    }
    if (tracked && count === undefined) this.perSource.set(key, 0);
    const s = this.suppressed;
    s.total++;
    s.byReason[reason] = (s.byReason[reason] ?? 0) + 1;
    if (this.suppressedSources.size < this.limits.maxSources && !this.suppressedSources.has(source)) {
      this.suppressedSources.add(source);
      s.sources++;
    }
    return false;
  }

  /** Ends the window if it is over: its summary when anything was suppressed. */
  roll(now: number): SuppressedSummary | undefined {
    if (now - this.windowStart < this.limits.windowMs) return undefined;
    const summary = this.suppressed;
    this.windowStart = now;
    this.recorded = 0;
    this.perSource.clear();
    this.suppressedSources.clear();
    this.suppressed = { total: 0, byReason: {}, sources: 0 };
    return summary.total > 0 ? summary : undefined;
  }

  /** Entries held (bounded by twice `maxSources`). */
  get size(): number {
    return this.perSource.size + this.suppressedSources.size;
  }
}

/**
 * Records an agent message refused for the identity it claims: a `security.violation` event
 * (actor `service:<this service>`), the `vigil_security_violations_total` counter and a warning.
 * A flood cannot grow EVENTS without bound: per window only the first refusal of each source
 * and reason, and at most `global` in all, become events (and warnings); the rest are counted
 * (`vigil_security_violations_suppressed_total`) and summed up in one event per window
 * (aggregate `suppressed`, claimed node `*`, with `suppressed` = how many). A service provides one.
 */
@Injectable()
export class SecurityViolations implements OnModuleDestroy {
  private readonly store: EventStore<SecurityViolationEvent>;
  private readonly counter: Counter<'reason'>;
  private readonly suppressedCounter: Counter<'reason'>;
  private readonly actor: string;
  private readonly limiter: ViolationLimiter;
  private readonly timer: NodeJS.Timeout;
  private readonly limits: ViolationLimits;

  constructor(
    bus: Bus,
    private readonly obs: Observability,
    @InjectConfig() config: ServiceConfig,
    @Optional() @Inject(VIOLATION_LIMITS) limits: Partial<ViolationLimits> = {},
  ) {
    this.limits = { ...DEFAULT_VIOLATION_LIMITS, ...limits };
    this.store = new EventStore(bus.js, bus.jsm, bus.topology, 'security', securityEvents);
    this.counter = createSecurityMetrics(obs.registry).violations;
    this.suppressedCounter =
      (obs.registry.getSingleMetric('vigil_security_violations_suppressed_total') as Counter<'reason'> | undefined) ??
      new Counter({
        name: 'vigil_security_violations_suppressed_total',
        help: 'Refused agent messages not recorded as an event of their own (rate limit), by reason',
        labelNames: ['reason'],
        registers: [obs.registry],
      });
    this.actor = `service:${config.service}`;
    this.limiter = new ViolationLimiter(this.limits);
    // The summary of a window is written even when the flood has stopped.
    this.timer = setInterval(() => void this.flush(), this.limits.windowMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Recorded on the claimed node's aggregate when that id can name a subject, else on `invalid-node-id`. */
  async report(
    msg: { subject: string; seq: number },
    { reason, detail }: Violation,
    claimedNodeId: string,
  ): Promise<void> {
    this.counter.inc({ reason });
    const aggregate = NODE_ID_PATTERN.test(claimedNodeId) ? claimedNodeId : 'invalid-node-id';
    const now = Date.now();
    await this.flush(now);
    if (!this.limiter.admit(aggregate, reason, now)) {
      this.suppressedCounter.inc({ reason });
      return;
    }
    await this.store.append(
      aggregate,
      [
        {
          type: 'security.violation',
          data: { claimedNodeId: claimedNodeId.slice(0, 256), subject: msg.subject.slice(0, 512), reason, detail },
        },
      ],
      'any',
      { correlationId: `msg:${msg.seq}`, causationId: `msg:${msg.seq}`, actor: this.actor },
    );
    this.obs.logger.warn(
      { node_id: claimedNodeId.slice(0, 256), subject: msg.subject.slice(0, 512), reason, detail },
      'security violation',
    );
  }

  /** Writes the summary of a window that ended, if anything in it was suppressed. */
  async flush(now = Date.now()): Promise<void> {
    const summary = this.limiter.roll(now);
    if (!summary) return;
    const reasons = Object.entries(summary.byReason).sort((a, b) => b[1] - a[1]) as [ViolationReason, number][];
    const detail =
      `${summary.total} refusals from ${summary.sources}${summary.sources >= this.limits.maxSources ? '+' : ''} ` +
      `sources in ${Math.round(this.limits.windowMs / 1000)} s not recorded one by one (` +
      reasons.map(([r, n]) => `${r} ${n}`).join(', ') +
      '); every refusal is counted in vigil_security_violations_total';
    try {
      await this.store.append(
        'suppressed',
        [
          {
            type: 'security.violation',
            data: { claimedNodeId: '*', subject: '*', reason: reasons[0][0], detail, suppressed: summary.total },
          },
        ],
        'any',
        { correlationId: `suppressed:${now}`, causationId: null, actor: this.actor },
      );
      this.obs.logger.warn({ suppressed: summary.total, sources: summary.sources }, 'security violations suppressed');
    } catch (e) {
      this.obs.logger.error({ err: e, suppressed: summary.total }, 'security violation summary not recorded');
    }
  }
}
