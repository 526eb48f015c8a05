import { Writable } from 'node:stream';
import pino from 'pino';
import { type Counter, Registry } from 'prom-client';
import { LIMITED_LOG_INTERVAL_MS, reportedGroupLimit } from './group-limit';

describe('reportedGroupLimit', () => {
  it('counts every refusal per rule and holder, and logs each rule at most once a minute with how many', async () => {
    const lines: { rule: string; holder: string; refused: number }[] = [];
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(JSON.parse(chunk.toString()) as (typeof lines)[number]);
          done();
        },
      }),
    );
    const registry = new Registry();
    let now = 0;
    const limit = reportedGroupLimit(10, registry, logger, () => now);
    for (let i = 0; i < 100_000; i++) limit.refused('flood', 'silence_groups');
    limit.refused('flood', 'alerts');
    now += LIMITED_LOG_INTERVAL_MS;
    limit.refused('flood', 'silence_groups');
    expect(lines.map((l) => [l.rule, l.holder, l.refused])).toEqual([
      ['flood', 'silence_groups', 1],
      ['flood', 'alerts', 1],
      ['flood', 'silence_groups', 100_000],
    ]);
    const counted = await (registry.getSingleMetric('vigil_alert_groups_limited_total') as Counter).get();
    expect(counted.values.map((v) => [v.labels.rule, v.labels.holder, v.value])).toEqual([
      ['flood', 'silence_groups', 100_001],
      ['flood', 'alerts', 1],
    ]);
    expect(limit.maxPerRule).toBe(10);
  });
});
