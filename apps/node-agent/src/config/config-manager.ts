import { isDeepStrictEqual } from 'node:util';
import type { AgentConfig, AppliedConfig } from '@vigil/contracts';
import type { Logger } from 'pino';
import { ConfigError } from './boot-config';
import type { ConfigLayer, LayerName } from './config-layer';
import { resolveConfig } from './resolve-config';

export type ConfigListener = (config: AgentConfig) => void;

/** What the rest of the agent sees of its configuration. */
export interface ConfigView {
  current(): AgentConfig;
  applied(): AppliedConfig;
  /** Calls `listener` after every change of the effective config; returns the unsubscribe. */
  onChange(listener: ConfigListener): () => void;
}

/** AppliedConfig.error is bounded; a long list of issues is cut rather than breaking heartbeats. */
const MAX_ERROR_LENGTH = 2048;

/**
 * Holds the latest document of every layer and the config they resolve to. A change
 * that resolves to an invalid config is rejected (logged, and reported by applied())
 * and the last good config stays in effect. Rejection is of the combination, not of a
 * document: while the node document is invalid, fleet changes do not apply either,
 * since the agent cannot know what the node document meant to say about them.
 */
export class ConfigManager implements ConfigView {
  private readonly layers = new Map<LayerName, ConfigLayer>();
  private readonly listeners = new Set<ConfigListener>();
  private rejection?: string;

  private constructor(
    private config: AgentConfig,
    private version: string,
    private readonly logger: Logger,
  ) {}

  /** At start there is no last good config to keep, so an invalid one is a ConfigError. */
  static create(layers: readonly ConfigLayer[], logger: Logger): ConfigManager {
    const resolution = resolveConfig(layers);
    if (!resolution.ok) throw new ConfigError(`invalid config: ${resolution.error}`);
    const manager = new ConfigManager(resolution.config, resolution.version, logger);
    for (const layer of layers) manager.layers.set(layer.name, layer);
    logger.info({ config_version: resolution.version }, 'config applied');
    return manager;
  }

  current(): AgentConfig {
    return this.config;
  }

  applied(): AppliedConfig {
    return this.rejection === undefined
      ? { version: this.version, status: 'applied' }
      : { version: this.version, status: 'rejected', error: this.rejection };
  }

  onChange(listener: ConfigListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Replaces the document of `layer.name` and applies the result. */
  set(layer: ConfigLayer): void {
    this.layers.set(layer.name, layer);
    this.resolve();
  }

  /** Drops the document of `name` (a deleted KV key) and applies the result. */
  remove(name: LayerName): void {
    if (this.layers.delete(name)) this.resolve();
  }

  private resolve(): void {
    const resolution = resolveConfig([...this.layers.values()]);
    if (!resolution.ok) {
      const error = `${resolution.version} rejected: ${resolution.error}`;
      this.rejection = error.length > MAX_ERROR_LENGTH ? `${error.slice(0, MAX_ERROR_LENGTH - 1)}…` : error;
      this.logger.warn({ config_version: this.version, reason: error }, 'config rejected; keeping the last good one');
      return;
    }
    const previous = this.config;
    this.config = resolution.config;
    this.version = resolution.version;
    this.rejection = undefined;
    this.logger.info({ config_version: this.version }, 'config applied');
    if (!isDeepStrictEqual(previous, this.config)) this.notify();
  }

  /** A listener that throws is logged; it does not keep the others from seeing the change. */
  private notify(): void {
    for (const listener of this.listeners) {
      try {
        listener(this.config);
      } catch (e) {
        this.logger.error({ err: e, config_version: this.version }, 'a config listener failed');
      }
    }
  }
}
