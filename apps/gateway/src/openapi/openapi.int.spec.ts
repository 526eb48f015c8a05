import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestBus, createTestDatabase, type TestBus, type TestDatabase, testUrls } from '@vigil/test-support';
import { servedRoutesOf } from '../http/served-routes';
import { type GatewayUnderTest, isolatedGatewayEnv, startGateway, TEST_ADMIN_PASSWORD } from '../testing/gateway-app';

jest.setTimeout(60_000);

interface Operation {
  security: Record<string, string[]>[];
  parameters?: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

/** The document through @seriousme/openapi-schema-validator's own CLI (an ES module Jest's CommonJS cannot load). */
async function validateOpenApi(document: unknown): Promise<{ valid: boolean; errors?: unknown }> {
  const dir = await mkdtemp(join(tmpdir(), 'vigil-openapi-'));
  try {
    const file = join(dir, 'openapi.json');
    await writeFile(file, JSON.stringify(document));
    const cli = require.resolve('@seriousme/openapi-schema-validator/bin/validate-api-cli.js');
    const { stdout } = await promisify(execFile)(process.execPath, [cli, file]).catch((e: { stdout: string }) => ({
      stdout: e.stdout,
    }));
    return JSON.parse(stdout) as { valid: boolean; errors?: unknown };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('the OpenAPI document', () => {
  let tbus: TestBus;
  let tdb: TestDatabase;
  let gw: GatewayUnderTest;
  let doc: Document;

  beforeAll(async () => {
    tbus = await createTestBus();
    tdb = await createTestDatabase();
    gw = await startGateway({
      ...isolatedGatewayEnv(tbus, tdb, testUrls),
    });
    const r = await gw.fetch('/api/openapi.json');
    expect(r.status).toBe(200);
    doc = (await r.json()) as Document;
  });
  afterAll(async () => {
    await gw?.close();
    await tbus.close();
    await tdb.drop();
  });

  it('is a valid OpenAPI 3.1 document, served to anyone', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    expect(await validateOpenApi(doc)).toEqual({ valid: true });
  });

  it('has every route the gateway serves, with the security its declared role asks for', () => {
    const routes = servedRoutesOf(gw.app);
    expect(routes.length).toBeGreaterThan(40);
    for (const route of routes) {
      const op = doc.paths[route.path.replace(/:([A-Za-z_]\w*)/g, '{$1}')]?.[route.method.toLowerCase()];
      const expected =
        route.access === 'public' ? [] : [{ bearer: [route.access as string] }, { session: [route.access as string] }];
      expect([route.method, route.path, op?.security]).toEqual([route.method, route.path, expected]);
    }
    const documented = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    expect(documented).toBe(routes.length);
  });

  it('describes bodies and query strings from the contract schemas the routes validate with', () => {
    const createUser = doc.paths['/api/v1/users'].post.requestBody?.content['application/json'].schema;
    expect(Object.keys(createUser?.properties ?? {}).sort()).toEqual(['password', 'role', 'username']);
    const promForm = doc.paths['/api/v1/query'].post;
    expect(promForm.security).toEqual([{ bearer: ['viewer'] }, { session: ['viewer'] }]);
    const audit = doc.paths['/api/v1/audit'].get.parameters?.map((p) => p.name);
    expect(audit).toEqual(expect.arrayContaining(['actor', 'limit', 'before']));
    expect(doc.paths['/api/v1/nodes/{id}'].get.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
    ]);
  });

  it('documents the query parameters of every GET route that reads its query string', () => {
    const readers = servedRoutesOf(gw.app).filter((r) => r.method === 'GET' && r.readsQuery);
    expect(readers.map((r) => r.path)).toEqual(
      expect.arrayContaining(['/api/v1/metrics/query_range', '/api/v1/query_range', '/api/v1/label/:name/values']),
    );
    for (const route of readers) {
      const op = doc.paths[route.path.replace(/:([A-Za-z_]\w*)/g, '{$1}')].get;
      const query = (op.parameters ?? []).filter((p) => p.in === 'query');
      expect([route.path, query.length > 0]).toEqual([route.path, true]);
    }
    const params = (path: string) =>
      Object.fromEntries(
        (doc.paths[path].get.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p.required]),
      );
    expect(params('/api/v1/metrics/query_range')).toEqual({
      metric: true,
      match: false,
      node: false,
      node_label: false,
      start: true,
      end: false,
      step: true,
      stat: false,
      agg: false,
      by: false,
    });
    expect(params('/api/v1/metrics/topk')).toMatchObject({ metric: true, k: false, order: false, start: false });
    expect(params('/api/v1/metrics/latest')).toMatchObject({ metric: false, node: false });
    expect(params('/api/v1/query_range')).toEqual({ query: true, start: true, end: true, step: true });
    expect(params('/api/v1/query')).toEqual({ query: true, time: false });
    expect(params('/api/v1/labels')).toEqual({ 'match[]': false, start: false, end: false });
    expect(params('/api/v1/label/{name}/values')).toEqual({ 'match[]': false, start: false, end: false });
    const stat = doc.paths['/api/v1/metrics/query_range'].get.parameters?.find((p) => p.name === 'stat');
    expect(stat?.schema).toMatchObject({ enum: ['avg', 'min', 'max', 'sum', 'count', 'last'] });
    const form = doc.paths['/api/v1/query_range'].post.requestBody?.content['application/x-www-form-urlencoded'];
    expect(Object.keys(form?.schema.properties ?? {}).sort()).toEqual(['end', 'query', 'start', 'step']);
  });

  it("answers a query parameter its schema refuses with 400 naming it, in each API's own error format", async () => {
    const token = await gw.login('admin', TEST_ADMIN_PASSWORD);
    const rest = await gw.fetch('/api/v1/metrics/query_range?metric=m&start=now-1h&step=1m&stat=median', { token });
    expect([rest.status, rest.headers.get('content-type')]).toEqual([400, expect.stringContaining('problem+json')]);
    expect(((await rest.json()) as { detail: string }).detail).toMatch(/^invalid query: stat: /);
    const prom = await gw.fetch('/api/v1/query_range?query=up&start=1&end=later&step=15', { token });
    expect([prom.status, await prom.json()]).toEqual([
      400,
      { status: 'error', errorType: 'bad_data', error: expect.stringMatching(/^invalid query: end: cannot parse/) },
    ]);
  });

  it('serves a reference page from the gateway itself, within its CSP', async () => {
    const page = await gw.fetch('/api/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<script src="/api/docs/docs.js"');
    expect(html).not.toMatch(/<script>|https?:\/\/(?!json)/);
    const script = await gw.fetch('/api/docs/docs.js');
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await script.text()).toContain("fetch('/api/openapi.json')");
    expect((await gw.fetch('/api/docs/docs.css')).headers.get('content-type')).toMatch(/^text\/css/);
  });
});
