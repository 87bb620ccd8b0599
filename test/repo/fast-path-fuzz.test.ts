import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFastYaml } from '../../scripts/repo/fast-yaml.ts';
import { fastLocator, lineColOf } from '../../scripts/repo/fast-locate.ts';
import { splitFrontMatter } from '../../scripts/repo/front-matter.ts';
import { parseYamlTextPositional } from '../../scripts/repo/parse-yaml.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';

/**
 * Generated documents, hostile and ordinary, read by the fast reader and by the
 * positional parser: whenever the fast reader answers, its value is exactly the
 * positional parser's (undefined, leaving the document to the positional parser,
 * is always allowed; a different value never is). The same for positions: where
 * the fast locator answers, its line and column for every key and value (and for
 * pointers one step past them, which resolve to their nearest ancestor) are the
 * positional parser's. Fixed seeds: reproducible.
 */

function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

const HOSTILE_SCALARS = [
  'x: y',
  '"a: b # c"',
  "'# x'",
  '[a, ]',
  '[-, a]',
  '{a: }',
  '{a:1}',
  '{"a": 1}',
  '[a: b]',
  '"x" y',
  '&x a',
  '*x',
  '!t a',
  '? a',
  ': a',
  '- a',
  '@a',
  '`a',
  '%a',
  '|',
  '>',
  '---',
  '...',
  '"\\U0001F600"',
  '"\\N"',
  '"\\q"',
  '"\\ud800"',
  '"',
  "'",
  'a\tb',
  'a\rb',
  '\ufeffa',
  '0b11',
  '1.5.2',
];
const SCALARS = [
  'a',
  'b c',
  'x:y',
  'a #b',
  'a#b',
  "'q'",
  "'it''s'",
  '"e\\"s\\n\\t\\x41\\u00e9\\/\\\\"',
  '~',
  'null',
  'Null',
  'NULL',
  'true',
  'True',
  'FALSE',
  'yes',
  'off',
  '08',
  '1_000',
  '+1',
  '-1',
  '.5',
  '1e3',
  '1.',
  '-0',
  '0x1F',
  '0o17',
  '.inf',
  '-.Inf',
  '.nan',
  '2026-01-01',
  '22:00',
  'http://x/y',
  '-sI',
  '中文',
  'é',
  '[a, b]',
  '[]',
  '{}',
  '{a: 1, b: [x, y]}',
  '[a, [b, c], {d: e}]',
  '[ a , b ]',
  '[a:b]',
  '1 # c',
  'a  ',
  'a ]',
  'a, b',
  "''",
  '""',
];
const KEYS = ['a', 'b', 'id', 'k y', '"q"', "'s'", 'yes', 'é', 'c', 'd', 'e', 'a:b', 'a#'];
const HOSTILE_KEYS = ['true', '1', 'null', '~', '-a', '__proto__', 'constructor', 'prototype', '<<', '"x: y"', 'a ', '? a', '[a]', '&a a', 'toString'];
const BLOCK_HEADERS = ['|', '|-', '|+', '>', '>-', '>+', '| # c'];
const HOSTILE_HEADERS = ['|2', '|#c', '>1', '|+-', '> x'];

class DocumentGenerator {
  constructor(
    private readonly rnd: () => number,
    private readonly hostile: boolean,
  ) {}

  private pick<T>(ordinary: T[], hostile: T[]): T {
    const from = this.hostile && this.rnd() < 0.15 ? hostile : ordinary;
    return from[Math.floor(this.rnd() * from.length)]!;
  }

  document(): string {
    return this.map(0, 0) + (this.rnd() < 0.9 ? '\n' : '');
  }

  private blockBody(indent: number): string {
    const lines: string[] = [];
    const count = 1 + Math.floor(this.rnd() * 5);
    for (let i = 0; i < count; i++) {
      const r = this.rnd();
      if (r < 0.2) lines.push('');
      else if (r < 0.3) lines.push(' '.repeat(indent + Math.floor(this.rnd() * 3)));
      else if (r < 0.5) lines.push(' '.repeat(indent + 1 + Math.floor(this.rnd() * 2)) + this.pick(SCALARS, HOSTILE_SCALARS));
      else if (r < 0.55) lines.push(' '.repeat(Math.max(0, indent - 1)) + this.pick(SCALARS, HOSTILE_SCALARS));
      else lines.push(' '.repeat(indent) + this.pick(SCALARS, HOSTILE_SCALARS));
    }
    return lines.join('\n');
  }

  private node(indent: number, depth: number, inSeq: boolean): string {
    const r = this.rnd();
    if (depth > 4 || r < 0.45) return ' ' + this.pick(SCALARS, HOSTILE_SCALARS);
    if (r < 0.55) return ' ' + this.pick(BLOCK_HEADERS, HOSTILE_HEADERS) + '\n' + this.blockBody(indent + 1 + Math.floor(this.rnd() * 2));
    if (r < 0.6) return '';
    if (r < 0.62) return ' # c';
    const child = indent + (this.rnd() < 0.2 && !inSeq ? 0 : 1 + Math.floor(this.rnd() * 2));
    return '\n' + (this.rnd() < 0.5 ? this.map(child, depth + 1) : this.seq(child, depth + 1));
  }

  private map(indent: number, depth: number): string {
    const lines: string[] = [];
    const count = 1 + Math.floor(this.rnd() * 4);
    for (let i = 0; i < count; i++) {
      const colon = this.hostile && this.rnd() < 0.03 ? '' : ':';
      lines.push(' '.repeat(indent) + this.pick(KEYS, HOSTILE_KEYS) + colon + this.node(indent, depth, false));
      if (this.rnd() < 0.1) lines.push(' '.repeat(Math.floor(this.rnd() * 6)) + this.pick(['# c', '', '#'], ['\t# c', '---', '...']));
    }
    return lines.join('\n');
  }

  private seq(indent: number, depth: number): string {
    const lines: string[] = [];
    const count = 1 + Math.floor(this.rnd() * 3);
    for (let i = 0; i < count; i++) {
      const r = this.rnd();
      if (r < 0.2) lines.push(' '.repeat(indent) + '- ' + this.map(indent + 2, depth + 1).trimStart());
      else if (r < 0.3) lines.push(' '.repeat(indent) + '- - ' + this.pick(SCALARS, HOSTILE_SCALARS));
      else lines.push(' '.repeat(indent) + '-' + this.node(indent, depth, true));
    }
    return lines.join('\n');
  }
}

/** Random edits of the sample's documents: insertions of YAML's special characters, deletions, replacements. */
function mutate(rnd: () => number, text: string): string {
  const SNIPPETS = [
    ':',
    ': ',
    ' ',
    '  ',
    '\n',
    '\n  ',
    '\n- ',
    '- ',
    '#',
    ' #',
    "'",
    '"',
    '\\',
    '[',
    ']',
    '{',
    '}',
    ',',
    '|',
    '|-',
    '|+',
    '>',
    '>-',
    '~',
    'null',
    'true',
    '0x1F',
    '08',
    '-',
    '---',
    '&a',
    '*a',
    '!x',
    '?',
    '\t',
    '\r',
    '中',
    '\\n',
    "''",
    '\n    ',
    '\n ',
    '<<',
  ];
  let out = text;
  const edits = 1 + Math.floor(rnd() * 3);
  for (let e = 0; e < edits; e++) {
    const i = Math.floor(rnd() * out.length);
    const snippet = SNIPPETS[Math.floor(rnd() * SNIPPETS.length)]!;
    const r = rnd();
    if (r < 0.5) out = out.slice(0, i) + snippet + out.slice(i);
    else if (r < 0.8) out = out.slice(0, i) + out.slice(i + 1 + Math.floor(rnd() * 3));
    else out = out.slice(0, i) + snippet + out.slice(i + 1);
  }
  return out;
}

function sampleDocuments(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((e) => {
      const p = path.join(dir, e);
      return statSync(p).isDirectory() ? walk(p) : /\.(ya?ml|md)$/.test(e) ? [p] : [];
    });
  return ['policies', 'inventory', 'changes', 'incidents', 'runbooks'].flatMap((d) =>
    walk(path.join(repoRoot, d)).map((f) => {
      const text = readFileSync(f, 'utf8');
      return f.endsWith('.md') ? (splitFrontMatter(text)?.yaml ?? '') : text;
    }),
  );
}

/** Every JSON pointer of a plain tree, and one step past each (a missing key, an index, the empty step). */
function probes(v: unknown, at = ''): string[] {
  const here = [at, `${at}/zz`, `${at}/0`, `${at}/`];
  if (Array.isArray(v)) return [...here, ...v.flatMap((x, i) => probes(x, `${at}/${i}`))];
  if (v !== null && typeof v === 'object') return [...here, ...Object.entries(v).flatMap(([k, x]) => probes(x, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`))];
  return here;
}

/** Runs the documents through both readers; returns how many the fast one read, how many positions it answered, and the first disagreements. */
function compare(documents: Iterable<string>): { fast: number; total: number; located: number; disagreements: string[] } {
  let fast = 0;
  let total = 0;
  let located = 0;
  const disagreements: string[] = [];
  for (const text of documents) {
    total++;
    const ours = parseFastYaml(text);
    if (ours === undefined) continue;
    fast++;
    const positional = parseYamlTextPositional(text, 'x.yaml');
    const locate = fastLocator(text)!;
    try {
      expect(ours).toStrictEqual(positional.data);
      for (const pointer of probes(ours))
        for (const key of [false, true]) {
          const offset = locate(pointer, key);
          if (offset === undefined) continue;
          located++;
          expect([pointer, key, lineColOf(text, offset)]).toEqual([pointer, key, positional.locate(pointer, { key })]);
        }
    } catch {
      if (disagreements.length < 5) disagreements.push(JSON.stringify(text));
    }
  }
  return { fast, total, located, disagreements };
}

function* generated(seed: number, count: number, hostile: boolean): Generator<string> {
  const g = new DocumentGenerator(random(seed), hostile);
  for (let i = 0; i < count; i++) yield g.document();
}

describe('generated documents read the same on the fast path as on the positional path', () => {
  it.each([1, 2, 3])('ordinary documents from the grammar, seed %i', (seed) => {
    const r = compare(generated(seed, 1500, false));
    expect(r.disagreements).toEqual([]);
    // Most ordinary documents are read fast: the test cannot pass by always declining.
    expect(r.fast).toBeGreaterThan(r.total * 0.35);
    expect(r.located).toBeGreaterThan(r.fast * 5);
  });

  it.each([4, 5, 6])('hostile documents from the grammar, seed %i', (seed) => {
    const r = compare(generated(seed, 1500, true));
    expect(r.disagreements).toEqual([]);
    expect(r.fast).toBeGreaterThan(r.total * 0.05);
    expect(r.located).toBeGreaterThan(r.fast * 5);
  });

  it('edited sample documents', () => {
    const samples = sampleDocuments();
    const rnd = random(7);
    const docs = Array.from({ length: 1500 }, () => mutate(rnd, samples[Math.floor(rnd() * samples.length)]!));
    const r = compare(docs);
    expect(r.disagreements).toEqual([]);
    expect(r.fast).toBeGreaterThan(r.total * 0.3);
    expect(r.located).toBeGreaterThan(r.fast * 20);
  }, 120_000);
});
