/**
 * The limits of what agents' messages make registry-svc keep, named once (each refusal names
 * the limit it hit).
 */
export const REGISTRY_LIMITS = {
  /**
   * Nodes registered that never enrolled, the default of VIGIL_MAX_UNENROLLED_NODES. With
   * VIGIL_REQUIRE_ENROLLMENT=false any new node id in a heartbeat registers a node (an event
   * stream, a read-model row, presence in Redis); past this many, a heartbeat from a new id that
   * never enrolled is refused. Known nodes and enrolled ones are not affected.
   */
  unenrolled_nodes: 10_000,
  /**
   * Distinct process names one node's supervisor events may keep rows for in
   * `registry.supervised_processes`, the default of VIGIL_MAX_SUPERVISED_PROCESSES. An agent
   * supervises a handful of exporters; past this many, an event naming a new process is parked
   * as over_limit, while the processes already recorded keep updating.
   */
  supervised_processes_per_node: 256,
} as const;

export type RegistryLimit = keyof typeof REGISTRY_LIMITS;
