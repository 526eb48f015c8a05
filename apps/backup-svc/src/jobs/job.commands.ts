import { Injectable } from '@nestjs/common';
import { type BackupJob, type BackupJobEvent, backupJobEvents, type JobChange } from '@vigil/contracts';
import { CommandHandler, commandMeta, EventStore } from '@vigil/event-store';
import { Bus } from '@vigil/platform';
import { jobDecider, type JobCommand, type JobState } from '../domain/job/job.decider';
import { cronOf } from '../schedule/schedule';

/** Changes to backup jobs, through the event store, recorded with who made them. */
@Injectable()
export class JobCommands {
  private readonly handler: CommandHandler<BackupJobEvent, JobState, JobCommand>;

  constructor(bus: Bus) {
    this.handler = new CommandHandler(
      new EventStore(bus.js, bus.jsm, bus.topology, 'backupjob', backupJobEvents),
      jobDecider,
    );
  }

  upsert(job: BackupJob, actor: string): Promise<JobChange> {
    // The contract checks the shape; the cron library, what each field's values mean.
    cronOf(job.schedule);
    cronOf(job.verifySchedule);
    return this.run({ type: 'UpsertJob', job }, job.id, actor);
  }

  async run(command: JobCommand, jobId: string, actor: string): Promise<JobChange> {
    const events = await this.handler.handle(jobId, command, commandMeta(actor));
    return { jobId, changed: events.length > 0 };
  }
}
