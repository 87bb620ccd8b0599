/**
 * Hostile files that used to take the positional parser from seconds to minutes
 * (a hostile-input sweep: 800 KB of nested `[` lines ran past 60 s, 40,000 keys
 * beside one anchor took 74 s, one error per line produced 200,000 diagnostics).
 * scripts/repo/yaml-guards.ts keeps that path linear; these tests hold what it
 * reports equal to what the library itself reports where both are meant to agree.
 */
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, LineCounter } from 'yaml';
import { parseYamlText, parseYamlTextPositional, YAML_LIMITS } from '../../scripts/repo/parse-yaml.ts';
import { deepFlowOffset, withoutStackTraces } from '../../scripts/repo/yaml-guards.ts';

describe('deep flow nesting is refused before the library reads it', () => {
  it.each([
    ['sequences, one bracket per line', 'id: ' + '[\n'.repeat(200_000) + ']\n'.repeat(200_000)],
    ['mappings, one brace per line', 'id: ' + '{a:\n'.repeat(100_000) + '1' + '}\n'.repeat(100_000)],
  ])('%s: one yaml.too-deep at the 65th opening', (_name, text) => {
    const r = parseYamlText(text.slice(0, YAML_LIMITS.maxBytes), 'changes/2026/CHG-2026-0999.yaml');
    expect(r.diagnostics.map((d) => [d.code, d.line])).toEqual([['yaml.too-deep', YAML_LIMITS.maxDepth + 1]]);
  });

  it('counts brackets only where the library would', () => {
    const deep = '['.repeat(65);
    expect(deepFlowOffset(`a: ${deep}`, 64)).toBe(3 + 64);
    expect(deepFlowOffset(`a: "${deep}"`, 64)).toBeUndefined(); // quoted
    expect(deepFlowOffset(`a: '${deep}'`, 64)).toBeUndefined();
    expect(deepFlowOffset(`a: 1 # ${deep}\n`, 64)).toBeUndefined(); // a comment
    expect(deepFlowOffset(`a: ${'[]'.repeat(1000)}`, 64)).toBeUndefined(); // wide, not deep
    expect(deepFlowOffset(`a: don't ${deep}`, 64)).toBeUndefined(); // inside a plain scalar
    expect(deepFlowOffset(`cmd: test ${'[ '.repeat(65)}`, 64)).toBeUndefined();
    expect(deepFlowOffset(`a: b${deep}`, 64)).toBeUndefined();
    expect(deepFlowOffset(`- ${deep}`, 64)).toBe(2 + 64);
    expect(deepFlowOffset(`a: &x ${deep}`, 64)).toBe(6 + 64);
    expect(deepFlowOffset(`${deep}`, 64)).toBe(64);
    expect(deepFlowOffset(`a: [x, '${deep}', "${deep}"]`, 64)).toBeUndefined(); // quoted inside flow
  });
});

/** What the library reports with its own (quadratic) repeated-key check. */
function libraryDuplicates(text: string): [string, number, number][] {
  const lineCounter = new LineCounter();
  const [doc] = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true, schema: 'core' }) as ReturnType<typeof parseAllDocuments> & unknown[];
  return (doc as { errors: { code: string; pos: [number, number] }[] }).errors.map((e) => {
    const p = lineCounter.linePos(e.pos[0]);
    return [e.code === 'DUPLICATE_KEY' ? 'yaml.duplicate-key' : 'yaml.syntax', p.line, p.col];
  });
}

describe('repeated keys, found in one pass', () => {
  it.each([
    ['top level', 'a: 1\nb: 2\na: 3\n'],
    ['nested, after the parent', 'a:\n  x: 1\n  x: 2\na: 3\nb: 4\n'],
    ['in a flow mapping', 'a: {x: 1, y: 2, x: 3}\n'],
    ['in a sequence of mappings', 'a:\n  - x: 1\n    x: 2\n  - x: 3\n'],
    ['a number and a string are different keys', '1: a\n"1": b\n'],
    ['1 and 1.0 are the same number', '1: a\n1.0: b\n'],
    ['null twice', '~: a\nnull: b\n'],
    ['true and True', 'true: a\nTrue: b\n'],
    ['with an anchor on the key', '&k a: 1\na: 2\n'],
    ['three times', 'a: 1\na: 2\na: 3\n'],
    ['beside a syntax error', 'a: 1\na: 2\nb: [\nc: 3\n'],
    ['quoted and plain', 'a: 1\n"a": 2\n\'a\': 3\n'],
  ])('%s: the same diagnostics, at the same places, as the library', (_name, text) => {
    const ours = parseYamlTextPositional(text, 'x.yaml').diagnostics.map((d) => [d.code, d.line, d.col]);
    expect(ours).toEqual(libraryDuplicates(text));
  });

  it('40,000 keys beside one anchor parse (the library alone took over a minute)', () => {
    const text = 'x: &anchor 1\n' + Array.from({ length: 40_000 }, (_, i) => `k${i}: v\n`).join('');
    const r = parseYamlText(text, 'x.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(Object.keys(r.data as object)).toHaveLength(40_001);
  }, 120_000);
});

describe('a file with an error on every line', () => {
  it(`reports the first ${YAML_LIMITS.maxProblems} and how many more`, () => {
    const r = parseYamlText('a: b: c\n' + 'k: 1\nk: 2\n'.repeat(1000), 'x.yaml');
    expect(r.diagnostics).toHaveLength(YAML_LIMITS.maxProblems + 1);
    const last = r.diagnostics.at(-1)!;
    expect(last.code).toBe('yaml.more-problems');
    expect(last.message).toMatch(/^and \d+ more problems in this file/);
    expect(Number(/and (\d+)/.exec(last.message)![1]) + YAML_LIMITS.maxProblems).toBe(1 + 1999);
  });
});

describe('withoutStackTraces', () => {
  it('restores the limit even when the call throws', () => {
    const before = Error.stackTraceLimit;
    expect(() =>
      withoutStackTraces(() => {
        expect(Error.stackTraceLimit).toBe(0);
        throw new Error('x');
      }),
    ).toThrow('x');
    expect(Error.stackTraceLimit).toBe(before);
  });
});
