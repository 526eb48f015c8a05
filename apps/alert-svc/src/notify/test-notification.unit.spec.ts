import { testNotification } from './test-notification';

describe('testNotification', () => {
  const now = Date.parse('2026-03-01T10:00:00.000Z');

  it('is one firing, clearly labelled alert for the receiver', () => {
    const n = testNotification('ops-wecom', { now, externalUrl: 'https://vigil.example.com' });
    expect(n).toMatchObject({
      receiver: 'ops-wecom',
      status: 'firing',
      groupLabels: { alertname: 'VigilTestNotification' },
      commonLabels: { alertname: 'VigilTestNotification', severity: 'info' },
      externalUrl: 'https://vigil.example.com',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'VigilTestNotification', severity: 'info' },
          annotations: {
            summary: 'Test notification from Vigil',
            description: expect.stringContaining('receiver "ops-wecom"'),
          },
          startsAt: '2026-03-01T10:00:00.000Z',
        },
      ],
    });
    expect(n.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('is a new delivery every time', () => {
    const a = testNotification('ops', { now });
    const b = testNotification('ops', { now });
    expect(a.id).not.toBe(b.id);
    expect(a.alerts[0].fingerprint).not.toBe(b.alerts[0].fingerprint);
    expect(testNotification('ops')).not.toHaveProperty('externalUrl');
  });
});
