import { parseLayer } from './config-layer';

describe('parseLayer', () => {
  it('reads YAML, and JSON as YAML', () => {
    const yaml = parseLayer('file', 'version: "3"\nheartbeatIntervalMs: 2000\nlabels:\n  env: prod\n');
    const json = parseLayer('fleet', '{"version": "7", "labels": {"env": "prod"}}', '12');
    expect(yaml).toEqual({
      name: 'file',
      version: '3',
      document: { version: '3', heartbeatIntervalMs: 2000, labels: { env: 'prod' } },
    });
    expect(json).toEqual({ name: 'fleet', version: '7', document: { version: '7', labels: { env: 'prod' } } });
  });

  it('falls back to the KV revision, else to a hash of the text', () => {
    expect(parseLayer('node', '{"labels": {}}', '42').version).toBe('42');
    const a = parseLayer('file', 'labels: { env: a }').version;
    const b = parseLayer('file', 'labels: { env: b }').version;
    expect(a).toMatch(/^#[0-9a-f]{8}$/);
    expect(b).not.toBe(a);
  });

  it('takes an empty or comment-only text for an empty document', () => {
    expect(parseLayer('file', '# nothing set\n')).toMatchObject({ document: {} });
    expect(parseLayer('fleet', '', '1')).toEqual({ name: 'fleet', version: '1', document: {} });
  });

  it.each([
    ['broken YAML', 'labels: [a', /^not valid YAML: Flow sequence .* at line 1, column 11$/],
    ['two documents', 'a: 1\n---\nb: 2\n', /^not valid YAML: Source contains multiple documents/],
    ['duplicate keys', 'a: 1\na: 2\n', /^not valid YAML: Map keys must be unique/],
    ['a list', '- 1\n- 2\n', /^\(root\): Invalid input: expected object/],
    ['a numeric version', 'version: 3\n', /^version: Invalid input: expected string/],
  ])('reports %s as an error, with the fallback version', (_what, text, error) => {
    const layer = parseLayer('node', text, '9');
    expect(layer).toMatchObject({ name: 'node', version: '9' });
    expect('error' in layer && layer.error).toMatch(error);
  });
});
