import { findTool, requirePlatform, requireTool, requireTools } from './tools';

describe('requireTool', () => {
  const ci = process.env.CI;
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
  });

  it('finds a program on PATH or in the sbin directories, or by its absolute path', () => {
    expect(findTool('sh')).toMatch(/\/sh$/);
    expect(findTool('/bin/sh')).toBe('/bin/sh');
    expect(findTool('vigil-no-such-tool')).toBeUndefined();
  });

  it('answers undefined for a missing program outside CI, so the test can skip', () => {
    delete process.env.CI;
    expect(requireTool('vigil-no-such-tool', 'vigil-no-such-package')).toBeUndefined();
    expect(requireTools({ sh: 'dash', 'vigil-no-such-tool': 'x' })).toBe(false);
  });

  it('throws under CI=true, naming the Debian package', () => {
    process.env.CI = 'true';
    expect(() => requireTool('vigil-no-such-tool', 'vigil-no-such-package')).toThrow(
      'vigil-no-such-tool is not installed (Debian package "vigil-no-such-package") (CI=true: a test never skips on a missing tool in CI)',
    );
    expect(() => requirePlatform('aix')).toThrow(/not on aix/);
    expect(requireTool('sh', 'dash')).toMatch(/\/sh$/);
  });
});
