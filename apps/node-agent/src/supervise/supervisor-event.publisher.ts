import { agentEventMessage, type SupervisorEvent, type Topology } from '@vigil/contracts';
import type { Logger } from 'pino';
import { FailureStreaks } from '../failure-streaks';
import type { Publisher } from '../publish/publisher';

/** Publishes supervisor events on the node's agent-events subject. */
export class SupervisorEventPublisher {
  private failed = 0;
  private readonly streaks = new FailureStreaks();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly topology: Topology,
    private readonly publisher: Publisher,
    private readonly logger: Logger,
  ) {}

  /** Events that could not be published (each is logged by the supervisor anyway). */
  get failures(): number {
    return this.failed;
  }

  /** Never rejects: a failure is counted, and logged when a streak of them starts and ends. */
  publish(event: SupervisorEvent): Promise<void> {
    const publishing = this.send(event);
    this.inFlight.add(publishing);
    void publishing.finally(() => this.inFlight.delete(publishing));
    return publishing;
  }

  /** Resolves once every publish started so far has finished: the last events before a shutdown. */
  async settled(): Promise<void> {
    await Promise.all(this.inFlight);
  }

  private async send(event: SupervisorEvent): Promise<void> {
    try {
      await this.publisher.publish(agentEventMessage(this.topology, event));
    } catch (e) {
      this.failed++;
      if (this.streaks.failed('publish'))
        this.logger.warn({ err: e, event: event.type, process: event.process }, 'could not publish supervisor events');
      return;
    }
    const dropped = this.streaks.succeeded('publish');
    if (dropped > 0) this.logger.info({ dropped }, 'publishing supervisor events recovered');
  }
}
