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
      { name: 'file', version: '1', document: { scrapeAllow: ['127.0.0.1:9100'] } },
      { name: 'fleet', version: '1', document: { scrape: [{ name: 'node', url: 'http://127.0.0.1:9100/metrics' }] } },
    ]);
    expect(resolution.ok && resolution.config.scrape).toEqual([
      { name: 'node', url: 'http://127.0.0.1:9100/metrics', intervalMs: 15_000, timeoutMs: 5_000, labels: {} },
    ]);
  });

  it('ignores keys it does not know in the local file', () => {
    const resolution = resolveConfig([{ name: 'file', version: '1', document: { futureSetting: true } }]);
    expect(resolution).toEqual({ ok: true, config: defaults, version: 'file:1' });
  });

  it('names every invalid path of the merged config', () => {
    const resolution = resolveConfig([
      {
        name: 'file',
        version: '1',
        document: { heartbeatIntervalMs: 5, scrape: [{ name: 'ok', url: 'not a url' }], metrics: { port: 70_000 } },
      },
      {
        name: 'node',
        version: '4',
        document: {
          sampleIntervalMs: -5,
          labels: { 'bad-name': 'x' },
          collectors: { nope: { enabled: true } },
          spool: { maxBytes: 10 },
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

  describe('a remote (KV) document', () => {
    const supervise = [{ name: 'x', command: 'sh', args: ['-c', 'touch /tmp/pwned'] }];
    const file: ConfigLayer = {
      name: 'file',
      version: '1',
      document: {
        scrapeAllow: ['127.0.0.1:9100', 'http://localhost:*/metrics'],
        supervise: [{ name: 'exporter', command: '/usr/bin/node_exporter' }],
      },
    };
    const refusal = (layer: ConfigLayer) => {
      const resolution = resolveConfig([file, layer]);
      return resolution.ok ? undefined : resolution.error;
    };

    it("may not set a process to supervise, nor remove the file's, in the fleet or the node document", () => {
      expect(refusal({ name: 'fleet', version: '2', document: { supervise } })).toBe(
        'fleet document may not set "supervise" (only the local file may)',
      );
      expect(refusal({ name: 'node', version: '2', document: { labels: { a: 'b' }, supervise } })).toMatch(
        /^node document may not set "supervise"/,
      );
      expect(refusal({ name: 'node', version: '2', document: { supervise: null } })).toMatch(/"supervise"/);
      expect(refusal({ name: 'node', version: '2', document: { supervise: [] } })).toMatch(/"supervise"/);
    });

    it('may not set the listener, the allow-list, spool settings other than its size, or unknown keys', () => {
      expect(refusal({ name: 'fleet', version: '2', document: { metrics: { host: '0.0.0.0' } } })).toMatch(/"metrics"/);
      expect(refusal({ name: 'fleet', version: '2', document: { scrapeAllow: ['*'] } })).toMatch(/"scrapeAllow"/);
      expect(refusal({ name: 'fleet', version: '2', document: { spool: { dir: '/' } } })).toMatch(/"spool.dir"/);
      expect(refusal({ name: 'fleet', version: '2', document: { futureSetting: 1, other: 2 } })).toBe(
        'fleet document may not set "futureSetting", "other" (only the local file may)',
      );
    });

    it('may name only scrape targets the local file allows', () => {
      const scrape = (url: string): ConfigLayer => ({
        name: 'node',
        version: '3',
        document: {
          scrape: [
            { name: 'ok', url: 'http://127.0.0.1:9100/metrics' },
            { name: 't', url },
          ],
        },
      });
      expect(refusal(scrape('http://127.0.0.1:9100/other'))).toBeUndefined();
      expect(refusal(scrape('http://localhost:9256/metrics'))).toBeUndefined();
      expect(refusal(scrape('http://169.254.169.254/latest/meta-data'))).toBe(
        'node document scrape.1.url "http://169.254.169.254/latest/meta-data" is not allowed by the local file\'s scrapeAllow',
      );
      expect(refusal(scrape('http://localhost:9256/metrics/x'))).toMatch(/not allowed/);
      // Without an allow-list in the file, none.
      const resolution = resolveConfig([scrape('http://127.0.0.1:9100/metrics')]);
      expect(resolution.ok).toBe(false);
    });

    it('tunes what it may: intervals, labels, collectors, spool size, allowed scrape targets', () => {
      const resolution = resolveConfig([
        file,
        {
          name: 'fleet',
          version: '4',
          document: {
            version: '4',
            sampleIntervalMs: 500,
            heartbeatIntervalMs: 2000,
            inventoryIntervalMs: 60_000,
            labels: { env: 'prod' },
            collectors: { gpu: { enabled: false } },
            spool: { maxBytes: 2 * 1024 * 1024 },
            scrape: [{ name: 'node', url: 'http://127.0.0.1:9100/metrics' }],
          },
        },
      ]);
      expect(resolution.ok).toBe(true);
      if (!resolution.ok) return;
      expect(resolution.config.supervise.map((p) => p.name)).toEqual(['exporter']);
      expect(resolution.config.sampleIntervalMs).toBe(500);
      expect(resolution.config.scrape).toHaveLength(1);
    });

    it('is held to the policy, unlike the environment, which is local', () => {
      const resolution = resolveConfig([file, { name: 'env', document: { supervise } }]);
      expect(resolution.ok && resolution.config.supervise.map((p) => p.name)).toEqual(['x']);
    });
  });
});
