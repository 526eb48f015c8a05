import * as z from 'zod';
import { IsoTimestamp, NodeId, NodeLabels } from '../common.schema';

/** What a host is; sent on `telemetry.inventory.<nodeId>` at agent start and whenever it changes. */
export const Inventory = z.object({
  nodeId: NodeId,
  collectedAt: IsoTimestamp,
  hostname: z.string().min(1).max(255),
  os: z.object({
    platform: z.string(),
    distro: z.string(),
    release: z.string(),
    kernel: z.string(),
    arch: z.string(),
  }),
  cpu: z.object({
    model: z.string(),
    cores: z.number().int().nonnegative(),
    physicalCores: z.number().int().nonnegative(),
  }),
  memoryBytes: z.number().nonnegative(),
  disks: z.array(z.object({ device: z.string(), sizeBytes: z.number().nonnegative(), type: z.string() })).max(512),
  interfaces: z
    .array(z.object({ name: z.string(), mac: z.string(), ipv4: z.array(z.string()), ipv6: z.array(z.string()) }))
    .max(512),
  gpus: z
    .array(z.object({ index: z.number().int().nonnegative(), name: z.string(), memoryBytes: z.number().nonnegative() }))
    .max(64),
  agentVersion: z.string().min(1).max(64),
  labels: NodeLabels.default({}),
});
export type Inventory = z.infer<typeof Inventory>;
