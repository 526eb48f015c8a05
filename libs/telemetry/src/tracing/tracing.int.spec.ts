import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

interface ExportedSpan {
  service: string;
  scope: string;
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Record<string, unknown>;
}

interface OtlpAttribute {
  key: string;
  value: Record<string, unknown>;
}

interface OtlpTraces {
  resourceSpans: {
    resource: { attributes: OtlpAttribute[] };
    scopeSpans: {
      scope: { name: string };
      spans: (Omit<ExportedSpan, 'service' | 'scope' | 'attributes'> & { attributes: OtlpAttribute[] })[];
    }[];
  }[];
}

const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 };

/** A stand-in OTLP/HTTP collector: records every span posted to /v1/traces. */
class OtlpReceiver {
  readonly spans: ExportedSpan[] = [];
  readonly requests: { path?: string; contentType?: string }[] = [];
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.requests.push({ path: req.url, contentType: req.headers['content-type'] });
      this.record(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraces);
      res.setHeader('content-type', 'application/json').end('{}');
    });
  });

  async start(): Promise<string> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): void {
    this.server.close();
  }

  async waitFor(predicate: (span: ExportedSpan) => boolean, timeoutMs: number): Promise<ExportedSpan> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.spans.find(predicate);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no matching span within ${timeoutMs} ms; got ${this.spans.map((s) => s.name).join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private record(body: OtlpTraces): void {
    for (const { resource, scopeSpans } of body.resourceSpans) {
      const service = String(flatten(resource.attributes)['service.name']);
      for (const { scope, spans } of scopeSpans) {
        for (const span of spans)
          this.spans.push({ ...span, service, scope: scope.name, attributes: flatten(span.attributes) });
      }
    }
  }
}

function flatten(attributes: OtlpAttribute[]): Record<string, unknown> {
  return Object.fromEntries(attributes.map(({ key, value }) => [key, Object.values(value)[0]]));
}

/**
 * Runs `body` in a child Node process with `telemetry` (this library) and `pg` in scope. Instrumentations
 * patch modules through Node's own require and the exporter loads its HTTP agent with a dynamic import,
 * neither of which works under Jest's module loader; the child compiles the library's TypeScript with swc.
 */
async function runInNode(
  body: string,
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = `
    const { readFileSync } = require('node:fs');
    const swc = require(${JSON.stringify(require.resolve('@swc/core'))});
    require.extensions['.ts'] = (module, filename) => {
      const options = { filename, jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'commonjs' } };
      module._compile(swc.transformSync(readFileSync(filename, 'utf8'), options).code, filename);
    };
    const telemetry = require(${JSON.stringify(join(__dirname, '..', 'index.ts'))});
    const pgPath = ${JSON.stringify(require.resolve('pg'))};
    (async () => { ${body} })().catch((err) => { process.exitCode = 1; process.stderr.write(String(err.stack)); });
  `;
  const child = spawn(process.execPath, ['-e', program], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  return { code, stdout, stderr };
}

function expectCleanRun(run: { code: number; stdout: string; stderr: string }, service: string): void {
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  for (const line of run.stdout.split('\n').filter(Boolean))
    expect(JSON.parse(line)).toHaveProperty('service', service);
}

describe('startTracing in a real Node process', () => {
  const receiver = new OtlpReceiver();
  let endpoint: string;

  beforeAll(async () => {
    endpoint = await receiver.start();
  });
  afterAll(() => receiver.stop());

  it('exports spans as JSON to /v1/traces after OTEL_BSP_SCHEDULE_DELAY, without a flush', async () => {
    const run = await runInNode(
      `
        telemetry.startTracing({ serviceName: 'export-int', serviceVersion: '0.1.0', instrumentations: [] });
        await telemetry.withSpan('exported', { attributes: { 'vigil.test': true } }, async () => {});
        // Exits without shutdown: the span must have left on the 100 ms schedule (the default is 5 s).
        await new Promise((resolve) => setTimeout(resolve, 1000));
      `,
      { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' },
    );
    expectCleanRun(run, 'export-int');
    const exported = await receiver.waitFor((s) => s.name === 'exported', 1000);
    expect(exported).toMatchObject({
      service: 'export-int',
      scope: 'vigil',
      kind: SPAN_KIND.INTERNAL,
      attributes: { 'vigil.test': true },
    });
    expect(receiver.requests[0]).toEqual({ path: '/v1/traces', contentType: 'application/json' });
  });

  it('traces each pg query and HTTP request under the active span', async () => {
    const run = await runInNode(
      `
        const tracing = telemetry.startTracing({ serviceName: 'instrumentation-int' });
        const http = require('node:http');
        const { Client } = require(pgPath);
        const server = http.createServer((req, res) => res.end('ok')).listen(0, '127.0.0.1');
        await new Promise((resolve) => server.once('listening', resolve));
        await telemetry.withSpan('scenario', {}, async () => {
          const client = new Client({ connectionString: process.env.DATABASE_URL });
          await client.connect();
          await client.query('SELECT 1');
          await client.query('SELECT 2');
          await client.end();
          await new Promise((resolve, reject) =>
            http.get({ host: '127.0.0.1', port: server.address().port, path: '/probe' }, (res) => res.resume().on('end', resolve)).on('error', reject));
        });
        server.close();
        await tracing.shutdown();
      `,
      {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${endpoint}/v1/traces`,
        DATABASE_URL: process.env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      },
    );
    expectCleanRun(run, 'instrumentation-int');

    const scenario = await receiver.waitFor((s) => s.name === 'scenario', 1000);
    const children = receiver.spans.filter((s) => s.parentSpanId === scenario.spanId);
    const queries = children.filter(
      (s) => s.scope === '@opentelemetry/instrumentation-pg' && s.name.startsWith('pg.query'),
    );
    expect(queries).toHaveLength(2);
    for (const query of queries) expect(query.traceId).toBe(scenario.traceId);

    const client = children.find(
      (s) => s.scope === '@opentelemetry/instrumentation-http' && s.kind === SPAN_KIND.CLIENT,
    );
    expect(client).toBeDefined();
    const server = receiver.spans.find((s) => s.kind === SPAN_KIND.SERVER && s.parentSpanId === client?.spanId);
    expect(server).toMatchObject({ service: 'instrumentation-int', traceId: scenario.traceId });
  });
});
