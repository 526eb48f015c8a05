'use strict';
/** The chaos run's webhook receiver: records every delivery (id, Idempotency-Key, group, status, node) and answers 200. */
const http = require('node:http');

class WebhookReceiver {
  constructor() {
    this.received = [];
    this.server = http.createServer((req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          this.received.push({
            at: Date.now(),
            id: body.id,
            idempotencyKey: req.headers['idempotency-key'],
            groupKey: body.groupKey,
            status: body.status,
            node: body.commonLabels?.node ?? body.groupLabels?.node,
            alerts: (body.alerts ?? []).length,
          });
          res.writeHead(200).end('ok');
        } catch (e) {
          res.writeHead(400).end(String(e));
        }
      });
    });
  }

  async start() {
    await new Promise((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  get url() {
    return `http://127.0.0.1:${this.server.address().port}/hook`;
  }

  async close() {
    this.server.closeAllConnections?.();
    await new Promise((resolve) => this.server.close(() => resolve()));
  }
}

module.exports = { WebhookReceiver };
