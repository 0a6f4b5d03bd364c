/**
 * The shape of the code: the folder-level import graph of the published and example code has no
 * circle (each folder is one unit; a folder's files may import each other freely). The direction
 * rules themselves are lint (tools/lint/boundaries.mjs).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');
const SOURCES = ['lib', 'lambdas', 'tools', 'bin'];

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = posix.join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Relative import specifiers of a file: static, re-exports and dynamic `import()`. */
function relativeImports(source: string): string[] {
  const found = [...source.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)(['"])(\.{1,2}\/[^'"]+)\1/g)].map((m) => m[2]);
  return [...new Set(found)];
}

/** Folder -> folders it imports from (other than itself). */
export function folderGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of SOURCES.flatMap(sourceFiles)) {
    const from = posix.dirname(file);
    const edges = graph.get(from) ?? new Set<string>();
    graph.set(from, edges);
    for (const spec of relativeImports(readFileSync(join(ROOT, file), 'utf8'))) {
      const target = relative(ROOT, resolve(ROOT, dirname(file), spec)).split('\\').join('/');
      let folder = target;
      try {
        if (!statSync(join(ROOT, target)).isDirectory()) folder = posix.dirname(target);
      } catch {
        folder = posix.dirname(target);
      }
      if (folder !== from) edges.add(folder);
    }
  }
  return graph;
}

/** Strongly connected components with more than one folder (Tarjan). */
function circles(graph: Map<string, Set<string>>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const on = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) {
        low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

describe('architecture', () => {
  it('the folder-level import graph has no circle', () => {
    expect(circles(folderGraph())).toEqual([]);
  });

  it('the construct library, Lambda code and tools never import the example app', () => {
    const graph = folderGraph();
    const offenders = [...graph.entries()]
      .filter(([from]) => !from.startsWith('bin'))
      .flatMap(([from, to]) => [...to].filter((t) => t.startsWith('bin')).map((t) => `${from} -> ${t}`));
    expect(offenders).toEqual([]);
  });

  it('the contract imports nothing else of the project, the schedule engine only the contract (its error base)', () => {
    const graph = folderGraph();
    expect([...(graph.get('lib/contract') ?? [])]).toEqual([]);
    expect([...(graph.get('lib/schedule') ?? [])]).toEqual(['lib/contract']);
  });
});
