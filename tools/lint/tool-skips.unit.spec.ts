import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * A test never skips because a tool is missing except through libs/test-support's requirement
 * helpers (`requireTool`, `requireTools`, `requireRoot`, `requirePlatform`), which throw instead
 * under CI=true: in CI nothing passes by not running. Every spec file is read; a skip must be
 * `(x ? it : it.skip)` (or `describe`/`test`) with `x` a const made only of those helpers, and no
 * spec probes for a program itself (`--version`, `command -v`, a VIGIL_SKIP_* switch).
 */

const root = resolve(__dirname, '../..');
const HELPER_CALL = /\brequire(?:Tool|Tools|Root|Platform)\((?:[^()]|\([^()]*\))*\)/g;

function specFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'dist-bundle' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...specFiles(path));
    else if (name.endsWith('.spec.ts')) out.push(path);
  }
  return out;
}

/** The consts of `source` whose initializer is nothing but requirement helpers (joined by &&). */
function requirementConsts(source: string): Set<string> {
  const names = new Set<string>();
  for (const m of source.matchAll(/\bconst\s+(\w+)\s*=\s*([^;]+);/g)) {
    const rest = m[2].replace(HELPER_CALL, '').replace(/!==\s*undefined/g, '');
    if (m[2] !== rest.trim() && /^[\s&]*$/.test(rest)) names.add(m[1]);
  }
  return names;
}

/** What is wrong with the skips of one spec's source (empty: nothing). */
export function skipProblems(source: string): string[] {
  const problems: string[] = [];
  const allowed = requirementConsts(source);
  const lines = source.split('\n');
  for (const [i, line] of lines.entries()) {
    const at = `line ${i + 1}`;
    if (/\b(xit|xdescribe|xtest)\s*\(/.test(line)) problems.push(`${at}: x-prefixed test`);
    for (const m of line.matchAll(/\b(it|describe|test)\.skip\b/g)) {
      const before = line.slice(0, m.index);
      const ternary = new RegExp(`\\b(\\w+)\\s*\\?\\s*${m[1]}\\s*:\\s*$`).exec(before);
      if (!ternary) problems.push(`${at}: ${m[1]}.skip outside \`(x ? ${m[1]} : ${m[1]}.skip)\``);
      else if (!allowed.has(ternary[1]))
        problems.push(`${at}: skips on "${ternary[1]}", which is not made by requireTool/requireRoot/requirePlatform`);
    }
    if (/\.(skipIf|runIf)\b/.test(line)) problems.push(`${at}: conditional skip helper`);
    if (/spawnSync\(\s*['"][^'"]+['"]\s*,\s*\[\s*['"]--version['"]/.test(line))
      problems.push(`${at}: probes a program with --version (use requireTool)`);
    if (/command -v /.test(line)) problems.push(`${at}: probes a program with the shell (use requireTool)`);
    if (/VIGIL_SKIP_/.test(line)) problems.push(`${at}: a skip switch in the environment`);
  }
  return problems;
}

describe('skips on a missing tool', () => {
  it('go through libs/test-support requireTool (and its kin) in every spec', () => {
    // This file's own examples of what is refused are strings, not skips.
    const files = ['apps', 'libs', 'e2e', 'tools']
      .flatMap((d) => specFiles(join(root, d)))
      .filter((f) => f !== __filename);
    expect(files.length).toBeGreaterThan(100);
    const problems = files.flatMap((file) =>
      skipProblems(readFileSync(file, 'utf8')).map((p) => `${relative(root, file)} ${p}`),
    );
    expect(problems).toEqual([]);
  });

  it('would report a skip on a hand-made check, a direct skip and a probe', () => {
    expect(
      skipProblems(
        [
          "const promtool = spawnSync('promtool', ['--version']).status === 0;",
          "(promtool ? it : it.skip)('lints', () => {});",
          "it.skip('later', () => {});",
          "xdescribe('off', () => {});",
          "const canRun = requireRoot('x') && process.env.FOO === '1';",
          "(canRun ? describe : describe.skip)('install', () => {});",
          "const skip = process.env.VIGIL_SKIP_X === '1';",
        ].join('\n'),
      ),
    ).toEqual([
      'line 1: probes a program with --version (use requireTool)',
      'line 2: skips on "promtool", which is not made by requireTool/requireRoot/requirePlatform',
      'line 3: it.skip outside `(x ? it : it.skip)`',
      'line 4: x-prefixed test',
      'line 6: skips on "canRun", which is not made by requireTool/requireRoot/requirePlatform',
      'line 7: a skip switch in the environment',
    ]);
    expect(
      skipProblems(
        [
          "const canRun = requireRoot('install.sh') && requireTools({ useradd: 'passwd', groupadd: 'passwd' });",
          "const promtool = requireTool('promtool', 'prometheus');",
          "(canRun ? describe : describe.skip)('install', () => {});",
          "(promtool ? it : it.skip)('lints', () => {});",
        ].join('\n'),
      ),
    ).toEqual([]);
  });
});
