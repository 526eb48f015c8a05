/**
 * The local webhook receiver of the alert bench: one HTTP server, one path per scenario
 * (`/vigil`, `/stock`, `/tuned`), recording when each firing alert arrived. Vigil's webhook
 * body (version "1") and Alertmanager's (version "4") both carry `alerts[]` with `status`
 * and `labels`, which is all it reads. Arrival is taken when the whole body has been read,
 * on the clock the fleet stamps its samples with (performance.timeOrigin + performance.now()).
 */
const { createServer } = require('node:http');

const clock = () => performance.timeOrigin + performance.now();

/** Arrivals of one scenario: firing alerts by node, and what else came. */
class Arrivals {
  constructor() {
    /** node → arrival times (ms) of each notification listing it as firing. */
    this.firing = new Map();
    this.requests = 0;
    this.resolved = 0;
    this.unreadable = 0;
    this.bodies = [];
  }

  record(at, body) {
    this.requests++;
    if (this.bodies.length < 3) this.bodies.push(body);
    const alerts = Array.isArray(body?.alerts) ? body.alerts : undefined;
    if (!alerts) {
      this.unreadable++;
      return;
    }
    for (const a of alerts) {
      if (a?.status === 'resolved') {
        this.resolved++;
        continue;
      }
      const node = a?.labels?.node;
      if (a?.status !== 'firing' || typeof node !== 'string') {
        this.unreadable++;
        continue;
      }
      const list = this.firing.get(node) ?? [];
      list.push(at);
      this.firing.set(node, list);
    }
  }

  count() {
    return this.firing.size;
  }
}

/** Starts the receiver on 127.0.0.1:`port`; `arrivals(path)` is that path's record (created on first use). */
async function startReceiver(port) {
  const byPath = new Map();
  const arrivals = (path) => {
    let a = byPath.get(path);
    if (!a) byPath.set(path, (a = new Arrivals()));
    return a;
  };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = clock();
      let body;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        body = undefined;
      }
      arrivals(new URL(req.url, 'http://x').pathname).record(at, body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    arrivals,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

module.exports = { clock, startReceiver };
