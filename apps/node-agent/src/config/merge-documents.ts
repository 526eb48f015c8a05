type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Overlays `patch` on `base` the way a JSON Merge Patch (RFC 7386) does: objects merge
 * key by key, arrays and scalars replace, and `null` removes the key, so that a node
 * document can drop a fleet label (`labels: { team: null }`) or fall back to a default.
 * Neither argument is modified.
 */
export function mergeDocuments(base: Json, patch: Json): Json {
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    // A parsed `__proto__` key is an own property; assigning it would swap the prototype.
    if (key === '__proto__') continue;
    if (value === null) delete merged[key];
    else if (isObject(value)) merged[key] = mergeDocuments(isObject(merged[key]) ? merged[key] : {}, value);
    else merged[key] = value;
  }
  return merged;
}
