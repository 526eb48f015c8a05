/**
 * Where spans are exported (OTLP/HTTP), when anywhere: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`,
 * else `OTEL_EXPORTER_OTLP_ENDPOINT`; blank counts as unset.
 */
export function otlpTracesEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_EXPORTER_OTLP_ENDPOINT']) {
    const value = env[name]?.trim();
    if (value) return value;
  }
  return undefined;
}
