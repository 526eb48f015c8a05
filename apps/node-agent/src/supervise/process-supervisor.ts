import type { SupervisedProcess, SupervisorEvent, SupervisorEventType } from '@vigil/contracts';
import type { Logger } from 'pino';
import type { Clock } from '../clock';
import { HealthMonitor } from './health/health-monitor';
import type { HealthProbeFactory } from './health/health-probe';
import type { ProcessExit, ProcessSpawner, ProcessSpec, RunningProcess } from './process-spawner';
import { decideRestart, restartsWithinWindow } from './restart-policy';
import { type Scheduler, settlesWithin } from './scheduler';

/** A supervisor event before the agent adds its node id. */
export type ProcessEvent = Omit<SupervisorEvent, 'nodeId'>;
type EventDetails = Pick<ProcessEvent, 'pid' | 'exitCode' | 'signal' | 'reason'>;

export interface ProcessStatus {
  name: string;
  pid?: number;
  up: boolean;
  /** Up and, when it has a health check, passing it. */
  healthy: boolean;
  restarts: number;
}

export interface ProcessSupervisorDeps {
  /** How to spawn the definition (resolving its user); a rejection means it can never start. */
  specFor: (definition: SupervisedProcess) => Promise<ProcessSpec>;
  spawn: ProcessSpawner;
  healthProbe: HealthProbeFactory;
  clock: Clock;
  scheduler: Scheduler;
  /** Bound to the process; its output lines are logged here. */
  logger: Logger;
  emit: (event: ProcessEvent) => void;
}

/** One spawn of the process, from start to exit. */
interface Incarnation {
  spec: ProcessSpec;
  process: RunningProcess;
  health?: HealthMonitor;
  /** Settles once the exit has been handled. */
  handled: Promise<void>;
  /** Set when the supervisor itself ends the process. */
  terminatedBecause?: 'stopped' | 'unhealthy';
}

const MAX_OUTPUT_LINE = 4096;

/**
 * Keeps one configured process running: spawns it, watches its health, restarts it after
 * an exit as its restart policy says (an unhealthy process is killed and restarted, unless
 * the policy is `never`), and stops it: SIGTERM to its group, SIGKILL after
 * `stopTimeoutMs`. When the process itself exits, what is left of its group is killed.
 */
export class ProcessSupervisor {
  private current?: Incarnation;
  private stopping = false;
  private restarts = 0;
  private restartTimesMs: number[] = [];
  private cancelRestart?: () => void;

  constructor(
    readonly definition: SupervisedProcess,
    private readonly deps: ProcessSupervisorDeps,
  ) {}

  async start(): Promise<void> {
    let spec: ProcessSpec;
    try {
      spec = await this.deps.specFor(this.definition);
    } catch (e) {
      if (!this.stopping) this.emit('given_up', { reason: (e as Error).message });
      return;
    }
    if (!this.stopping) this.launch(spec, 'started');
  }

  /** Stops restarting and ends the process; resolves when it has exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.cancelRestart?.();
    const incarnation = this.current;
    if (!incarnation) return;
    incarnation.terminatedBecause = 'stopped';
    await this.terminate(incarnation);
  }

  status(): ProcessStatus {
    const pid = this.current?.process.pid;
    const up = pid !== undefined;
    const health = this.current?.health;
    return { name: this.definition.name, pid, up, healthy: up && (health?.healthy ?? true), restarts: this.restarts };
  }

  private launch(spec: ProcessSpec, type: 'started' | 'restarted', reason?: string): void {
    const process = this.deps.spawn(spec, (stream, line) =>
      this.deps.logger.info({ stream }, line.length > MAX_OUTPUT_LINE ? `${line.slice(0, MAX_OUTPUT_LINE)}…` : line),
    );
    const incarnation: Incarnation = {
      spec,
      process,
      handled: process.exit.then((exit) => this.onExit(incarnation, exit)),
    };
    this.current = incarnation;
    if (process.pid === undefined) return;
    this.emit(type, { pid: process.pid, reason });
    const check = this.definition.healthCheck;
    if (check) {
      incarnation.health = new HealthMonitor(this.deps.healthProbe(check), check, this.deps.scheduler, (why) =>
        this.onUnhealthy(incarnation, why),
      );
      incarnation.health.start();
    }
  }

  private onExit(incarnation: Incarnation, exit: ProcessExit): void {
    this.current = undefined;
    incarnation.health?.stop();
    // Children it left behind would outlive it, holding its port or its files.
    incarnation.process.signalGroup('SIGKILL');
    const cause = incarnation.terminatedBecause;
    this.emit('exited', {
      pid: incarnation.process.pid,
      ...('error' in exit ? {} : { exitCode: exit.code ?? undefined, signal: exit.signal ?? undefined }),
      reason: cause ?? ('error' in exit ? describeEnd(exit) : undefined),
    });
    if (this.stopping) return;

    const now = this.deps.clock.monotonicMs();
    this.restartTimesMs = restartsWithinWindow(this.definition, this.restartTimesMs, now);
    const failed = cause === 'unhealthy' || 'error' in exit || exit.code !== 0;
    const decision = decideRestart(this.definition, failed, this.restartTimesMs, now);
    switch (decision.action) {
      case 'stay-down':
        return;
      case 'give-up':
        this.emit('given_up', { reason: decision.reason });
        return;
      case 'restart': {
        const reason = cause ?? describeEnd(exit);
        this.cancelRestart = this.deps.scheduler.schedule(decision.delayMs, () =>
          this.restart(incarnation.spec, reason),
        );
        return;
      }
      default: {
        const never: never = decision;
        return never;
      }
    }
  }

  private restart(spec: ProcessSpec, reason: string): void {
    this.cancelRestart = undefined;
    this.restarts++;
    this.restartTimesMs.push(this.deps.clock.monotonicMs());
    this.launch(spec, 'restarted', reason);
  }

  private onUnhealthy(incarnation: Incarnation, reason: string): void {
    this.emit('unhealthy', { pid: incarnation.process.pid, reason });
    if (this.definition.restart === 'never' || this.stopping) return;
    incarnation.terminatedBecause = 'unhealthy';
    void this.terminate(incarnation);
  }

  private async terminate(incarnation: Incarnation): Promise<void> {
    incarnation.health?.stop();
    incarnation.process.signalGroup('SIGTERM');
    if (await settlesWithin(this.deps.scheduler, incarnation.handled, this.definition.stopTimeoutMs)) return;
    this.deps.logger.warn(
      { stop_timeout_ms: this.definition.stopTimeoutMs },
      'process ignored SIGTERM; killing its group',
    );
    incarnation.process.signalGroup('SIGKILL');
    await incarnation.handled;
  }

  private emit(type: SupervisorEventType, details: EventDetails): void {
    this.deps.emit({
      process: this.definition.name,
      type,
      at: new Date(this.deps.clock.now()).toISOString(),
      ...details,
    });
  }
}

function describeEnd(exit: ProcessExit): string {
  if ('error' in exit) return `could not be spawned: ${exit.error.message}`;
  return exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
}
