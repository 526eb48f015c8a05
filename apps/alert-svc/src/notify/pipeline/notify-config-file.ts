import { NotifyConfig, validate } from '@vigil/contracts';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/** No file: alerts fire and are kept in history, and nothing is sent. */
export const NO_NOTIFICATIONS: NotifyConfig = validate(NotifyConfig, {}, 'notification config');

/**
 * The notification config from a YAML (or JSON) file; a ValidationError names the file and the
 * field. Secrets belong in the environment (`{ env: NAME }`), not in the file.
 */
export function loadNotifyConfig(path: string | undefined): NotifyConfig {
  if (!path) return NO_NOTIFICATIONS;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(
      `cannot read the notification config ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (e) {
    throw new Error(`the notification config ${path} is not YAML: ${(e as Error).message}`);
  }
  return validate(NotifyConfig, value ?? {}, `notification config ${path}`);
}
