import { type BusReaderLag, PLATFORM_STATUS_CHECK_MS, PLATFORM_STATUS_MAX_READERS } from '@vigil/contracts';

/** One reader of a stream in this process, and how to ask the server how far behind it is. */
export interface BusReader {
  name: string;
  stream: string;
  kind: BusReaderLag['kind'];
  /** Messages of its subjects not yet delivered to it (a durable's: also not yet acknowledged). */
  pending(): Promise<number>;
}

/**
 * The stream readers of this process (durable workers, projection runners, the sample
 * reader), registered where they are made, so the service's status can say how far behind each
 * one is. Bounded: at most PLATFORM_STATUS_MAX_READERS are kept (a process has a handful).
 */
export class BusReaders {
  private readonly readers = new Map<string, BusReader>();

  add(reader: BusReader): void {
    if (this.readers.size >= PLATFORM_STATUS_MAX_READERS && !this.readers.has(reader.name)) return;
    this.readers.set(reader.name, reader);
  }

  /** Each reader's lag, asked all at once, each bounded by `timeoutMs`; a reader that cannot say is null with why. */
  async report(timeoutMs = PLATFORM_STATUS_CHECK_MS): Promise<BusReaderLag[]> {
    return Promise.all(
      [...this.readers.values()].map(async (r): Promise<BusReaderLag> => {
        const base = { name: r.name, stream: r.stream, kind: r.kind };
        let timer: NodeJS.Timeout | undefined;
        try {
          const pending = await Promise.race([
            r.pending(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
            }),
          ]);
          return { ...base, pending };
        } catch (e) {
          return { ...base, pending: null, error: (e instanceof Error ? e.message : String(e)).slice(0, 512) };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
  }
}
