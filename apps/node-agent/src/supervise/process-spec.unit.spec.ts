import { inheritedEnv } from './process-spec';

describe('inheritedEnv', () => {
  it('keeps where programs are, locale and time zone, and nothing else of the agent environment', () => {
    expect(
      inheritedEnv({ PATH: '/usr/bin', LANG: 'C.UTF-8', TZ: 'UTC', NATS_URL: 'nats://secret@x', HOME: '/root' }),
    ).toEqual({
      PATH: '/usr/bin',
      LANG: 'C.UTF-8',
      TZ: 'UTC',
    });
  });
});
