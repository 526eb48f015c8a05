import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AgentConfig, CollectorName, HealthCheck, ScrapeTarget, SupervisedProcess } from '@vigil/contracts';
import { parseLayer } from './config-layer';

/** deploy/agent.yaml is what operators read: it must keep up with AgentConfig. */
const text = readFileSync(path.join(__dirname, '..', '..', 'deploy', 'agent.yaml'), 'utf8');

describe('the example deploy/agent.yaml', () => {
  it('sets every key to its default, so installing it changes nothing', () => {
    const layer = parseLayer('file', text);
    expect('document' in layer && layer.document).toEqual(AgentConfig.parse({}));
  });

  it('documents every collector and every field of scrape targets, supervised processes and health checks', () => {
    for (const name of CollectorName.options) expect(text).toMatch(new RegExp(`\\b${name}\\b`));
    const fields = [
      ...Object.keys(ScrapeTarget.shape),
      ...Object.keys(SupervisedProcess.shape),
      ...HealthCheck.options.flatMap((variant) => Object.keys(variant.shape)),
      'intervalMs',
      'timeoutMs',
      'failureThreshold',
      'version',
    ];
    for (const field of fields) expect(text).toMatch(new RegExp(`\\b${field}\\b`));
  });
});
