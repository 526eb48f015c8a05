/**
 * The shapes the console reads, as the contracts define them. Types only: the compiler erases these
 * imports, so neither zod nor any contract code enters the browser bundle (vite.config.mjs refuses a
 * value import of @vigil/contracts).
 */
import type { Role } from '@vigil/contracts';

export type {
  AlertListReply,
  AlertView,
  ApiKeyView,
  AuditRecordView,
  PlatformStatus,
  LabelMatcher,
  LatestReply,
  ListNodesReply,
  LiveClientFrame,
  LiveEvent,
  LiveServerFrame,
  MaintenanceWindowListReply,
  MaintenanceWindowView,
  NodeStatus,
  NodeView,
  PreviewMaintenanceWindowReply,
  RangeQueryReply,
  Role,
  SessionTokens,
  SilenceListReply,
  SilenceView,
  TopKReply,
  UserView,
} from '@vigil/contracts';

/** `GET /api/v1/auth/me`. */
export interface Me {
  kind: string;
  id: string;
  role: Role;
}

/** `GET /api/v1/auth/oidc/status`. */
export interface SsoStatus {
  enabled: boolean;
  available: boolean;
}
