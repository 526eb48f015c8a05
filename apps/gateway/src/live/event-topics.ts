import {
  alertEvents,
  auditEvents,
  backupEvents,
  type Context,
  type DomainEvent,
  type LiveEvent,
  type LiveTopic,
  maintenanceWindowEvents,
  nodeEvents,
  notificationEvents,
  type Role,
  silenceEvents,
} from '@vigil/contracts';

export type EventTopicName = Exclude<LiveTopic, 'samples'>;

/** One event topic of the live API: the context it follows on EVENTS and who may see what of it. */
export interface EventTopic {
  readonly name: EventTopicName;
  readonly context: Context;
  readonly catalog: { read(raw: unknown): DomainEvent };
  /** The event types shown; absent: every type of the context. */
  readonly types?: ReadonlySet<string>;
  /** The least role that may subscribe. */
  readonly role: Role;
  /**
   * The node an event is about, by which a key scoped to node labels sees it or not (as REST
   * filters the same things); absent: the topic cannot apply a scope, and a scoped key is refused.
   */
  readonly nodeOf?: (event: DomainEvent) => string | undefined;
}

const field = (event: DomainEvent, name: string): unknown =>
  event.data && typeof event.data === 'object' ? (event.data as Record<string, unknown>)[name] : undefined;

export const EVENT_TOPICS: Readonly<Record<EventTopicName, EventTopic>> = {
  fleet: {
    name: 'fleet',
    context: 'node',
    catalog: nodeEvents,
    types: new Set([
      'node.registered',
      'node.online',
      'node.offline',
      'node.maintenance_started',
      'node.maintenance_ended',
      'node.inventory_changed',
      'node.labels_changed',
    ]),
    role: 'viewer',
    nodeOf: (e) => {
      const id = field(e, 'nodeId');
      return typeof id === 'string' ? id : undefined;
    },
  },
  alerts: {
    name: 'alerts',
    context: 'alert',
    catalog: alertEvents,
    role: 'viewer',
    // REST shows a scoped key the alerts whose `node` label names a node in its scope; so does this.
    nodeOf: (e) => {
      const labels = field(e, 'labels');
      const node = labels && typeof labels === 'object' ? (labels as Record<string, unknown>).node : undefined;
      return typeof node === 'string' ? node : undefined;
    },
  },
  silences: { name: 'silences', context: 'silence', catalog: silenceEvents, role: 'viewer' },
  // As REST (`GET /api/v1/alerts/notifications`), no node scope: a scoped key is refused.
  notifications: { name: 'notifications', context: 'notification', catalog: notificationEvents, role: 'viewer' },
  backups: { name: 'backups', context: 'backup', catalog: backupEvents, role: 'viewer' },
  audit: { name: 'audit', context: 'audit', catalog: auditEvents, role: 'admin' },
  // Windows select nodes by labels across the fleet: no node to scope by, so a scoped key is refused.
  maintenance: { name: 'maintenance', context: 'maintenance', catalog: maintenanceWindowEvents, role: 'viewer' },
};

/** An event as the live API sends it: the envelope without its causation metadata, the actor kept. */
export function liveEvent(event: DomainEvent): LiveEvent {
  return {
    type: event.type,
    subject: event.subject,
    occurredAt: event.occurredAt,
    actor: event.meta.actor,
    data: event.data,
  };
}

/** One event off the stream, decoded once per process and fanned out to every socket that follows its topic. */
export interface LiveEventDelivery {
  /** Its EVENTS stream sequence: the cursor. */
  readonly seq: number;
  readonly event: DomainEvent;
  /** `liveEvent(event)` as JSON, rendered once for every socket. */
  readonly json: string;
}

/** The `event` frame of one subscription, built around the event's JSON rendered once. */
export function eventFrame(subscriptionId: string, delivery: LiveEventDelivery): string {
  return `{"type":"event","id":${JSON.stringify(subscriptionId)},"cursor":"${delivery.seq}","event":${delivery.json}}`;
}
