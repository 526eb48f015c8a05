import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestBus, createTestDatabase, type TestBus, type TestDatabase, testUrls } from '@vigil/test-support';
import { servedRoutesOf } from '../http/served-routes';
import { type GatewayUnderTest, isolatedGatewayEnv, startGateway } from '../testing/gateway-app';

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
