import pino from 'pino';
import { MissingSource } from './missing-source';

describe('MissingSource', () => {
  it('answers no samples every time and logs at debug only the first time', () => {
    const logger = pino({ level: 'silent' });
    const debug = jest.spyOn(logger, 'debug');
    const missing = new MissingSource(logger, 'cpu');
    expect(missing.noSamples('/proc/stat')).toEqual([]);
    expect(missing.noSamples('/proc/stat')).toEqual([]);
    expect(debug).toHaveBeenCalledTimes(1);
  });
});
