import { NotifyConfig, RoutingReply, validate } from '@vigil/contracts';
import { routingView } from './routing-view';

describe('routingView', () => {
  it('shows the tree with receivers by name only, timings in ms, and the inhibition rules', () => {
    const config = validate(
      NotifyConfig,
      {
        receivers: {
          ops: { type: 'webhook', url: 'https://hooks.example.com/T0KEN/secret?sig=abc' },
          db: { type: 'wecom', key: { env: 'WECOM_KEY' } },
        },
        route: {
          receiver: 'ops',
          groupBy: ['alertname'],
          groupWait: '30s',
          repeatInterval: '4h',
          routes: [{ matchers: { team: 'db' }, receiver: 'db', continue: true, muted: true }],
        },
        inhibitRules: [{ source: { severity: 'critical' }, target: { severity: 'warning' }, equal: ['node'] }],
      },
      'notify config',
    );
    const view = routingView(config);
    expect(view).toEqual({
      route: {
        receiver: 'ops',
        matchers: [],
        continue: false,
        groupBy: ['alertname'],
        groupWaitMs: 30_000,
        repeatIntervalMs: 14_400_000,
        routes: [
          {
            receiver: 'db',
            matchers: [{ label: 'team', op: '=', value: 'db' }],
            continue: true,
            muted: true,
            routes: [],
          },
        ],
      },
      inhibitRules: [
        {
          source: [{ label: 'severity', op: '=', value: 'critical' }],
          target: [{ label: 'severity', op: '=', value: 'warning' }],
          equal: ['node'],
        },
      ],
    });
    expect(RoutingReply.parse(view)).toEqual(view);
    expect(JSON.stringify(view)).not.toMatch(/hooks\.example|T0KEN|WECOM_KEY/);
  });

  it('without a route: none, and nothing is sent', () => {
    expect(routingView(validate(NotifyConfig, {}, 'notify config'))).toEqual({ inhibitRules: [] });
  });
});
