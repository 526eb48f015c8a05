import { Deadlines } from './deadlines';

const T = 1_764_000_000_000;

describe('Deadlines', () => {
  beforeEach(() => jest.useFakeTimers({ now: T }));
  afterEach(() => jest.useRealTimers());

  it('calls back once a key’s deadline passes, a moved deadline counting from where it was moved', () => {
    const due: string[] = [];
    const d = new Deadlines<string>((k) => due.push(`${k}@${Date.now() - T}`));
    d.set('a', T + 1000);
    d.set('b', T + 1500);
    jest.advanceTimersByTime(500);
    d.set('a', T + 2000);
    expect(jest.getTimerCount()).toBe(2);
    jest.advanceTimersByTime(1000);
    expect(due).toEqual(['b@1500']);
    jest.advanceTimersByTime(1000);
    expect(due).toEqual(['b@1500', 'a@2000']);
    expect(d.size).toBe(0);
  });

  it('arms again for a deadline moved earlier, and forgets deleted keys', () => {
    const due: string[] = [];
    const d = new Deadlines<string>((k) => due.push(k));
    d.set('a', T + 5000);
    d.set('a', T + 100);
    d.set('b', T + 100);
    d.delete('b');
    jest.advanceTimersByTime(100);
    expect(due).toEqual(['a']);
    d.set('c', T + 10_000);
    d.clear();
    jest.advanceTimersByTime(20_000);
    expect(due).toEqual(['a']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('reaches a deadline beyond setTimeout’s longest delay', () => {
    const due: string[] = [];
    const d = new Deadlines<string>((k) => due.push(k));
    d.set('far', T + 30 * 24 * 3600_000);
    jest.advanceTimersByTime(25 * 24 * 3600_000);
    expect(due).toEqual([]);
    jest.advanceTimersByTime(5 * 24 * 3600_000);
    expect(due).toEqual(['far']);
  });
});
