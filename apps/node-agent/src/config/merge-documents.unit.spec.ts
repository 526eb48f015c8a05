import { mergeDocuments } from './merge-documents';

describe('mergeDocuments', () => {
  it('merges objects key by key, at every depth', () => {
    const base = { heartbeatIntervalMs: 5000, labels: { env: 'prod', team: 'sre' }, spool: { maxBytes: 1 } };
    const patch = { labels: { team: 'db', rack: 'r1' }, sampleIntervalMs: 500 };
    expect(mergeDocuments(base, patch)).toEqual({
      heartbeatIntervalMs: 5000,
      sampleIntervalMs: 500,
      labels: { env: 'prod', team: 'db', rack: 'r1' },
      spool: { maxBytes: 1 },
    });
  });

  it('replaces arrays and scalars, and an object replaces a scalar', () => {
    const base = { scrape: [{ name: 'a' }, { name: 'b' }], spool: 7 };
    expect(mergeDocuments(base, { scrape: [{ name: 'c' }], spool: { maxBytes: 1 } })).toEqual({
      scrape: [{ name: 'c' }],
      spool: { maxBytes: 1 },
    });
  });

  it('removes a key set to null, also inside a patch object that has nothing to merge into', () => {
    const base = { labels: { env: 'prod', team: 'sre' }, sampleIntervalMs: 500 };
    expect(mergeDocuments(base, { labels: { team: null }, sampleIntervalMs: null, spool: { maxBytes: null } })).toEqual(
      {
        labels: { env: 'prod' },
        spool: {},
      },
    );
  });

  it('modifies neither argument and ignores a __proto__ key', () => {
    const base = { labels: { env: 'prod' } };
    const patch = JSON.parse('{"labels": {"team": "sre"}, "__proto__": {"heartbeatIntervalMs": 1}}');
    const merged = mergeDocuments(base, patch);
    expect(base).toEqual({ labels: { env: 'prod' } });
    expect(patch.labels).toEqual({ team: 'sre' });
    expect(merged).toEqual({ labels: { env: 'prod', team: 'sre' } });
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  });
});
