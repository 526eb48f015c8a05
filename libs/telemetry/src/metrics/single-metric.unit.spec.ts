import { Counter, Gauge, Registry } from 'prom-client';
import { singleMetric } from './single-metric';

describe('singleMetric', () => {
  const create = (registry: Registry) => () => new Counter({ name: 'x_total', help: 'x', registers: [registry] });

  it('creates the metric once and returns it afterwards', () => {
    const registry = new Registry();
    const first = singleMetric(registry, 'x_total', Counter, create(registry));
    expect(singleMetric(registry, 'x_total', Counter, create(registry))).toBe(first);
  });

  it('refuses a name registered with another type', () => {
    const registry = new Registry();
    singleMetric(registry, 'x_total', Counter, create(registry));
    expect(() => singleMetric(registry, 'x_total', Gauge, () => new Gauge({ name: 'x_total', help: 'x' }))).toThrow(
      'metric x_total is already registered with another type',
    );
  });
});
