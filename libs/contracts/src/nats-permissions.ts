/**
 * Who may publish and subscribe to what on NATS: the one definition the server configuration
 * (`npm start`, docker-compose, the tests' servers) is generated from.
 *
 * Every identity is one NATS user. Services publish only the event contexts they own, their
 * own dead letters and the JetStream API calls they need on the streams they read (and read and
 * delete single messages of the DLQ stream, for `dlq-*` operations on their own DLQ); the gateway
 * asks (`cmd.*`, `qry.*`) and appends only its own contexts (users, API keys, audit); agents only send telemetry and their enrollment request and read
 * their config; only `admin` creates, updates, purges or deletes streams.
 *
 * Replies: each identity receives its replies on its own inbox prefix (`natsInboxPrefix`), so
 * no identity but `admin` can read another's replies. A service answers its requesters as a
 * second user, its responder (`natsResponderUser`: `<service>-rpc`, same password), which may
 * only receive its `cmd.*`/`qry.*` requests and publish their replies (`allow_responses`): the
 * user that reads the streams has no `allow_responses`, since nats-server 2.9 then tracks the
 * `$JS.ACK` reply subject of every stream message it delivers to that user and, at fleet rates,
 * spends its CPU there instead of acknowledging the agents' publishes
 * (`npm run bench -- nats-responses`). Not per node: every agent shares the `agent` user, so an agent can publish
 * telemetry in another node's name (registry-svc and metrics-svc refuse what an enrolled
 * node did not sign) and read any node's config document.
 */
import { drillScratch } from './backup/manifest.schema';
import type { Context, Topology } from './topology';

export const NATS_IDENTITIES = [
  'registry-svc',
  'metrics-svc',
  'alert-svc',
  'backup-svc',
  'gateway',
  'agent',
  'admin',
] as const;
export type NatsIdentity = (typeof NATS_IDENTITIES)[number];

export interface SubjectPermissions {
  readonly allow: readonly string[];
  readonly deny: readonly string[];
}

export interface NatsPermissions {
  readonly publish: SubjectPermissions;
  readonly subscribe: SubjectPermissions;
  /** May publish to the reply subject of a request it received (it answers requests). */
  readonly allowResponses: boolean;
}

/** The identities that answer requests (`cmd.*`, `qry.*`) and so have a responder user. */
export const NATS_RESPONDING_IDENTITIES = ['registry-svc', 'metrics-svc', 'alert-svc', 'backup-svc'] as const;
export type NatsRespondingIdentity = (typeof NATS_RESPONDING_IDENTITIES)[number];

export function isNatsRespondingIdentity(name: string): name is NatsRespondingIdentity {
  return (NATS_RESPONDING_IDENTITIES as readonly string[]).includes(name);
}

/**
 * The user a service answers requests as: `<service>-rpc`, with the service's password
 * (`natsAuthorizationConfig` writes both), on a connection of its own.
 */
export function natsResponderUser(identity: NatsRespondingIdentity): string {
  return `${identity}-rpc`;
}

/** The inbox an identity's connection must use (`inboxPrefix`), since it may subscribe to no other. */
export function natsInboxPrefix(identity: NatsIdentity): string {
  return `_INBOX_${identity}`;
}

type StreamKey = keyof Topology['streams'];

/** What each service does on the bus. */
interface ServiceRole {
  /** The event contexts it appends to. */
  appends: Context[];
  /** The streams it reads with consumers of its own. */
  reads: StreamKey[];
  /** The request/reply contexts it answers (`cmd.<context>.*`, `qry.<context>.*`). */
  answers: string[];
  /** Whether it parks messages in `dlq.<service>`. */
  deadLetters: boolean;
}

/** Who appends what: `grep -rn "new EventStore" apps libs` (SecurityViolations appends `security`). */
const SERVICE_ROLES: Record<Exclude<NatsIdentity, 'gateway' | 'agent' | 'admin'>, ServiceRole> = {
  'registry-svc': {
    appends: ['node', 'identity', 'maintenance', 'security'],
    reads: ['telemetry', 'events'],
    answers: ['registry'],
    deadLetters: true,
  },
  'metrics-svc': {
    appends: ['metrics', 'security'],
    reads: ['telemetry', 'events'],
    answers: ['metrics'],
    deadLetters: true,
  },
  'alert-svc': {
    // `security`: its sample gate reports refused batches (SecurityViolations).
    appends: ['rule', 'alert', 'silence', 'notification', 'security'],
    reads: ['telemetry', 'events'],
    answers: ['alerting'],
    deadLetters: true,
  },
  'backup-svc': { appends: ['backup', 'backupjob'], reads: ['events'], answers: ['backup'], deadLetters: true },
};

/** Stream management no identity but `admin` may use, denied explicitly as well as left out. */
const STREAM_ADMIN = ['CREATE', 'UPDATE', 'DELETE', 'PURGE', 'MSG.DELETE'] as const;

const API = '$JS.API';

function streamAdminDenied(): string[] {
  return STREAM_ADMIN.map((op) => `${API}.STREAM.${op}.>`);
}

/**
 * A service manages its own dead letters (`dlq-purge`, a redriven message leaving the DLQ): it
 * may delete single messages of the DLQ stream, and of no other stream (the deny names them,
 * since NATS applies a deny over any allow). The DLQ is one stream, and MSG.DELETE takes a
 * sequence, not a subject: the service checks that the sequence is one of its own before it
 * deletes (`DlqOperations`).
 */
function streamAdminDeniedButDlq(t: Topology): string[] {
  return [
    ...STREAM_ADMIN.filter((op) => op !== 'MSG.DELETE').map((op) => `${API}.STREAM.${op}.>`),
    `${API}.STREAM.MSG.DELETE.${t.streams.telemetry}`,
    `${API}.STREAM.MSG.DELETE.${t.streams.events}`,
    `${API}.STREAM.MSG.DELETE.KV_${t.buckets.agentConfig}`,
  ];
}

/** Reading and deleting its own parked messages by sequence (`DlqOperations`). */
function ownDeadLetters(t: Topology): string[] {
  return [`${API}.STREAM.MSG.GET.${t.streams.dlq}`, `${API}.STREAM.MSG.DELETE.${t.streams.dlq}`];
}

/** STREAM.INFO of every stream: what a restricted service checks at start (`verifyStreams`). */
function streamInfo(t: Topology): string[] {
  return Object.values(t.streams).map((name) => `${API}.STREAM.INFO.${name}`);
}

/** Reading a stream: consumers (durable and ordered), their messages and acks, last-by-subject gets. */
function readStream(stream: string): string[] {
  return [
    `${API}.CONSUMER.CREATE.${stream}`,
    `${API}.CONSUMER.CREATE.${stream}.>`,
    `${API}.CONSUMER.DURABLE.CREATE.${stream}.*`,
    `${API}.CONSUMER.INFO.${stream}.*`,
    `${API}.CONSUMER.MSG.NEXT.${stream}.*`,
    `${API}.STREAM.MSG.GET.${stream}`,
    `${API}.DIRECT.GET.${stream}`,
    `${API}.DIRECT.GET.${stream}.>`,
    `$JS.ACK.${stream}.>`,
    `$JS.FC.${stream}.>`,
  ];
}

/**
 * backup-svc's restore drills replay an exported stream into the scratch stream
 * (`drillScratch`): it may create, read the state of, publish to and delete those, and change no
 * other stream. NATS applies a deny over any allow, so its deny names the platform's streams one
 * by one instead of `CREATE.>`/`DELETE.>`; streams not in its allow are refused anyway.
 */
function drillStreams(t: Topology): { allow: string[]; deny: string[] } {
  const scratch = drillScratch(t.prefix);
  const platform = [...Object.values(t.streams), `KV_${t.buckets.agentConfig}`];
  return {
    allow: [
      `${API}.STREAM.CREATE.${scratch.stream}`,
      `${API}.STREAM.INFO.${scratch.stream}`,
      `${API}.STREAM.DELETE.${scratch.stream}`,
      `${scratch.subjectPrefix}.>`,
    ],
    deny: [
      ...['UPDATE', 'PURGE'].map((op) => `${API}.STREAM.${op}.>`),
      ...platform.flatMap((name) => ['CREATE', 'DELETE'].map((op) => `${API}.STREAM.${op}.${name}`)),
      ...platform.filter((name) => name !== t.streams.dlq).map((name) => `${API}.STREAM.MSG.DELETE.${name}`),
    ],
  };
}

function service(identity: keyof typeof SERVICE_ROLES, t: Topology): NatsPermissions {
  const role = SERVICE_ROLES[identity];
  const drills = identity === 'backup-svc' ? drillStreams(t) : undefined;
  return {
    publish: {
      allow: [
        ...role.appends.map((context) => t.subjects.eventsOf(context)),
        ...(role.deadLetters ? [t.subjects.dlq(identity)] : []),
        `${API}.INFO`,
        ...streamInfo(t),
        ...role.reads.flatMap((key) => readStream(t.streams[key])),
        ...(role.deadLetters ? ownDeadLetters(t) : []),
        ...(drills?.allow ?? []),
      ],
      deny: drills?.deny ?? (role.deadLetters ? streamAdminDeniedButDlq(t) : streamAdminDenied()),
    },
    subscribe: { allow: [`${natsInboxPrefix(identity)}.>`], deny: [] },
    allowResponses: false,
  };
}

/**
 * A service's responder (`natsResponderUser`): receives the requests of the contexts the
 * service answers, in their queue group, and publishes nothing but the replies to them
 * (`allow_responses`: one reply each, to a request it received). It reads no stream, so the
 * server tracks only the requests' reply subjects.
 */
export function natsResponderPermissions(identity: NatsRespondingIdentity, t: Topology): NatsPermissions {
  const role = SERVICE_ROLES[identity];
  return {
    publish: { allow: [], deny: ['>'] },
    subscribe: {
      allow: role.answers.flatMap((context) => [t.subjects.cmd(context, '*'), t.subjects.qry(context, '*')]),
      deny: [],
    },
    allowResponses: true,
  };
}

/** The gateway asks every service, and keeps users, API keys and the audit trail itself. */
const GATEWAY_APPENDS: Context[] = ['user', 'apikey', 'audit'];

function gateway(t: Topology): NatsPermissions {
  return {
    publish: {
      allow: [
        t.subjects.cmd('*', '*'),
        t.subjects.qry('*', '*'),
        ...GATEWAY_APPENDS.map((context) => t.subjects.eventsOf(context)),
        t.subjects.dlq('gateway'),
        `${API}.INFO`,
        ...streamInfo(t),
        ...readStream(t.streams.events),
        // Its own dead letters (its projections park there): list, show, purge in-process.
        ...ownDeadLetters(t),
      ],
      deny: streamAdminDeniedButDlq(t),
    },
    subscribe: {
      allow: [
        `${natsInboxPrefix('gateway')}.>`,
        // The live API's `samples` topic: core subscriptions on the samples of the nodes its
        // sockets ask for (`telemetry.samples.<p>.<node>`). Its event topics read EVENTS through
        // ordered consumers (above), whose messages arrive on the gateway's inbox: no event subject.
        t.subjects.samplesOfAnyNode(),
      ],
      deny: [],
    },
    allowResponses: false,
  };
}

/** The config keys an agent reads (`agentConfigKeys`): `fleet` and `node.<id>`, of any node. */
function agent(t: Topology): NatsPermissions {
  const bucket = t.buckets.agentConfig;
  const kvStream = `KV_${bucket}`;
  const keys = [`$KV.${bucket}.fleet`, `$KV.${bucket}.node.*`];
  return {
    publish: {
      allow: [
        t.subjects.allHeartbeats(),
        t.subjects.allInventory(),
        t.subjects.allAgentEvents(),
        t.subjects.allSamples(),
        t.subjects.cmd('registry', 'enroll'),
        `${API}.INFO`,
        `${API}.STREAM.INFO.${kvStream}`,
        ...keys.map((key) => `${API}.DIRECT.GET.${kvStream}.${key}`),
        ...keys.map((key) => `${API}.CONSUMER.CREATE.${kvStream}.*.${key}`),
        `${API}.CONSUMER.INFO.${kvStream}.*`,
        `$JS.FC.${kvStream}.>`,
      ],
      deny: [...streamAdminDenied(), t.subjects.allEvents(), `$KV.>`],
    },
    subscribe: { allow: [`${natsInboxPrefix('agent')}.>`], deny: [] },
    allowResponses: false,
  };
}

function admin(): NatsPermissions {
  return {
    publish: { allow: ['>'], deny: [] },
    subscribe: { allow: ['>'], deny: [] },
    allowResponses: false,
  };
}

/** The publish and subscribe permissions of `identity` in the deployment `t`. */
export function natsPermissions(identity: NatsIdentity, t: Topology): NatsPermissions {
  switch (identity) {
    case 'registry-svc':
    case 'metrics-svc':
    case 'alert-svc':
    case 'backup-svc':
      return service(identity, t);
    case 'gateway':
      return gateway(t);
    case 'agent':
      return agent(t);
    case 'admin':
      return admin();
    default: {
      const unknown: never = identity;
      throw new Error(`unknown NATS identity ${String(unknown)}`);
    }
  }
}

export interface NatsUser {
  identity: NatsIdentity;
  /** The password as the server configuration holds it: a bcrypt hash (`$2a$…`) or plain text. */
  password: string;
  /** The responder user's (`<service>-rpc`), when it differs (`NATS_RPC_PASSWORD`); absent: `password`. */
  responderPassword?: string;
}

/**
 * The `authorization { users: [...] }` block of a nats-server configuration for `users`, each
 * with its identity's permissions, and for each service its responder (`natsResponderUser`)
 * with the same password. Strings are JSON-quoted, which the NATS config format reads.
 */
export function natsAuthorizationConfig(t: Topology, users: readonly NatsUser[]): string {
  const list = (values: readonly string[]) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
  const side = (p: SubjectPermissions) =>
    p.deny.length ? `{ allow: ${list(p.allow)}, deny: ${list(p.deny)} }` : `{ allow: ${list(p.allow)} }`;
  const all = users.flatMap(({ identity, password, responderPassword }) => [
    { user: identity as string, password, p: natsPermissions(identity, t) },
    ...(isNatsRespondingIdentity(identity)
      ? [
          {
            user: natsResponderUser(identity),
            password: responderPassword ?? password,
            p: natsResponderPermissions(identity, t),
          },
        ]
      : []),
  ]);
  const entries = all.map(({ user, password, p }) => {
    const lines = [
      `      user: ${JSON.stringify(user)}`,
      `      password: ${JSON.stringify(password)}`,
      `      permissions: {`,
      `        publish: ${side(p.publish)}`,
      `        subscribe: ${side(p.subscribe)}`,
      ...(p.allowResponses ? ['        allow_responses: true'] : []),
      `      }`,
    ];
    return `    {\n${lines.join('\n')}\n    }`;
  });
  return `authorization {\n  users: [\n${entries.join('\n')}\n  ]\n}\n`;
}

export function isNatsIdentity(name: string): name is NatsIdentity {
  return (NATS_IDENTITIES as readonly string[]).includes(name);
}
