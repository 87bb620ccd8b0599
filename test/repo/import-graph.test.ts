import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The import graph of scripts/ (ARCHITECTURE.md, "Layers"): no file imports itself
 * through others, `converge` never imports `change` (what both need lives in `remote/`),
 * `remote/` imports neither, and `model/` imports nothing outside itself.
 * Edges are what loads at run time (`import type` is erased); a lazy `import()` counts.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const scriptsDir = path.join(repoRoot, 'scripts');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|mts)$/.test(e.name) ? [p] : [];
  });
}

/** The module specifiers a file loads at run time: static imports and re-exports (not `import type`), and `import()`. */
function runtimeSpecifiers(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (n: ts.Node) => {
    if (ts.isImportDeclaration(n) && ts.isStringLiteral(n.moduleSpecifier)) {
      const c = n.importClause;
      const named = c?.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements : undefined;
      const typeOnly = c !== undefined && (c.isTypeOnly || (!c.name && named !== undefined && named.length > 0 && named.every((e) => e.isTypeOnly)));
      if (!typeOnly) out.push(n.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(n) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      const named = n.exportClause && ts.isNamedExports(n.exportClause) ? n.exportClause.elements : undefined;
      if (!n.isTypeOnly && !(named && named.length > 0 && named.every((e) => e.isTypeOnly))) out.push(n.moduleSpecifier.text);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteral(n.arguments[0])) {
      out.push(n.arguments[0].text);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** file (relative to scripts/) → the scripts/ files it loads at run time. */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const deps = runtimeSpecifiers(f)
      .filter((s) => s.startsWith('.'))
      .map((s) => path.resolve(path.dirname(f), s).replace(/\.js$/, '.ts'))
      .filter((t) => known.has(t));
    graph.set(
      path.relative(scriptsDir, f),
      [...new Set(deps)].map((d) => path.relative(scriptsDir, d)),
    );
  }
  return graph;
}

/** Every cycle's members (Tarjan's strongly connected components of more than one file, or a self-import). */
function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || graph.get(v)?.includes(v)) out.push(scc.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

const layer = (rel: string) => rel.split(path.sep)[0]!;

describe('the import graph of scripts/', () => {
  const graph = importGraph(sourceFiles(scriptsDir));
  const edgesBetween = (from: string, to: readonly string[]) => [...graph].flatMap(([f, deps]) => (layer(f) === from ? deps.filter((d) => to.includes(layer(d))).map((d) => `${f} -> ${d}`) : []));

  it('sees the imports (the graph is not empty, and a known edge is in it)', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get(path.join('converge', 'record.ts'))).toContain(path.join('remote', 'recorder.ts'));
  });

  it('has no cycle', () => {
    expect(cyclesOf(graph)).toEqual([]);
  });

  it('finds a cycle when there is one (the detector itself)', () => {
    const g = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['d.ts']],
      ['e.ts', ['a.ts']],
    ]);
    expect(cyclesOf(g)).toEqual(expect.arrayContaining([['a.ts', 'b.ts', 'c.ts'], ['d.ts']]));
    expect(cyclesOf(g)).toHaveLength(2);
  });

  it('converge never imports change; remote imports neither', () => {
    expect(edgesBetween('converge', ['change'])).toEqual([]);
    expect(edgesBetween('remote', ['change', 'converge', 'commands'])).toEqual([]);
  });

  it('model imports nothing outside model', () => {
    expect([...graph].filter(([f]) => layer(f) === 'model').flatMap(([f, deps]) => deps.filter((d) => layer(d) !== 'model').map((d) => `${f} -> ${d}`))).toEqual([]);
  });
});
