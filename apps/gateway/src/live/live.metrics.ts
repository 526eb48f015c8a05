import { Injectable } from '@nestjs/common';
import { LiveTopic } from '@vigil/contracts';
import { Observability } from '@vigil/platform';
import { singleMetric } from '@vigil/telemetry';
import { Counter, Gauge, type Registry } from 'prom-client';

/** Why a socket was closed by the server (or by its client: `client`). */
export const LIVE_CLOSE_REASONS = [
  'client',
  'unauthorized',
  'slow_consumer',
  'too_many_requests',
  'ping_timeout',
  'frame_too_large',
  'going_away',
] as const;
export type LiveCloseReason = (typeof LIVE_CLOSE_REASONS)[number];

/** Why an upgrade to `/ws` was answered with an HTTP error instead. */
export const LIVE_REFUSALS = [
  'unauthenticated',
  'origin',
  'rate_limited',
  'capacity',
  'not_found',
  'unavailable',
] as const;
export type LiveRefusal = (typeof LIVE_REFUSALS)[number];

/** What a frame that was not sent was for. */
export const LIVE_DROP_REASONS = ['slow_consumer', 'closed'] as const;

/** Frames are counted by topic; `control` is every frame that belongs to no subscription's data. */
const FRAME_TOPICS = [...LiveTopic.options, 'control'] as const;
export type LiveFrameTopic = (typeof FRAME_TOPICS)[number];

/**
 * The live API's instruments, known label values created at zero. Safe to call twice on one
 * registry (two gateway replicas in one test process share their service's registry): the
 * gauges are moved by inc/dec, so such replicas add up.
 */
export function createLiveMetrics(registry: Registry) {
  const gauge = (name: string, help: string, labelNames: string[] = []) =>
    singleMetric(registry, name, Gauge, () => new Gauge({ name, help, labelNames, registers: [registry] }));
  const counter = (name: string, help: string, labelNames: string[]) =>
    singleMetric(registry, name, Counter, () => new Counter({ name, help, labelNames, registers: [registry] }));
  const sockets = gauge('vigil_live_sockets', 'Open live API sockets');
  const subscriptions = gauge('vigil_live_subscriptions', 'Open live API subscriptions, by topic', ['topic']);
  const framesSent = counter('vigil_live_frames_sent_total', 'Frames sent to live API sockets, by topic', ['topic']);
  const framesDropped = counter('vigil_live_frames_dropped_total', 'Frames not sent to a live API socket, by reason', [
    'reason',
  ]);
  const closes = counter('vigil_live_closes_total', 'Live API sockets closed, by reason', ['reason']);
  const refusals = counter(
    'vigil_live_upgrade_refusals_total',
    'Upgrades to the live API refused before the WebSocket was opened, by reason',
    ['reason'],
  );
  const feeds = gauge(
    'vigil_live_nats_subscriptions',
    'Shared NATS readers of the live API: one per event topic followed, one per node whose samples are followed',
    ['kind'],
  );
  for (const topic of LiveTopic.options) subscriptions.inc({ topic }, 0);
  for (const topic of FRAME_TOPICS) framesSent.inc({ topic }, 0);
  for (const reason of LIVE_DROP_REASONS) framesDropped.inc({ reason }, 0);
  for (const reason of LIVE_CLOSE_REASONS) closes.inc({ reason }, 0);
  for (const reason of LIVE_REFUSALS) refusals.inc({ reason }, 0);
  for (const kind of ['events', 'samples']) feeds.inc({ kind }, 0);
  sockets.inc(0);
  return { sockets, subscriptions, framesSent, framesDropped, closes, refusals, feeds };
}
export type LiveMetricsSet = ReturnType<typeof createLiveMetrics>;

/** The live API's instruments on the gateway's registry (its `/metrics`). */
@Injectable()
export class LiveMetrics {
  readonly m: LiveMetricsSet;
  constructor(obs: Observability) {
    this.m = createLiveMetrics(obs.registry);
  }
}
