import { connect } from 'node:net';
import type { HealthProbe } from './health-probe';

/** Healthy when a TCP connection to `host:port` is accepted; it is closed at once. */
export function tcpProbe(host: string, port: number): HealthProbe {
  return (signal) =>
    new Promise<void>((resolve, reject) => {
      const socket = connect({ host, port, signal });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', (e) => {
        socket.destroy();
        reject(e);
      });
    });
}
