import { AgentConfig } from '@vigil/contracts';
import type { ConfigLayer } from './config-layer';
import { resolveConfig } from './resolve-config';

const defaults = AgentConfig.parse({});

describe('resolveConfig', () => {
  it('is the defaults, versioned "defaults", without any layer', () => {
    expect(resolveConfig([])).toEqual({ ok: true, config: defaults, version: 'defaults' });
  });

  it('merges file < env < fleet < node whatever the order given, and joins the versions in that order', () => {
    const layers: ConfigLayer[] = [
      { name: 'node', version: '2', document: { version: '2', labels: { rack: 'r7' }, sampleIntervalMs: 250 } },
      {
        name: 'fleet',
        version: '7',
        document: { labels: { env: 'prod' }, sampleIntervalMs: 500, heartbeatIntervalMs: 3000 },
      },
      { name: 'env', document: { heartbeatIntervalMs: 2000, inventoryIntervalMs: 60_000 } },
      {
        name: 'file',
        version: '3',
        document: { heartbeatIntervalMs: 1000, inventoryIntervalMs: 30_000, labels: { env: 'dev' } },
      },
    ];
    const resolution = resolveConfig(layers);
    expect(resolution).toEqual({
      ok: true,
      version: 'file:3+fleet:7+node:2',
      config: {
        ...defaults,
        heartbeatIntervalMs: 3000,
        sampleIntervalMs: 250,
        inventoryIntervalMs: 60_000,
        labels: { env: 'prod', rack: 'r7' },
      },
    });
  });

  it('applies the defaults inside what the documents set', () => {
    const resolution = resolveConfig([
      { name: 'fleet', version: '1', document: { scrape: [{ name: 'node', url: 'http://127.0.0.1:9100/metrics' }] } },
    ]);
    expect(resolution.ok && resolution.config.scrape).toEqual([
      { name: 'node', url: 'http://127.0.0.1:9100/metrics', intervalMs: 15_000, timeoutMs: 5_000, labels: {} },
    ]);
  });

  it('ignores keys it does not know, so that newer fleet documents do not break older agents', () => {
    const resolution = resolveConfig([{ name: 'fleet', version: '1', document: { futureSetting: true } }]);
    expect(resolution).toEqual({ ok: true, config: defaults, version: 'fleet:1' });
  });

  it('names every invalid path of the merged config', () => {
    const resolution = resolveConfig([
      { name: 'file', version: '1', document: { heartbeatIntervalMs: 5 } },
      {
        name: 'node',
        version: '4',
        document: {
          sampleIntervalMs: -5,
          labels: { 'bad-name': 'x' },
          collectors: { nope: { enabled: true } },
          scrape: [{ name: 'ok', url: 'not a url' }],
          spool: { maxBytes: 10 },
          metrics: { port: 70_000 },
        },
      },
    ]);
    expect(resolution.ok).toBe(false);
    if (resolution.ok) return;
    expect(resolution.version).toBe('file:1+node:4');
    const paths = resolution.error.split('; ').map((issue) => issue.split(':')[0]);
    expect(paths.sort()).toEqual([
      'collectors',
      'heartbeatIntervalMs',
      'labels.bad-name',
      'metrics.port',
      'sampleIntervalMs',
      'scrape.0.url',
      'spool.maxBytes',
    ]);
    expect(resolution.error).toContain('collectors: Unrecognized key: "nope"');
  });

  it('rejects a layer that could not be read, naming it', () => {
    const resolution = resolveConfig([
      { name: 'file', version: '1', document: {} },
      { name: 'fleet', version: '8', error: 'not valid YAML: oops' },
    ]);
    expect(resolution).toEqual({ ok: false, version: 'file:1+fleet:8', error: 'fleet document: not valid YAML: oops' });
  });
});
