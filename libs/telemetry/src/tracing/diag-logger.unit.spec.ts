import { createLogger } from '../logging/logger';
import { diagLogger } from './diag-logger';

describe('diagLogger', () => {
  it('writes OpenTelemetry diagnostics as log lines at the matching level', () => {
    const lines: string[] = [];
    const logger = createLogger({
      service: 's',
      level: 'trace',
      destination: { write: (l: string) => void lines.push(l) },
    });
    const diag = diagLogger(logger);
    diag.error('export failed: %s', 'ECONNREFUSED');
    diag.warn('dropped %d spans', 3);
    diag.info('info');
    diag.debug('debug');
    diag.verbose('verbose');
    expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>).map((r) => [r['level'], r['msg']])).toEqual([
      ['error', 'export failed: ECONNREFUSED'],
      ['warn', 'dropped 3 spans'],
      ['info', 'info'],
      ['debug', 'debug'],
      ['trace', 'verbose'],
    ]);
  });
});
