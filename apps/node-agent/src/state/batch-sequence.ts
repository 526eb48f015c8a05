import path from 'node:path';
import { readFileIfExists, writeFileAtomic } from './atomic-file';

export const SEQ_FILE = 'seq';

/** The stored value is written at least every PERSIST_EVERY sequence numbers handed out... */
export const SEQ_PERSIST_EVERY = 100;
/**
 * ...so after a crash the stored value is behind the last used one by less than that.
 * A restart resumes from stored + SEQ_RESTART_GAP, which is therefore always beyond every
 * number used before, whether the agent stopped cleanly or not. Sequence numbers stay
 * strictly increasing over the node's life (with a gap at each restart), and a batch
 * never reuses the `Nats-Msg-Id` of an earlier one, which JetStream would drop as a
 * duplicate. The cost is a jump of SEQ_RESTART_GAP per restart, far from any limit.
 */
export const SEQ_RESTART_GAP = 1000;

/** Sequence numbers of sample batches, persisted in `<stateDir>/seq`. */
export class BatchSequence {
  private persisted: number;

  private constructor(
    private readonly file: string,
    private nextSeq: number,
  ) {
    this.persisted = nextSeq;
  }

  static async open(stateDir: string): Promise<BatchSequence> {
    const file = path.join(stateDir, SEQ_FILE);
    const stored = (await readFileIfExists(file))?.trim();
    if (stored !== undefined && !/^\d{1,15}$/.test(stored)) {
      throw new Error(`${file} does not hold a sequence number ("${stored.slice(0, 40)}"); fix or remove it`);
    }
    const sequence = new BatchSequence(file, stored === undefined ? 0 : Number(stored) + SEQ_RESTART_GAP);
    await sequence.persist();
    return sequence;
  }

  take(): number {
    return this.nextSeq++;
  }

  /** True when the stored value has fallen SEQ_PERSIST_EVERY behind: persist before taking more. */
  persistDue(): boolean {
    return this.nextSeq - this.persisted >= SEQ_PERSIST_EVERY;
  }

  async persist(): Promise<void> {
    const value = this.nextSeq;
    await writeFileAtomic(this.file, `${value}\n`, 0o600);
    this.persisted = value;
  }
}
