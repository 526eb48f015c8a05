import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';

export class StateDirError extends Error {
  override readonly name = 'StateDirError';
}

/**
 * The first candidate directory the agent can create and write; candidates after the
 * first are fallbacks and using one is logged as a warning. None usable is a
 * StateDirError that says what was tried and how to choose one.
 */
export async function resolveStateDir(candidates: readonly string[], logger: Logger): Promise<string> {
  const failures: string[] = [];
  for (const dir of candidates) {
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await access(dir, constants.R_OK | constants.W_OK);
    } catch (e) {
      failures.push(`${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      continue;
    }
    if (failures.length > 0) {
      logger.warn(
        { state_dir: dir, unusable: failures },
        'state directory fallback in use; set VIGIL_AGENT_STATE_DIR to choose one',
      );
    }
    return dir;
  }
  throw new StateDirError(
    `no usable state directory (${failures.join('; ')}); set VIGIL_AGENT_STATE_DIR to a directory the agent can write`,
  );
}
