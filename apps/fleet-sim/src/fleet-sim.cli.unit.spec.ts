import { parseFleetSimArgs } from './fleet-sim.cli';

describe('parseFleetSimArgs', () => {
  it('has defaults', () => {
    expect(parseFleetSimArgs([])).toEqual({
      help: false,
      nodes: 20,
      seed: 1,
      heartbeatMs: 5000,
      sampleMs: 1000,
      namePrefix: 'sim',
    });
  });

  it('reads every option', () => {
    const argv = [
      '--nodes',
      '1000',
      '--seed',
      '7',
      '--heartbeat-ms',
      '2000',
      '--sample-ms',
      '500',
      '--name-prefix',
      'lab',
    ];
    expect(parseFleetSimArgs(argv)).toEqual({
      help: false,
      nodes: 1000,
      seed: 7,
      heartbeatMs: 2000,
      sampleMs: 500,
      namePrefix: 'lab',
    });
    expect(parseFleetSimArgs(['-n', '3', '-h'])).toMatchObject({ nodes: 3, help: true });
  });

  it.each([
    [['--nodes', 'many'], /--nodes must be an integer/],
    [['--nodes', '-1'], /--nodes/],
    [['--sample-ms', '5'], /--sample-ms must be an integer of at least 10/],
    [['--name-prefix', 'a.b'], /--name-prefix/],
    [['--bogus'], /Unknown option/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseFleetSimArgs(argv)).toThrow(message);
  });
});
