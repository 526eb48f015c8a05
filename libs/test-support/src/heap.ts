import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

/**
 * The heap in use after two full collections: what a memory-bound test compares before and
 * after its flood. `gc` is exposed on the first call, not when test-support is imported (a Jest
 * worker that exposed it once exposes it to every later spec, which a spec about running
 * without `gc` must not see).
 */
export function heapAfterGc(): number {
  if (!collect) {
    setFlagsFromString('--expose_gc');
    collect = runInNewContext('gc') as () => void;
  }
  collect();
  collect();
  return process.memoryUsage().heapUsed;
}
