import { Injectable } from '@nestjs/common';
import { LiveTopic } from '@vigil/contracts';
import { Observability } from '@vigil/platform';
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

/** The live API's instruments, known label values created at zero. */
export function createLiveMetrics(registry: Registry) {
  const sockets = new Gauge({ name: 'vigil_live_sockets', help: 'Open live API sockets', registers: [registry] });
  const subscriptions = new Gauge({
    name: 'vigil_live_subscriptions',
    help: 'Open live API subscriptions, by topic',
    labelNames: ['topic'],
    registers: [registry],
  });
  const framesSent = new Counter({
    name: 'vigil_live_frames_sent_total',
    help: 'Frames sent to live API sockets, by topic',
    labelNames: ['topic'],
    registers: [registry],
  });
  const framesDropped = new Counter({
    name: 'vigil_live_frames_dropped_total',
    help: 'Frames not sent to a live API socket, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const closes = new Counter({
    name: 'vigil_live_closes_total',
    help: 'Live API sockets closed, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'vigil_live_upgrade_refusals_total',
    help: 'Upgrades to the live API refused before the WebSocket was opened, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  const feeds = new Gauge({
    name: 'vigil_live_nats_subscriptions',
    help: 'Shared NATS readers of the live API in this process: one per event topic, one per node whose samples are followed',
    labelNames: ['kind'],
    registers: [registry],
  });
  for (const topic of LiveTopic.options) subscriptions.set({ topic }, 0);
  for (const topic of FRAME_TOPICS) framesSent.inc({ topic }, 0);
  for (const reason of LIVE_DROP_REASONS) framesDropped.inc({ reason }, 0);
  for (const reason of LIVE_CLOSE_REASONS) closes.inc({ reason }, 0);
  for (const reason of LIVE_REFUSALS) refusals.inc({ reason }, 0);
  for (const kind of ['events', 'samples']) feeds.set({ kind }, 0);
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
