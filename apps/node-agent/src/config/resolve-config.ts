import { AgentConfig } from '@vigil/contracts';
import { type ConfigLayer, LAYER_ORDER } from './config-layer';
import { describeAllIssues } from './describe-issues';
import { mergeDocuments } from './merge-documents';

export type Resolution =
  { ok: true; config: AgentConfig; version: string } | { ok: false; version: string; error: string };

/** Reported when no versioned document is in effect: the built-in defaults (plus env overrides). */
const DEFAULTS_VERSION = 'defaults';

/**
 * Merges the layers in LAYER_ORDER (whatever order they are given in) and validates the
 * result. Keys AgentConfig does not know are dropped rather than rejected, so a fleet
 * document can carry settings that only newer agents understand.
 */
export function resolveConfig(layers: readonly ConfigLayer[]): Resolution {
  const ordered = [...layers].sort((a, b) => LAYER_ORDER.indexOf(a.name) - LAYER_ORDER.indexOf(b.name));
  const version = versionOf(ordered);
  const unreadable = ordered.flatMap((l) => ('error' in l ? [`${l.name} document: ${l.error}`] : []));
  if (unreadable.length > 0) return { ok: false, version, error: unreadable.join('; ') };
  let merged: Record<string, unknown> = {};
  for (const layer of ordered) {
    if ('document' in layer) {
      const { version: _version, ...settings } = layer.document;
      merged = mergeDocuments(merged, settings);
    }
  }
  const parsed = AgentConfig.safeParse(merged);
  if (!parsed.success) return { ok: false, version, error: describeAllIssues(parsed.error) };
  return { ok: true, config: parsed.data, version };
}

/** `file:3+fleet:7+node:2`: the layers in effect that have a version, in merge order. */
function versionOf(layers: readonly ConfigLayer[]): string {
  const named = layers.flatMap((l) => (l.version === undefined ? [] : [`${l.name}:${l.version}`]));
  return named.length > 0 ? named.join('+') : DEFAULTS_VERSION;
}
