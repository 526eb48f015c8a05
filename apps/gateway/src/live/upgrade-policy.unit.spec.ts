import { FrameRate } from './frame-rate';
import { isLivePath, originAllowed } from './upgrade-policy';

describe('live API upgrade policy', () => {
  it('serves /ws only', () => {
    expect([isLivePath('/ws'), isLivePath('/ws?x=1'), isLivePath('/ws/'), isLivePath('/wss'), isLivePath('/')]).toEqual(
      [true, true, false, false, false],
    );
  });

  it("takes a cookie from the gateway's own origin or a configured one, never from another or none", () => {
    const allowed = ['https://console.example.com'];
    expect(originAllowed('http://gw.local:8080', 'gw.local:8080', allowed)).toBe(true);
    expect(originAllowed('https://gw.example.com', 'gw.example.com', allowed)).toBe(true);
    expect(originAllowed('https://console.example.com', 'gw.example.com', allowed)).toBe(true);
    expect(originAllowed('https://evil.example.com', 'gw.example.com', allowed)).toBe(false);
    expect(originAllowed('https://gw.example.com.evil.com', 'gw.example.com', allowed)).toBe(false);
    expect(originAllowed('http://gw.local:8081', 'gw.local:8080', allowed)).toBe(false);
    expect(originAllowed('null', 'gw.local', allowed)).toBe(false);
    expect(originAllowed(undefined, 'gw.local', allowed)).toBe(false);
    expect(originAllowed('file://gw.local', 'gw.local', allowed)).toBe(false);
    expect(originAllowed('http://gw.local', 'bad host/x', [])).toBe(false);
  });
});

describe('FrameRate', () => {
  it('lets a burst of twice the rate through, then the rate', () => {
    const rate = new FrameRate(10, 20, 0);
    const burst = Array.from({ length: 25 }, () => rate.take(0)).filter(Boolean).length;
    expect(burst).toBe(20);
    expect(rate.take(50)).toBe(false);
    expect(rate.take(100)).toBe(true);
    expect(rate.take(100)).toBe(false);
    expect(Array.from({ length: 30 }, () => rate.take(10_000)).filter(Boolean).length).toBe(20);
  });
});
