import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseFastYaml, readFastPositions, WARM_UP } from '../../scripts/repo/fast-yaml.ts';
import { parseYamlText } from '../../scripts/repo/parse-yaml.ts';

/** What the positional parser's library reads (schema 'core'), or undefined when it reports an error. */
export function reference(text: string): unknown {
  const docs = parseAllDocuments(text, { schema: 'core', uniqueKeys: true, strict: true, prettyErrors: false });
  if (!Array.isArray(docs) || docs.length !== 1 || docs[0]!.errors.length > 0) return undefined;
  return docs[0]!.toJS({ maxAliasCount: 100 });
}

/** Constructs the fast reader reads itself: it must return exactly the library's value (never undefined). */
const READ_FAST: Array<[string, string]> = [
  ['plain values and keys', 'id: a\nowner: b c\nk y: v\n'],
  ['trailing spaces', 'a: x   \nb: 1  \nc:   \n'],
  ['comments after values and on their own lines', 'a: x # c\nb: "y" # c\nc: [1] # c\n# full\n   # indented\nd: |  # header comment\n  t\ne: v#not-a-comment\n'],
  ['quoted keys', '"a b": 1\n\'c\': 2\n"x: y": 3\n\'it\'\'s\': 4\n"": 5\n'],
  ['keys with colons and hashes inside', 'a:b: 1\nc#d: 2\nhttp://x: 3\n'],
  ['a key with spaces before its colon', 'a  : 1\n'],
  ['nested sequences', 'a:\n- - x\n  - y\n- - z\n  -\n    - w\n'],
  ['sequences at the key indentation and deeper', 'a:\n- 1\n- 2\nb:\n    - 3\nc: d\n'],
  ['compact mappings in sequences', 'steps:\n  - id: a\n    kind: run\n    argv: [x, -y]\n  -   id: b\n      sudo: true\n  - "q": 1\n    r:\n      - s\n'],
  ['empty values', 'a:\nb: \nc: # c\nd:\n  - \n  -\n  - # c\ne:\n'],
  [': and # inside quotes', 'a: "x: y"\nb: \'p: q\'\nc: "x # y"\nd: \'#z\'\n'],
  ['unicode and CJK', 'name: 员工\n描述: 中文 # 注释\nemoji: "😀 \\u00e9"\n'],
  [
    'core-schema numbers',
    'a: 08\nb: 1_000\nc: +1\nd: .5\ne: 1e3\nf: 0x1F\ng: 0o17\nh: -0\ni: 1.\nj: -.inf\nk: .NaN\nl: 0b11\nm: 1e\nn: 12345678901234567890\no: +.5E-3\np: 0o8\nq: 0xg\nr: -.5\ns: 1.5.2\n',
  ],
  ['core-schema booleans and nulls', 'a: yes\nb: no\nc: on\nd: off\ne: True\nf: FALSE\ng: tRUE\nh: ~\ni: null\nj: Null\nk: NULL\nl: nULL\nm: y\n'],
  ['dates and times stay strings', 'd: 2026-01-01\nt: 2026-01-01T10:00:00+08:00\nh: 22:00\ns: 1:30:00\n'],
  ['double-quoted escapes', 'a: "\\x41\\u00e9\\n\\t\\\\\\"\\/\\0\\a\\b\\e\\f\\r\\v\\N\\_\\L\\P\\ "\n'],
  ['single-quoted escapes', "a: 'it''s'\nb: ''\nc: '\\n'\n"],
  ['flow collections', 'a: [x, "y", \'z\', [1, 2], {k: v}]\nb: {}\nc: []\nd: { teams: [sre-leads] }\ne: [ a , b ]\nf: {url: http://x/y, n: ~}\ng: [a:b, -1, -sI]\n'],
  ['literal block scalars', 'a: |\n  one\n\n  two\n    indented\n\n\nb: |-\n  strip\n\nc: |+\n  keep\n\n\nd: x\n'],
  ['folded block scalars', 'a: >\n  one\n  two\n\n  three\n    more\n  four\n\n\nb: >-\n  x\n  y\nc: >+\n  k\n\nd: >\n  a\n\n\n  b\n     c\n\n     d\n  e\n'],
  ['block scalars in sequences and compact mappings', 'a:\n- |\n x\n-   >-\n   y\n   z\n- k: |\n    v\n'],
  ['block scalar followed by a less indented comment', 'a: |\n    x\n  # c\nb: 1\n'],
  ['more spaces after the colon and the dash', 'a:     x\nb:\n  -    y\n'],
  ['deep nesting within the limit', `${Array.from({ length: 20 }, (_, i) => `${' '.repeat(i * 2)}k${i}:`).join('\n')} leaf\n`],
  ['a long line', `a: ${'x'.repeat(60_000)}\n`],
  ['a document without a final line break', 'a: 1\nb: [x]'],
  ['a top level indented as a whole', '  a: 1\n  b: 2\n'],
  ['plain scalars with indicators inside', 'a: x, y\nb: x]y\nc: a -b\nd: --\ne: ---\nf: "a"b"\n'.replace('f: "a"b"\n', 'f: a"b\n')],
  ['keys that look like words of YAML 1.1', 'yes: 1\nno: 2\non: 3\noff: 4\n'],
  ['the same keys in sibling and nested mappings', 'a:\n  a: 1\n  b: {a: 2, b: [{a: 3}]}\nb:\n  a: 4\n- x\n'.replace('- x\n', 'c: [{a: 5}, {a: 6}]\n')],
  ['a mapping with many keys', Array.from({ length: 60 }, (_, i) => `k${i}: ${i}\n`).join('')],
  ['keys that share length and first and last characters', 'abc: 1\naxc: 2\nnested:\n  abc: 3\n  axc: 4\n'],
  // Keys and plain values are scanned character by character (blockKeyEnd, blockPlainEnd): each way a scan stops.
  ['a value ending the text without a line break', 'a: x'],
  ['an empty value ending the text', 'a: 1\nb:'],
  ['colons inside values', 'a: b:c\nc: y::z\nd: http://h:8080/p\n'],
  ['a hash inside a value and after a space', 'a: b#c\nb: x #y: z\nc: p#q #r\n'],
  ['keys with trailing spaces, colons and hashes', 'a b  : 1\nc:d  : 2\ne#f : 3\n'],
  ['keys that share a length and their first and last letters', 'abc: 1\naxc: 2\nx:\n  abc: 3\n  ayc: 4\n'],
  [
    'more keys of one length than the key cache has slots',
    // 4,200 short and 4,200 long keys (the cache has 4,096 slots), in mappings of 100 so the reference stays quick.
    ['k', 'x'.repeat(25)]
      .flatMap((prefix) => Array.from({ length: 42 }, (_, m) => `${prefix}m${m}:\n${Array.from({ length: 100 }, (_, i) => `  ${prefix}${String(m * 100 + i).padStart(4, '0')}: ${i}\n`).join('')}`))
      .join(''),
  ],
  ['long keys that differ only near their end', `${'k'.repeat(30)}a: 1\n${'k'.repeat(30)}b: 2\nx:\n  ${'k'.repeat(30)}a: 3\n`],
  ['lines starting with dashes and dots that are not markers', 'a:\n- --x\n- ..y\n.b: 2\n..c: 3\n'],
  ['flow keys that share a length and their first and last letters', 'a: {abc: 1, axc: 2, ayc: 3}\nb: [{abc: 4}, {axc: 5}]\n'],
  ['the same key in many mappings', `${Array.from({ length: 30 }, (_, i) => `m${i}: {id: ${i}, name: n${i}}\n`).join('')}`],
  [
    'dashes after digits, numbers with exponents',
    'a: 1234-5\nb: 12-3\nc: 1.2e-5\nd: -1234-5\ne: 0000-1\nf: 1.5e-10\ng: 12e-3\nh: 123e-45\ni: 2026-13\nj: 1234-\nk: 12345\nl: .5e-5\nm: +123-4\nn: 1e-12\n',
  ],
];

/** Inputs the fast reader must leave to the positional parser (undefined). */
const LEFT_TO_POSITIONAL: Array<[string, string]> = [
  ['anchor and alias', 'a: &x 1\nb: *x\n'],
  ['tag', 'a: !!str 1\n'],
  ['directive', '%YAML 1.2\n---\na: 1\n'],
  ['document start', '---\na: 1\n'],
  ['document end', 'a: 1\n...\n'],
  ['multi-line plain scalar', 'a: one\n  two\n'],
  ['multi-line double-quoted scalar', 'a: "one\n  two"\n'],
  ['multi-line single-quoted scalar', "a: 'one\n  two'\n"],
  ['multi-line flow sequence', 'a: [x,\n  y]\n'],
  ['tab in indentation', 'a:\n\tb: 1\n'],
  ['tab after a value', 'a: 1\t# c\n'],
  ['explicit key', '? a\n: 1\n'],
  ['CRLF line breaks', 'a: 1\r\nb: 2\r\n'],
  ['byte order mark', '\ufeffa: 1\n'],
  ['duplicate key', 'a: 1\na: 2\n'],
  ['duplicate key, quoted and plain', 'a: 1\n"a": 2\n'],
  ['duplicate key in a flow mapping', 'a: {x: 1, x: 2}\n'],
  ['__proto__', 'a: 1\n__proto__: {x: 1}\n'],
  ['duplicate key after many keys', `${Array.from({ length: 40 }, (_, i) => `k${i}: ${i}\n`).join('')}k3: again\n`],
  ['duplicate key after a nested mapping', 'a:\n  x: 1\n  y: 2\nb: 1\na: 2\n'],
  ['duplicate key in a nested mapping', 'a:\n  x: 1\n  y:\n    z: 1\n  x: 2\n'],
  ['constructor', 'constructor: 1\n'],
  ['prototype', 'prototype: 1\n'],
  ['toString (inherited)', 'toString: 1\n'],
  ['a reserved key after ordinary keys', 'a: 1\nb: 2\nvalueOf: 3\n'],
  ['a reserved key, double-quoted', '"__proto__": 1\n'],
  ['a reserved key, single-quoted', "'constructor': 1\n"],
  ['a reserved key, quoted, in a flow mapping', 'a: {"hasOwnProperty": 1}\n'],
  ['a reserved key, plain, in a flow mapping', 'a: {b: 1, isPrototypeOf: 2}\n'],
  ['a reserved key in a compact mapping', 'a:\n  - x: 1\n    "toString": 2\n'],
  ['a key cut by a comment before its colon', 'a #c: 1\n'],
  ['a key cut by the line end', 'a: 1\nb\nc: 2\n'],
  ['a key at the end of the text', 'a: 1\nb'],
  ['a colon inside a flow key', 'a: {b:c: 1}\n'],
  ['a document end marker before a colon', 'a: 1\n... : 1\n'],
  ['a document start marker before a colon', 'a: 1\n--- : 1\n'],
  ['a colon inside a flow key after other keys', 'a: {x: 1, y:z: 2}\n'],
  ['a value ending in a colon', 'a: 1\nb: x:\n'],
  ['a value ending the text in a colon', 'a: x:'],
  ['merge key', 'a: 1\n<<: {b: 2}\n'],
  ['null key', '~: 1\n'],
  ['null word key', 'null: 1\n'],
  ['bool key', 'true: 1\n'],
  ['int key', '1: a\n'],
  ['float key', '1.5: a\n'],
  ['empty key', ': 1\n'],
  ['key:value without a space', 'a: 1\nkey:value\n'],
  ['nested mapping on one line', 'a: b: c\n'],
  ['top-level sequence', '- a\n- b\n'],
  ['top-level scalar', 'just text\n'],
  ['top-level flow mapping', '{a: 1}\n'],
  ['only comments', '# nothing\n'],
  ['very deep nesting', `${Array.from({ length: 40 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} leaf\n`],
  ['very deep flow nesting', `a: ${'['.repeat(40)}1${']'.repeat(40)}\n`],
  ['a key over 1000 characters', `${'k'.repeat(1001)}: 1\n`],
  ['\\U escape', 'a: "\\U0001F600"\n'],
  ['invalid escape', 'a: "\\q"\n'],
  ['comment without a space', "a: 'x'#c\n"],
  ['block scalar with an indentation indicator', 'a: |2\n   x\n'],
  ['empty block scalar', 'a: |\nb: 1\n'],
  ['block scalar with leading blank lines', 'a: |\n\n  x\n'],
  ['block scalar at the end without a line break', 'a: |\n  x'],
  ['block scalar with a deeper blank line', 'a: |\n  x\n     \n  y\n'],
  ['value less indented than its block scalar', 'a: |\n    x\n  y\n'],
  ['trailing comma', 'a: [x, ]\n'],
  ['flow mapping without a space', 'a: {x:1}\n'],
  ['implicit mapping in a flow sequence', 'a: [x: 1]\n'],
  ['comment inside a flow collection', 'a: [x #c\n  ]\n'],
  ['reserved indicator', 'a: @x\nb: `y\n'],
  ['sequence as a value on the key line', 'a: - b\n'],
  ['question mark and colon starts', 'a: ?x\nb: :y\n'],
  ['NEL and other control characters', 'a: x\u0085y\nb: \u0007\n'],
  ['mis-indented sibling', 'a:\n    b: 1\n  c: 2\n'],
  ['more indented comment after a plain value', 'a: b\n   # c\n   d\n'],
];

describe('the fast YAML reader', () => {
  it.each(READ_FAST)('reads %s exactly as the yaml library does', (_name, text) => {
    const expected = reference(text);
    expect(expected).toBeDefined();
    expect(parseFastYaml(text)).toStrictEqual(expected);
    expect(parseYamlText(text, 'x.yaml').source).toBeDefined();
  });

  it.each(LEFT_TO_POSITIONAL)('leaves %s to the positional parser', (_name, text) => {
    expect(parseFastYaml(text)).toBeUndefined();
  });

  it('reads its own warm-up document whole, exactly as the yaml library does (else the warm-up would warm nothing)', () => {
    for (const text of [WARM_UP, WARM_UP.trimEnd()]) {
      const expected = reference(text);
      expect(expected).toBeDefined();
      expect(parseFastYaml(text)).toStrictEqual(expected);
      expect(readFastPositions(text)?.data).toStrictEqual(expected);
    }
  });

  it('keeps no state from one document to the next', () => {
    expect(parseFastYaml('a: x # c\nb: 1\n')).toEqual({ a: 'x', b: 1 });
    expect(parseFastYaml('a: y\nb: 2 # c\n')).toEqual({ a: 'y', b: 2 });
    expect(parseFastYaml('a: y\nb: 2 # c\n')).toEqual({ a: 'y', b: 2 });
    expect(parseFastYaml('aa: 1\n')).toEqual({ aa: 1 });
    expect(parseFastYaml('ab: 1\n')).toEqual({ ab: 1 });
  });
});
