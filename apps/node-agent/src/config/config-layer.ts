import { createHash } from 'node:crypto';
import { AgentConfigDocument } from '@vigil/contracts';
import { parseDocument } from 'yaml';
import { describeAllIssues } from './describe-issues';

/** Where a config document comes from, in merge order: a later layer wins. */
export const LAYER_ORDER = ['file', 'env', 'fleet', 'node'] as const;
export type LayerName = (typeof LAYER_ORDER)[number];

/**
 * The latest document of one layer, or why it could not be read. `version` names it in
 * the applied version string; the env layer has none (it cannot change while the agent
 * runs) and is left out of that string.
 */
export type ConfigLayer = { name: LayerName; version?: string } & (
  { document: AgentConfigDocument } | { error: string }
);

/**
 * Parses one document's text: YAML, which includes JSON, so the file and KV values share
 * one reader. Its version is its `version` field, else `fallbackVersion` (the KV
 * revision), else a short hash of the text, so that an edited file without a version
 * still shows up as a new version.
 */
export function parseLayer(name: LayerName, text: string, fallbackVersion?: string): ConfigLayer {
  const version = fallbackVersion ?? `#${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
  let value: unknown;
  try {
    const yaml = parseDocument(text);
    if (yaml.errors.length > 0) throw yaml.errors[0];
    value = yaml.toJS() ?? {};
  } catch (e) {
    return { name, version, error: `not valid YAML: ${firstLine((e as Error).message)}` };
  }
  const parsed = AgentConfigDocument.safeParse(value);
  if (!parsed.success) return { name, version, error: describeAllIssues(parsed.error) };
  return { name, version: parsed.data.version ?? version, document: parsed.data };
}

/** yaml's messages go on with an excerpt of the source; the first line says what and where. */
const firstLine = (message: string) => message.split('\n')[0].replace(/:$/, '');
