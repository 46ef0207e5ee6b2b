/**
 * The architecture's layering (docs/architecture.md): no source file imports itself through
 * others, and no folder of src/ does (a folder imports another when one of its files imports a
 * file there; a file directly in src/ counts as its own folder). Type-only imports count: they are
 * dependencies of the design even when the compiler erases them. A new cycle fails here, naming
 * the files that close it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './helpers/cli.js';

const SRC = path.join(ROOT, 'src');

/** Every .ts file under `dir` (declaration files left out), relative to src/. */
function sourceFiles(dir = SRC): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path.relative(SRC, full)] : [];
  });
}

/** Relative imports of a file: `import ... from './x.js'`, `export ... from`, `import('./x.js')`. */
const IMPORT = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** file -> the files it imports, all relative to src/. */
function importGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sourceFiles()) {
    const text = fs.readFileSync(path.join(SRC, file), 'utf8');
    const targets = new Set<string>();
    for (const m of text.matchAll(IMPORT)) {
      const target = path.normalize(path.join(path.dirname(file), m[1] ?? m[2])).replace(/\.js$/, '.ts');
      if (fs.existsSync(path.join(SRC, target))) targets.add(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** The strongly connected components of more than one node (Tarjan). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const onStack = new Set<string>();
  const order = new Map<string, number>();
  const low = new Map<string, number>();
  const found: string[][] = [];
  const visit = (v: string) => {
    order.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!order.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, order.get(w)!));
      }
    }
    if (low.get(v) === order.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!order.has(v)) visit(v);
  return found;
}

/** A file's folder under src/ (a file directly in src/ is its own). */
const folderOf = (file: string) => file.split(path.sep)[0];

test('no source file is in an import cycle', () => {
  const graph = importGraph();
  assert.ok(graph.size > 50, `read ${graph.size} source files`);
  assert.deepEqual(cycles(graph), []);
});

test('no folder of src/ is in an import cycle', () => {
  const graph = importGraph();
  const folders = new Map<string, Set<string>>();
  const why = new Map<string, string>();
  for (const [file, targets] of graph) {
    const from = folderOf(file);
    if (!folders.has(from)) folders.set(from, new Set());
    for (const target of targets) {
      const to = folderOf(target);
      if (to === from) continue;
      folders.get(from)!.add(to);
      if (!why.has(`${from} -> ${to}`)) why.set(`${from} -> ${to}`, `${file} imports ${target}`);
    }
  }
  const found = cycles(folders).map((component) => {
    const inside = new Set(component);
    const edges = [...why].filter(([edge]) => edge.split(' -> ').every((f) => inside.has(f))).map(([edge, example]) => `${edge} (${example})`);
    return `${component.join(', ')}: ${edges.join('; ')}`;
  });
  assert.deepEqual(found, []);
});

test('the cycle finder finds a cycle (so the tests above can fail)', () => {
  const graph = new Map([['a.ts', new Set(['b.ts'])], ['b.ts', new Set(['c.ts'])], ['c.ts', new Set(['a.ts'])], ['d.ts', new Set(['a.ts'])]]);
  assert.deepEqual(cycles(graph), [['a.ts', 'b.ts', 'c.ts']]);
});
