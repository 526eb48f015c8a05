import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Imports go in one direction: no file of an app or library imports, through relative imports,
 * a file that imports it back (directly or around a longer loop), and the layers the structure
 * issue names stay apart. Every non-spec `.ts` and `.tsx` file under `apps/<app>/src` and `libs/<lib>/src`
 * is read with the TypeScript compiler's import scanner (type-only imports count: they tie the
 * files together all the same).
 */

const root = resolve(__dirname, '../..');

/** File → the files it imports (paths relative to the repository, `/`-separated). */
type Graph = Map<string, Set<string>>;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name) && !name.endsWith('.spec.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The `.ts`/`.tsx` file a relative specifier names (`./x`, `./x.js`, `./dir` with an index), if any. */
function resolveRelative(from: string, specifier: string): string | undefined {
  const base = resolve(dirname(from), specifier);
  const stem = base.endsWith('.js') ? base.slice(0, -3) : base;
  for (const candidate of [`${stem}.ts`, `${stem}.tsx`, join(stem, 'index.ts')])
    if (existsSync(candidate)) return candidate;
  return undefined;
}

const repoPath = (path: string) => relative(root, path).split('\\').join('/');

function workspaceGraph(): Graph {
  const files: string[] = [];
  for (const kind of ['apps', 'libs']) {
    for (const project of readdirSync(join(root, kind))) {
      const src = join(root, kind, project, 'src');
      if (existsSync(src)) files.push(...sourceFiles(src));
    }
  }
  const graph: Graph = new Map();
  for (const file of files) {
    const imports = new Set<string>();
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = resolveRelative(file, fileName);
      if (target) imports.add(repoPath(target));
    }
    graph.set(repoPath(file), imports);
  }
  return graph;
}

/**
 * The import cycles of a graph: each strongly connected component of more than one file, and
 * each file that imports itself, as sorted lists of files (Tarjan's algorithm, iterative).
 */
function importCycles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let next = 0;
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; edges: Iterator<string> }[] = [];
    const enter = (node: string) => {
      index.set(node, next);
      low.set(node, next++);
      stack.push(node);
      onStack.add(node);
      work.push({ node, edges: (graph.get(node) ?? new Set<string>()).values() });
    };
    enter(start);
    while (work.length > 0) {
      const frame = work[work.length - 1];
      const edge = frame.edges.next();
      if (!edge.done) {
        const to = edge.value;
        if (!index.has(to)) enter(to);
        else if (onStack.has(to)) low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1].node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) !== index.get(frame.node)) continue;
      const component: string[] = [];
      for (let member = ''; member !== frame.node;) {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      }
      if (component.length > 1 || graph.get(frame.node)?.has(frame.node)) cycles.push(component.sort());
    }
  }
  return cycles.sort((a, b) => a[0].localeCompare(b[0]));
}

/** A shortest loop through the first file of a cycle, to show how the files hold each other. */
function loopThrough(graph: Graph, cycle: string[]): string[] {
  const members = new Set(cycle);
  const start = cycle[0];
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const to of graph.get(node) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [start];
        for (let at = node; at !== start; at = cameFrom.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!cameFrom.has(to)) {
        cameFrom.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start];
}

/** Imports from files under `from` into files under `to`, as `importer -> imported`. */
function importsAcross(graph: Graph, from: string, to: string): string[] {
  const found: string[] = [];
  for (const [file, imports] of graph) {
    if (!file.startsWith(from)) continue;
    for (const target of imports) if (target.startsWith(to)) found.push(`${file} -> ${target}`);
  }
  return found.sort();
}

const graphOf = (edges: Record<string, string[]>): Graph =>
  new Map(Object.entries(edges).map(([file, imports]) => [file, new Set(imports)]));

describe('the cycle finder', () => {
  it('finds every loop of a synthetic graph, self-imports included, and nothing in a tree', () => {
    const graph = graphOf({
      a: ['b'],
      b: ['c', 'd'],
      c: ['a'],
      d: ['e'],
      e: ['f'],
      f: ['e'],
      g: ['g'],
      h: ['a', 'g'],
    });
    expect(importCycles(graph)).toEqual([['a', 'b', 'c'], ['e', 'f'], ['g']]);
    expect(loopThrough(graph, ['a', 'b', 'c'])).toEqual(['a', 'b', 'c', 'a']);
    expect(loopThrough(graph, ['g'])).toEqual(['g', 'g']);
    expect(importCycles(graphOf({ a: ['b', 'c'], b: ['c'], c: [], d: ['a'] }))).toEqual([]);
  });

  it('finds a loop deeper than the call stack would allow a recursive search', () => {
    const n = 20_000;
    const edges: Record<string, string[]> = {};
    for (let i = 0; i < n; i++) edges[`f${i}`] = [`f${(i + 1) % n}`];
    expect(importCycles(graphOf(edges))[0]).toHaveLength(n);
  });

  it('names the imports that cross from one folder into another', () => {
    const graph = graphOf({ 'src/ingest/a.ts': ['src/query/q.ts', 'src/ingest/b.ts'], 'src/query/q.ts': [] });
    expect(importsAcross(graph, 'src/ingest/', 'src/query/')).toEqual(['src/ingest/a.ts -> src/query/q.ts']);
    expect(importsAcross(graph, 'src/query/', 'src/ingest/')).toEqual([]);
  });
});

describe('the import graph of apps/*/src and libs/*/src', () => {
  const graph = workspaceGraph();

  it('reads the workspace (relative imports resolved)', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('libs/contracts/src/index.ts')).toContain('libs/contracts/src/topology.ts');
  });

  it('has no import cycle', () => {
    const report = importCycles(graph).map(
      (cycle) => `${cycle.length} files: ${loopThrough(graph, cycle).join(' -> ')}\n    ${cycle.join('\n    ')}`,
    );
    expect(report).toEqual([]);
  });

  it.each([
    ['metrics-svc ingest', 'apps/metrics-svc/src/ingest/', 'apps/metrics-svc/src/query/'],
    ['metrics-svc storage', 'apps/metrics-svc/src/storage/', 'apps/metrics-svc/src/query/'],
    ['alert-svc notify', 'apps/alert-svc/src/notify/', 'apps/alert-svc/src/evaluation/'],
    ['alert-svc evaluation', 'apps/alert-svc/src/evaluation/', 'apps/alert-svc/src/notify/'],
  ])('%s: nothing under %s imports %s', (_name, from, to) => {
    expect(importsAcross(graph, from, to)).toEqual([]);
  });
});
