/** The shapes the receivers and notifications views read, as the contracts define them (types only). */
export type {
  NotificationEvent,
  NotificationListReply,
  NotificationView,
  RoutingReply,
  RouteView,
  TestReceiverReply,
} from '@vigil/contracts';

/** `GET /api/v1/alerts/receivers`. */
export interface ReceiverListReply {
  receivers: { name: string; type: string }[];
}
