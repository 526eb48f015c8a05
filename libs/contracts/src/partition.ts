/**
 * The partition of a node's sample batches: FNV-1a (32 bit) of the node id, mod P.
 * Defined once here; the agent, the simulator and metrics-svc all call it.
 */
export function fnv1a32(input: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < input.length; i++) {
    hash ^= input.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export function partitionOf(nodeId: string, partitions: number): number {
  return fnv1a32(nodeId) % partitions;
}
