import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { ConfigFileLocation } from './boot-config';
import { type ConfigLayer, parseLayer } from './config-layer';
import type { ConfigManager } from './config-manager';

/**
 * The file layer, or undefined when there is no file at the default path (an agent
 * configured by env and KV alone). A file that cannot be read is a layer with an error,
 * which fails the start and is rejected on reload.
 */
export async function readFileLayer(location: ConfigFileLocation): Promise<ConfigLayer | undefined> {
  let text: string;
  try {
    text = await readFile(location.path, 'utf8');
  } catch (e) {
    if (!location.explicit && (e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { name: 'file', error: `cannot read ${location.path}: ${(e as Error).message}` };
  }
  return parseLayer('file', text);
}

/**
 * Reads the file again on every SIGHUP and applies it like a KV change. Handling SIGHUP
 * also replaces Node's default for it, which is to exit. Reloads run one after another,
 * so that two quick signals cannot apply an older read last. Returns the uninstaller.
 */
export function reloadOnSighup(location: ConfigFileLocation, config: ConfigManager, logger: Logger): () => void {
  let reloading = Promise.resolve();
  const reload = async () => {
    logger.info({ path: location.path }, 'SIGHUP: reloading the config file');
    const layer = await readFileLayer(location);
    if (layer) config.set(layer);
    else config.remove('file');
  };
  const onSignal = () => {
    reloading = reloading.then(reload).catch((e: unknown) => logger.error({ err: e }, 'config reload failed'));
  };
  process.on('SIGHUP', onSignal);
  return () => process.off('SIGHUP', onSignal);
}
