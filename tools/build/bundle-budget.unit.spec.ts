import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_BUDGET_BYTES, initialScripts, measure } from './bundle-budget';

const SCRIPT = join(__dirname, 'bundle-budget.js');

/** A built console in a temporary folder: index.html loading `entry` (and preloading `chunk`). */
function dist(entry: Buffer, chunk?: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-budget-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'assets', 'index-abc12345.js'), entry);
  if (chunk) writeFileSync(join(dir, 'assets', 'vendor-def67890.js'), chunk);
  writeFileSync(join(dir, 'assets', 'later-00000000.js'), randomBytes(400 * 1024));
  writeFileSync(
    join(dir, 'index.html'),
    `<!doctype html><html><head><script type="module" crossorigin src="/assets/index-abc12345.js"></script>${
      chunk ? '<link rel="modulepreload" crossorigin href="/assets/vendor-def67890.js">' : ''
    }<link rel="stylesheet" href="/assets/index-1.css"></head><body></body></html>`,
  );
  return dir;
}

describe('the console’s JavaScript budget (tools/build/bundle-budget.js)', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const make = (entry: Buffer, chunk?: Buffer) => {
    const d = dist(entry, chunk);
    dirs.push(d);
    return d;
  };

  it('counts the module scripts and preloads index.html loads at once, not later chunks or styles', () => {
    expect(
      initialScripts(
        '<script type="module" src="/assets/a.js"></script><link rel="modulepreload" href="/assets/b.js"><link rel="stylesheet" href="/c.css"><link rel="icon" href="data:,">',
      ),
    ).toEqual(['/assets/a.js', '/assets/b.js']);
    const d = make(Buffer.from('export const a = 1;\n'.repeat(1000)), Buffer.from('export const b = 2;\n'));
    const result = measure(d);
    expect(result.files.map((f) => f.file)).toEqual(['/assets/index-abc12345.js', '/assets/vendor-def67890.js']);
    expect(result.gzipBytes).toBeLessThan(result.files[0].bytes);
    expect(result).toMatchObject({ budgetBytes: DEFAULT_BUDGET_BYTES, ok: true });
  });

  it('passes within the budget and fails the build above it, printing the figures as JSON', () => {
    const small = spawnSync(process.execPath, [SCRIPT, make(randomBytes(100 * 1024))], { encoding: 'utf8' });
    expect(small.status).toBe(0);
    expect(JSON.parse(small.stdout).initialJs).toMatchObject({ ok: true, budgetBytes: 300 * 1024 });
    // Random bytes do not compress: 200 KiB + 120 KiB gzipped is over 300 KiB.
    const big = spawnSync(process.execPath, [SCRIPT, make(randomBytes(200 * 1024), randomBytes(120 * 1024))], {
      encoding: 'utf8',
    });
    expect(big.status).toBe(1);
    expect(JSON.parse(big.stdout).initialJs.ok).toBe(false);
    expect(big.stderr).toMatch(/over its budget of 307200/);
    const tight = spawnSync(process.execPath, [SCRIPT, make(randomBytes(20 * 1024)), '--budget-kb', '10'], {
      encoding: 'utf8',
    });
    expect(tight.status).toBe(1);
  });

  it('fails when index.html names a script that is not there', () => {
    const d = make(Buffer.from('x'));
    rmSync(join(d, 'assets', 'index-abc12345.js'));
    const r = spawnSync(process.execPath, [SCRIPT, d], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/ENOENT/);
  });
});
