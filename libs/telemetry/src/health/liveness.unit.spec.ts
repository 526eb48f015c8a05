import { livenessReport } from './liveness';

describe('livenessReport', () => {
  it('reports ok with uptime and pid', () => {
    const report = livenessReport();
    expect(report).toEqual({ status: 'ok', uptimeSeconds: expect.any(Number), pid: process.pid });
    expect(Number.isInteger(report.uptimeSeconds)).toBe(true);
    expect(report.uptimeSeconds).toBeGreaterThanOrEqual(0);
  });
});
