import { isDeepStrictEqual } from 'node:util';
import type { SupervisedProcess } from '@vigil/contracts';
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import type { HealthProbeFactory } from './health/health-probe';
import type { ProcessSpawner } from './process-spawner';
import { processSpec } from './process-spec';
import { type ProcessEvent, type ProcessStatus, ProcessSupervisor } from './process-supervisor';
import { type AccountLookup, resolveRunAs } from './run-as';
import type { Scheduler } from './scheduler';

export interface SupervisorDeps {
  spawn: ProcessSpawner;
  healthProbe: HealthProbeFactory;
  lookupAccount: AccountLookup;
  /** The agent's own uid: only root may run processes as another user. */
  agentUid: number;
  /** The part of the agent's environment every process gets (see processSpec). */
  baseEnv: Record<string, string>;
  clock: Clock;
  scheduler: Scheduler;
  logger: Logger;
}

export type ProcessEventListener = (event: ProcessEvent) => void;

/**
 * Runs the configured third-party agents, one ProcessSupervisor each, keyed by name.
 * Every event is logged and passed to the subscribers.
 */
export class Supervisor {
  private readonly processes = new Map<string, ProcessSupervisor>();
  private readonly listeners = new Set<ProcessEventListener>();
  /** apply() and stop() run one after another, in call order. */
  private queue: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly deps: SupervisorDeps) {}

  /** Calls `listener` with every event from now on; returns the unsubscribe function. */
  subscribe(listener: ProcessEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Brings the running set in line with `definitions`: a process no longer listed is
   * stopped, one whose definition changed is stopped and started anew, a new one is
   * started. Resolves once the stops are done and the starts have been attempted.
   */
  apply(definitions: readonly SupervisedProcess[]): Promise<void> {
    return this.enqueue(async () => {
      if (!this.stopped) await this.reconcile(definitions);
    });
  }

  /** Stops every process (each SIGTERM, then SIGKILL after its stopTimeoutMs); later apply() calls do nothing. */
  stop(): Promise<void> {
    return this.enqueue(async () => {
      this.stopped = true;
      await this.reconcile([]);
    });
  }

  statuses(): ProcessStatus[] {
    return [...this.processes.values()].map((p) => p.status());
  }

  /** Never rejects: a failure is logged, and the next call runs all the same. */
  private enqueue(work: () => Promise<void>): Promise<void> {
    this.queue = this.queue
      .then(work)
      .catch((e: unknown) => this.deps.logger.error({ err: e }, 'could not bring supervised processes in line'));
    return this.queue;
  }

  private async reconcile(definitions: readonly SupervisedProcess[]): Promise<void> {
    // Names are unique in a valid config; should one repeat, the later definition wins.
    const wanted = new Map(definitions.map((d) => [d.name, d]));
    const outdated = [...this.processes.values()].filter(
      (p) => !isDeepStrictEqual(wanted.get(p.definition.name), p.definition),
    );
    await Promise.all(
      outdated.map((p) => {
        this.processes.delete(p.definition.name);
        return p.stop();
      }),
    );
    const added = [...wanted.values()].filter((d) => !this.processes.has(d.name));
    await Promise.all(added.map((d) => this.launch(d)));
  }

  private launch(definition: SupervisedProcess): Promise<void> {
    const { deps } = this;
    const supervisor = new ProcessSupervisor(definition, {
      specFor: async (d) =>
        processSpec(
          d,
          deps.baseEnv,
          d.user === undefined ? undefined : await resolveRunAs(d.user, deps.lookupAccount, deps.agentUid),
        ),
      spawn: deps.spawn,
      healthProbe: deps.healthProbe,
      clock: deps.clock,
      scheduler: deps.scheduler,
      logger: deps.logger.child({ process: definition.name }),
      emit: (event) => this.publish(event),
    });
    this.processes.set(definition.name, supervisor);
    return supervisor.start();
  }

  private publish(event: ProcessEvent): void {
    const { type, ...details } = event;
    this.deps.logger[logLevel(event)](
      { event: type, ...details },
      `supervised process ${event.process} ${type.replace('_', ' ')}`,
    );
    // A listener that throws must not break the exit and restart handling that emitted the event.
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (e) {
        this.deps.logger.error({ err: e, event: type, process: event.process }, 'a supervisor event listener failed');
      }
    }
  }
}

function logLevel(event: ProcessEvent): 'info' | 'warn' | 'error' {
  switch (event.type) {
    case 'started':
    case 'restarted':
      return 'info';
    case 'exited':
      return event.reason === 'stopped' ? 'info' : 'warn';
    case 'unhealthy':
      return 'warn';
    case 'given_up':
      return 'error';
    default: {
      const never: never = event.type;
      return never;
    }
  }
}
