import { randomBytes } from 'node:crypto';
import type { INestApplication, Type } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { configureGatewayHttp } from '../http/http-hygiene';

/** The first admin's password and the signing key the gateway's tests start it with. */
export const TEST_ADMIN_PASSWORD = 'correct-horse-battery-staple';
export const TEST_AUTH_SECRET = 'test-only-signing-key-0123456789abcdef';

export interface GatewayUnderTest {
  app: INestApplication;
  base: string;
  /** Logs in; the access token. */
  login(username: string, password: string): Promise<string>;
  /** A request with `token` as the bearer (none: anonymous). */
  fetch(path: string, init?: RequestInit & { token?: string; json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

/**
 * One test file's gateway on the test servers (`urls`, test-support's `testUrls`), isolated by its
 * bus prefix, its database and a Redis key prefix of its own.
 */
export function isolatedGatewayEnv(
  bus: { topology: { prefix: string; partitions: number } },
  db: { url: string },
  urls: { nats: string; redis: string },
): Record<string, string> {
  return {
    NATS_URL: urls.nats,
    DATABASE_URL: db.url,
    REDIS_URL: urls.redis,
    VIGIL_NATS_PREFIX: bus.topology.prefix,
    VIGIL_PARTITIONS: String(bus.topology.partitions),
    VIGIL_REDIS_PREFIX: `vigil-test-${randomBytes(6).toString('hex')}:`,
  };
}

/**
 * The gateway's real AppModule (plus `controllers`, for tests that add one) on `port` (0: a free
 * one). `env` is put in process.env before the module is loaded: it reads its configuration then.
 */
export async function startGateway(
  env: Record<string, string>,
  controllers: Type<unknown>[] = [],
  port = 0,
): Promise<GatewayUnderTest> {
  Object.assign(process.env, {
    VIGIL_AUTH_SECRET: TEST_AUTH_SECRET,
    VIGIL_ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    LOG_LEVEL: 'fatal',
    ...env,
  });
  const { AppModule } = jest.requireActual<typeof import('../app.module')>('../app.module');
  @Module({ imports: [AppModule], controllers })
  class TestModule {}
  const app = await NestFactory.create<NestExpressApplication>(TestModule, { logger: false });
  configureGatewayHttp(app);
  await app.listen(port, '127.0.0.1');
  const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  const request = (path: string, init: RequestInit & { token?: string; json?: unknown } = {}) => {
    const { token, json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    if (json !== undefined) headers.set('content-type', 'application/json');
    return fetch(base + path, { ...rest, headers, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
  };
  return {
    app,
    base,
    fetch: request,
    async login(username, password) {
      const r = await request('/api/v1/auth/login', { method: 'POST', json: { username, password } });
      if (r.status !== 200) throw new Error(`login of ${username}: ${r.status} ${await r.text()}`);
      return ((await r.json()) as { accessToken: string }).accessToken;
    },
    close: () => app.close(),
  };
}
