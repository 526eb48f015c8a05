import { type Schedule, ValidationError } from '@vigil/contracts';
import { Cron } from 'croner';

/** A schedule's cron in its time zone (five fields, standard day-of-month OR day-of-week). */
export function cronOf(schedule: Schedule): Cron {
  try {
    return new Cron(schedule.cron, { timezone: schedule.timeZone, mode: '5-part', paused: true });
  } catch (e) {
    throw new ValidationError(`schedule "${schedule.cron}": ${(e as Error).message.replace(/^CronPattern: /, '')}`);
  }
}

/**
 * The latest time the schedule fired at or before `now`, when it is after `since`: the one run
 * due now. Times missed in between are not returned (a backup-svc that was down for three days
 * runs a daily job once, not three times).
 */
export function dueSlot(schedule: Schedule, since: Date, now: Date): Date | undefined {
  const [last] = cronOf(schedule).previousRuns(1, new Date(now.getTime() + 1));
  return last && last.getTime() > since.getTime() && last.getTime() <= now.getTime() ? last : undefined;
}
