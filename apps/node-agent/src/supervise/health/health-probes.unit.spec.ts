import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server } from 'node:net';
import { createHealthProbe } from './create-health-probe';

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
const close = (server: Server) => new Promise((resolve) => server.close(resolve));
const probe = (check: Parameters<typeof createHealthProbe>[0], timeoutMs = 2_000) =>
  createHealthProbe(check)(AbortSignal.timeout(timeoutMs));

/** A port nothing listens on: one that was just free. */
async function closedPort(): Promise<number> {
  const server = createTcpServer();
  const port = await listen(server);
  await close(server);
  return port;
}

describe('health probes', () => {
  describe('http', () => {
    const server = createHttpServer((req, res) => {
      res.statusCode = req.url === '/metrics' ? 200 : req.url === '/ready' ? 204 : 503;
      res.end('ok');
    });
    let base: string;
    beforeAll(async () => {
      base = `http://127.0.0.1:${await listen(server)}`;
    });
    afterAll(() => close(server));

    it('passes on the expected status', async () => {
      await expect(probe({ type: 'http', url: `${base}/metrics`, expectStatus: 200 })).resolves.toBeUndefined();
      await expect(probe({ type: 'http', url: `${base}/ready`, expectStatus: 204 })).resolves.toBeUndefined();
    });

    it('fails on another status, naming both', async () => {
      await expect(probe({ type: 'http', url: `${base}/metrics`, expectStatus: 204 })).rejects.toThrow(
        'answered 200, expected 204',
      );
      await expect(probe({ type: 'http', url: `${base}/down`, expectStatus: 200 })).rejects.toThrow(
        'answered 503, expected 200',
      );
    });

    it('fails when nothing listens', async () => {
      await expect(
        probe({ type: 'http', url: `http://127.0.0.1:${await closedPort()}/`, expectStatus: 200 }),
      ).rejects.toThrow();
    });
  });

  describe('tcp', () => {
    it('passes when the port accepts a connection', async () => {
      const server = createTcpServer((socket) => socket.destroy());
      const port = await listen(server);
      try {
        await expect(probe({ type: 'tcp', host: '127.0.0.1', port })).resolves.toBeUndefined();
      } finally {
        await close(server);
      }
    });

    it('fails when the connection is refused', async () => {
      await expect(probe({ type: 'tcp', host: '127.0.0.1', port: await closedPort() })).rejects.toThrow('ECONNREFUSED');
    });
  });

  describe('command', () => {
    it('passes when the command exits with 0', async () => {
      await expect(probe({ type: 'command', command: 'true', args: [] })).resolves.toBeUndefined();
    });

    it('fails with the exit code and the output', async () => {
      await expect(
        probe({ type: 'command', command: 'sh', args: ['-c', 'echo not ready >&2; exit 3'] }),
      ).rejects.toThrow('sh exited with code 3: not ready');
      await expect(probe({ type: 'command', command: '/no/such/check', args: [] })).rejects.toThrow('could not run');
    });

    it('kills a command still running when the check is aborted', async () => {
      const started = performance.now();
      await expect(probe({ type: 'command', command: 'sleep', args: ['30'] }, 200)).rejects.toThrow();
      expect(performance.now() - started).toBeLessThan(5_000);
    });
  });
});
