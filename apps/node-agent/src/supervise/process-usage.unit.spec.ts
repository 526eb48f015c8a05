import { fixtureFileReader } from '../collectors/file-reader';
import { parseCpuSeconds, parseResidentBytes, readProcessUsage } from './process-usage';

// A command name with a space and a parenthesis, as a process may set it.
const stat =
  '4242 (node exp) r) S 1 4242 4242 0 -1 4194560 1830 0 0 0 250 125 0 0 20 0 9 0 123456 745472000 4300 18446744073709551615 1 1 0 0 0 0 0 0 2143420159 0 0 0 17 1 0 0 0 0 0';
const status = 'Name:\tnode_exporter\nState:\tS (sleeping)\nVmPeak:\t  730000 kB\nVmRSS:\t   17200 kB\nThreads:\t9\n';

describe('process usage', () => {
  it('reads user + system CPU seconds from /proc/<pid>/stat', () => {
    expect(parseCpuSeconds(stat)).toBe(3.75);
    expect(() => parseCpuSeconds('4242 (x) S 1')).toThrow('unexpected /proc/<pid>/stat');
  });

  it('reads VmRSS from /proc/<pid>/status in bytes, absent for a zombie', () => {
    expect(parseResidentBytes(status)).toBe(17200 * 1024);
    expect(parseResidentBytes('Name:\tx\nState:\tZ (zombie)\n')).toBeUndefined();
  });

  it('is undefined for a process that has gone', async () => {
    const proc = fixtureFileReader({ '4242/stat': stat, '4242/status': status });
    await expect(readProcessUsage(proc, 4242)).resolves.toEqual({ cpuSeconds: 3.75, residentBytes: 17200 * 1024 });
    await expect(readProcessUsage(proc, 4243)).resolves.toBeUndefined();
  });
});
