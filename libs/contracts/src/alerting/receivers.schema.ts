import * as z from 'zod';

/**
 * Receiver configurations of alert-svc: one schema per receiver type, told apart by `type`.
 * Every field has a default where one makes sense; validation errors name the field
 * (`validate(ReceiverConfig, value, 'receiver')` gives `invalid receiver: key: ...`).
 */

/** An environment variable name, as a shell would accept it. */
const EnvVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

/** A secret read from the environment when a notification is sent (never stored in the config). */
export const EnvSecret = z.strictObject({ env: EnvVarName });
export type EnvSecret = z.infer<typeof EnvSecret>;

/** A secret given literally, or as `{ "env": "VAR_NAME" }` read from the environment at send time. */
export const SecretRef = z.union([z.string().min(1, 'must not be empty'), EnvSecret]);
export type SecretRef = z.infer<typeof SecretRef>;

/** A secret that is a whole URL (a Slack incoming-webhook URL): literal URLs are checked here, env ones at send time. */
export const SecretUrl = z.union([z.url({ protocol: /^https?$/ }), EnvSecret]);
export type SecretUrl = z.infer<typeof SecretUrl>;

const HttpUrl = z.url({ protocol: /^https?$/ });

export const DEFAULT_RECEIVER_TIMEOUT_MS = 10_000;

/** Fields every receiver type has. */
const common = {
  /** Whether resolved notifications are sent too. */
  sendResolved: z.boolean().default(true),
  /** Per-request timeout. */
  timeoutMs: z.number().int().min(100).max(120_000).default(DEFAULT_RECEIVER_TIMEOUT_MS),
  /** How many alerts a chat message lists before it says how many more there are. */
  maxAlerts: z.number().int().min(1).max(100).default(10),
};

/**
 * A plain HTTP endpoint that receives the notification as versioned JSON; with `secret`, each
 * request is signed with HMAC-SHA256 (see apps/alert-svc/src/notify/receivers/webhook).
 */
export const WebhookReceiverConfig = z.strictObject({
  type: z.literal('webhook'),
  url: HttpUrl,
  secret: SecretRef.optional(),
  ...common,
});
export type WebhookReceiverConfig = z.infer<typeof WebhookReceiverConfig>;

/** A WeCom (企业微信) group robot: `key` is the robot's webhook key. */
export const WecomReceiverConfig = z.strictObject({
  type: z.literal('wecom'),
  key: SecretRef,
  url: HttpUrl.default('https://qyapi.weixin.qq.com/cgi-bin/webhook/send'),
  ...common,
});
export type WecomReceiverConfig = z.infer<typeof WecomReceiverConfig>;

/** A DingTalk (钉钉) custom robot: `accessToken` from its webhook URL, `secret` (SEC…) when signing is on. */
export const DingtalkReceiverConfig = z.strictObject({
  type: z.literal('dingtalk'),
  accessToken: SecretRef,
  secret: SecretRef.optional(),
  url: HttpUrl.default('https://oapi.dingtalk.com/robot/send'),
  atMobiles: z.array(z.string().regex(/^\+?[0-9-]{5,20}$/, 'must be a phone number')).default([]),
  atUserIds: z.array(z.string().min(1)).default([]),
  atAll: z.boolean().default(false),
  ...common,
});
export type DingtalkReceiverConfig = z.infer<typeof DingtalkReceiverConfig>;

/** A Slack incoming webhook: the URL itself is the secret. */
export const SlackReceiverConfig = z.strictObject({
  type: z.literal('slack'),
  webhookUrl: SecretUrl,
  ...common,
});
export type SlackReceiverConfig = z.infer<typeof SlackReceiverConfig>;

/** A Prometheus Alertmanager: alerts are posted to `<url>/api/v2/alerts`. */
export const AlertmanagerReceiverConfig = z.strictObject({
  type: z.literal('alertmanager'),
  /** Base URL, e.g. `http://alertmanager:9093` (a path prefix such as `/am` is kept). */
  url: HttpUrl,
  ...common,
});
export type AlertmanagerReceiverConfig = z.infer<typeof AlertmanagerReceiverConfig>;

const Email = z.email();

/** E-mail over SMTP. `tls`: `starttls` (required upgrade, port 587), `implicit` (TLS from the start, 465), `none`. */
export const EmailReceiverConfig = z.strictObject({
  type: z.literal('email'),
  to: z.array(Email).min(1, 'needs at least one address'),
  from: Email,
  host: z.string().min(1),
  port: z.number().int().min(1).max(65_535).default(587),
  tls: z.enum(['starttls', 'implicit', 'none']).default('starttls'),
  auth: z.strictObject({ username: z.string().min(1), password: SecretRef }).optional(),
  subjectPrefix: z.string().max(64).default('[Vigil]'),
  ...common,
});
export type EmailReceiverConfig = z.infer<typeof EmailReceiverConfig>;

export const ReceiverConfig = z.discriminatedUnion('type', [
  WebhookReceiverConfig,
  WecomReceiverConfig,
  DingtalkReceiverConfig,
  SlackReceiverConfig,
  AlertmanagerReceiverConfig,
  EmailReceiverConfig,
]);
export type ReceiverConfig = z.infer<typeof ReceiverConfig>;
/** What a receiver configuration is given as, before defaults are applied. */
export type ReceiverConfigInput = z.input<typeof ReceiverConfig>;
export type ReceiverType = ReceiverConfig['type'];
export const RECEIVER_TYPES = ReceiverConfig.options.map((o) => o.shape.type.value);
