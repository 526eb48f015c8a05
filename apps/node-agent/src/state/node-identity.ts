import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { NodeId } from '@vigil/contracts';
import { readFileIfExists, writeFileAtomic } from './atomic-file';

export const NODE_ID_FILE = 'node-id';

export interface NodeIdentity {
  nodeId: string;
  /** True when this start generated the id: the node is new to the platform. */
  created: boolean;
}

/**
 * The node's id for its whole life: generated on first start and kept in
 * `<stateDir>/node-id`. A file that exists but holds no valid id is an error rather than
 * a reason to mint a new one: a silent new id would make the host a different node.
 */
export async function loadOrCreateNodeId(stateDir: string, generate: () => string = randomUUID): Promise<NodeIdentity> {
  const file = path.join(stateDir, NODE_ID_FILE);
  const stored = await readFileIfExists(file);
  if (stored !== undefined) {
    const parsed = NodeId.safeParse(stored.trim());
    if (!parsed.success) {
      throw new Error(`${file} does not hold a valid node id (${parsed.error.issues[0]?.message}); fix or remove it`);
    }
    return { nodeId: parsed.data, created: false };
  }
  const nodeId = NodeId.parse(generate());
  await writeFileAtomic(file, `${nodeId}\n`, 0o600);
  return { nodeId, created: true };
}
