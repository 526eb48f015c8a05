import { Injectable } from '@nestjs/common';
import {
  type CreateSilenceRequest,
  type ExpireSilenceRequest,
  type Silence,
  type SilenceAlertRequest,
  type SilenceEvent,
  silenceEvents,
  type SilenceView,
  uuidv7,
  type z,
} from '@vigil/contracts';
import { CommandHandler, commandMeta, EventStore } from '@vigil/event-store';
import { Bus } from '@vigil/platform';
import { silenceDecider } from '../domain/silence/silence.decider';
import { SilenceQueries } from './silences.read-model';

/** Creating and expiring silences (event-sourced); each answers once this replica's read model shows the change. */
@Injectable()
export class SilenceCommands {
  private readonly handler: CommandHandler<
    SilenceEvent,
    ReturnType<typeof silenceDecider.initialState>,
    Parameters<typeof silenceDecider.decide>[0]
  >;

  constructor(
    bus: Bus,
    private readonly silences: SilenceQueries,
  ) {
    this.handler = new CommandHandler(
      new EventStore(bus.js, bus.jsm, bus.topology, 'silence', silenceEvents),
      silenceDecider,
    );
  }

  async create(request: z.output<typeof CreateSilenceRequest>): Promise<SilenceView> {
    const now = Date.now();
    const startsAt = request.startsAt ? Date.parse(request.startsAt) : now;
    const endsAt = request.endsAt ? Date.parse(request.endsAt) : startsAt + (request.duration ?? 0);
    const silence: Silence = {
      id: uuidv7(now),
      matchers: request.matchers,
      startsAt: new Date(startsAt).toISOString(),
      endsAt: new Date(endsAt).toISOString(),
      createdBy: request.actor,
      comment: request.comment,
    };
    const events = await this.handler.handle(
      silence.id,
      { type: 'CreateSilence', silence, now },
      commandMeta(request.actor),
    );
    await this.silences.waitFor(events.at(-1)?.seq ?? 0, 10_000);
    return this.silences.get(silence.id);
  }

  /** A silence of exactly an alert with these labels: every one of them, for `duration` from now. */
  async silenceAlert(
    labels: Record<string, string>,
    request: Omit<z.output<typeof SilenceAlertRequest>, 'fingerprint'>,
  ): Promise<SilenceView> {
    const matchers = Object.entries(labels)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([label, value]) => ({ label, op: '=' as const, value }));
    return this.create({ matchers, duration: request.duration, comment: request.comment, actor: request.actor });
  }

  async expire(request: z.output<typeof ExpireSilenceRequest>): Promise<SilenceView> {
    const events = await this.handler.handle(
      request.silenceId,
      { type: 'ExpireSilence', silenceId: request.silenceId, now: Date.now() },
      commandMeta(request.actor),
    );
    await this.silences.waitFor(events.at(-1)?.seq ?? 0, 10_000);
    return this.silences.get(request.silenceId);
  }
}
