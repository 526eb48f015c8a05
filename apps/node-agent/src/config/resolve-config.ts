import { AgentConfig } from '@vigil/contracts';
import { type ConfigLayer, LAYER_ORDER, type LayerName } from './config-layer';
import { describeAllIssues } from './describe-issues';
import { mergeDocuments } from './merge-documents';
import { remoteDocumentViolation } from './remote-policy';

export type Resolution =
  { ok: true; config: AgentConfig; version: string } | { ok: false; version: string; error: string };

/** Reported when no versioned document is in effect: the built-in defaults (plus env overrides). */
const DEFAULTS_VERSION = 'defaults';

/** The layers read from this host (root-owned file, environment); the others come from the KV. */
const LOCAL_LAYERS: ReadonlySet<LayerName> = new Set(['file', 'env']);

/**
 * Merges the layers in LAYER_ORDER (whatever order they are given in) and validates the
 * result. A remote (KV) layer that sets anything it may not (remote-policy.ts) rejects the
 * whole combination. In a local layer, keys AgentConfig does not know are dropped rather than
 * rejected.
 */
export function resolveConfig(layers: readonly ConfigLayer[]): Resolution {
  const ordered = [...layers].sort((a, b) => LAYER_ORDER.indexOf(a.name) - LAYER_ORDER.indexOf(b.name));
  const version = versionOf(ordered);
  const unreadable = ordered.flatMap((l) => ('error' in l ? [`${l.name} document: ${l.error}`] : []));
  if (unreadable.length > 0) return { ok: false, version, error: unreadable.join('; ') };
  let merged: Record<string, unknown> = {};
  for (const layer of ordered) {
    if (!('document' in layer)) continue;
    const { version: _version, ...settings } = layer.document;
    if (!LOCAL_LAYERS.has(layer.name)) {
      const refused = remoteDocumentViolation(layer.document, scrapeAllowOf(merged));
      if (refused) return { ok: false, version, error: `${layer.name} document ${refused}` };
    }
    merged = mergeDocuments(merged, settings);
  }
  const parsed = AgentConfig.safeParse(merged);
  if (!parsed.success) return { ok: false, version, error: describeAllIssues(parsed.error) };
  return { ok: true, config: parsed.data, version };
}

/** The allow-list as the local layers set it (LAYER_ORDER puts them first); a malformed one allows nothing. */
function scrapeAllowOf(local: Record<string, unknown>): string[] {
  const allow = local.scrapeAllow;
  return Array.isArray(allow) ? allow.filter((p): p is string => typeof p === 'string') : [];
}

/** `file:3+fleet:7+node:2`: the layers in effect that have a version, in merge order. */
function versionOf(layers: readonly ConfigLayer[]): string {
  const named = layers.flatMap((l) => (l.version === undefined ? [] : [`${l.name}:${l.version}`]));
  return named.length > 0 ? named.join('+') : DEFAULTS_VERSION;
}
