import { parseExposition } from './exposition-parser';
import { toSamples } from './scraped-samples';

const target = { name: 'node', labels: { env: 'prod' } };

describe('toSamples', () => {
  it('adds job and the target labels to every series', () => {
    const { samples, skipped } = toSamples(
      parseExposition('node_load1 0.5\nnode_cpu_seconds_total{cpu="0",mode="idle"} 12.5'),
      target,
    );
    expect(samples).toEqual([
      { name: 'node_load1', labels: { env: 'prod', job: 'node' }, value: 0.5 },
      { name: 'node_cpu_seconds_total', labels: { cpu: '0', mode: 'idle', env: 'prod', job: 'node' }, value: 12.5 },
    ]);
    expect(skipped).toEqual({ malformed: 0, non_finite: 0, invalid: 0, over_limit: 0 });
  });

  it('keeps scraped labels that clash with target labels as exported_<name>', () => {
    const { samples } = toSamples(parseExposition('up{job="inner",env="dev",exported_env="x"} 1'), target);
    expect(samples[0].labels).toEqual({
      job: 'node',
      exported_job: 'inner',
      env: 'prod',
      exported_env: 'x',
      exported_exported_env: 'dev',
    });
  });

  it('skips and counts non-finite values, series the contract refuses, and malformed lines', () => {
    const text = [
      'nan_value NaN',
      'inf_value +Inf',
      'neg_inf_value -Inf',
      'my-metric 1',
      'bad_label{label.with.dots="x"} 1',
      `long_value{v="${'x'.repeat(1025)}"} 1`,
      'broken{',
      'kept 1',
    ].join('\n');
    const { samples, skipped } = toSamples(parseExposition(text), target);
    expect(samples.map((s) => s.name)).toEqual(['kept']);
    expect(skipped).toEqual({ malformed: 1, non_finite: 3, invalid: 3, over_limit: 0 });
  });
});
