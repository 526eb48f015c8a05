import path from 'node:path';
import type { MessageStamp } from '@vigil/contracts';
import type { Clock } from '../clock';
import { readFileIfExists, writeFileAtomic } from '../state/atomic-file';

export const BOOT_FILE = 'boot';

/**
 * Stamps what the agent signs (libs/contracts identity/signature.ts): the time, this run's
 * boot and a sequence that only increases across every message of the run. The boot is the
 * start time in ms, but always greater than the last run's (kept in the state folder), so a
 * clock set back between two runs does not make the services take the new run for an old one.
 */
export class MessageStamper {
  private seq = 0;

  private constructor(
    readonly boot: number,
    private readonly clock: Clock,
  ) {}

  static async start(stateDir: string, clock: Clock): Promise<MessageStamper> {
    const file = path.join(stateDir, BOOT_FILE);
    const last = Number((await readFileIfExists(file))?.trim());
    const boot = Math.max(clock.now(), Number.isSafeInteger(last) ? last + 1 : 0);
    await writeFileAtomic(file, `${boot}\n`, 0o600);
    return new MessageStamper(boot, clock);
  }

  /** Called right before the message is handed to NATS, so the sequence follows the publish order. */
  next(): MessageStamp {
    return { signedAt: this.clock.now(), boot: this.boot, seq: ++this.seq };
  }
}
