import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseYamlText, parseYamlTextPositional, type ParsedYaml } from '../../scripts/repo/parse-yaml.ts';
import { splitFrontMatter } from '../../scripts/repo/front-matter.ts';
import { parseFastYaml } from '../../scripts/repo/fast-yaml.ts';
import { generateRepo } from '../../scripts/bench/generate-repo.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';

async function yamlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await yamlFiles(p)));
    else if (/\.(ya?ml|md)$/.test(e.name)) out.push(p);
  }
  return out;
}

/** Every JSON pointer in a plain tree, keys and values, so positions can be compared everywhere. */
function pointers(v: unknown, at = ''): string[] {
  if (Array.isArray(v)) return [at, ...v.flatMap((x, i) => pointers(x, `${at}/${i}`))];
  if (v !== null && typeof v === 'object') return [at, ...Object.entries(v).flatMap(([k, x]) => pointers(x, `${at}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`))];
  return [at];
}

/** What a reader of the result sees: data, diagnostics (codes and locations), and where every value and key is. */
function observable(p: ParsedYaml) {
  const where = p.data === undefined ? [] : pointers(p.data).map((ptr) => [ptr, p.locate(ptr), p.locate(ptr, { key: true })]);
  return { data: p.data, diagnostics: p.diagnostics.map((d) => ({ code: d.code, line: d.line, col: d.col })), where };
}

/** Inputs that must fail (or take the unusual path) the same way on both paths. */
const HOSTILE: Array<[string, string]> = [
  ['duplicate key', 'id: a\nowner: b\nowner: c\n'],
  ['unclosed flow sequence', 'id: a\ngroups: [web, app\nenv: prod\n'],
  ['tab indentation', 'id: a\naddress: x\n\tuser: root\n'],
  ['custom tag', 'id: a\nx: !include other.yaml\n'],
  ['js function tag', 'id: a\nx: !!js/function "function(){}"\n'],
  ['two documents', 'id: a\n---\nid: b\n'],
  ['a list', '- a\n- b\n'],
  ['a scalar', 'just text\n'],
  ['__proto__ key', 'id: a\n__proto__:\n  polluted: true\n'],
  ['constructor key', 'id: a\nconstructor: x\n'],
  ['complex key', 'id: a\n? [x, y]\n: 1\n'],
  ['null key', 'id: a\n: 1\n'],
  ['anchors and aliases', 'id: a\nbase: &b {x: 1}\ncopy: *b\n'],
  ['deep nesting', `id: a\nx: ${'{a: '.repeat(80)}1${'}'.repeat(80)}\n`],
  ['YAML 1.1 octal and sexagesimal stay strings or core ints', 'id: a\nmode: 0644\ntime: 22:00\nflag: yes\nhex: 0x1F\noct: 0o17\n'],
  ['quoted and block scalars', 'id: a\nq: "it\'s"\nb: |\n  line 1\n  line 2\nf: >-\n  folded\n  text\n'],
  ['a key with a slash and a tilde', 'id: a\nenv:\n  "a/b~c": 1\n'],
  ['document end marker', 'id: a\n...\n'],
  ['directive', '%YAML 1.2\n---\nid: a\n'],
  ['flow mapping at the top', '{id: a, x: 1}\n'],
  ['CRLF', 'id: a\r\nowner: b\r\n'],
  ['BOM', '\ufeffid: a\n'],
  ['key:value without a space', 'id: a\nowner:b\n'],
  ['a plain scalar continued on the next line', 'id: a\ntitle: one\n  two\n'],
  ['null key', 'id: a\n~: 1\n'],
  ['bool and int keys', 'id: a\ntrue: 1\n2: b\n'],
  ['forbidden key in a flow mapping', 'id: a\nx: {__proto__: 1}\n'],
  ['prototype key', 'id: a\nprototype: 1\n'],
  [
    'very deep block nesting',
    `id: a\n${Array.from({ length: 70 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`)
      .join('\n')
      .replace(/^ /, '')} leaf\n`,
  ],
  ['numbers', 'id: a\nn: [08, 1_000, +1, .5, 1e3, 0x1F, 0o17, -0, .inf, .NaN, 0b1]\n'],
  ['booleans and nulls', 'id: a\nb: [yes, no, on, off, True, FALSE, ~, null, Null]\n'],
  ['block scalars', 'id: a\nl: |\n  x\n\n  y\nk: |+\n  z\n\nf: >-\n  p\n  q\n\n   r\n'],
  ['comments everywhere', '# head\nid: a # c\n  # odd indent\nx:\n  # before\n  - 1 # one\n# after\n'],
  ['quoted keys and odd quoting', "\"id\": a\n'x: y': \"# not a comment\"\nz: 'it''s'\n"],
  ['unicode', 'id: a\n名字: 员工 # 注释\n'],
  ['nested sequences', 'id: a\nx:\n- - 1\n  - 2\n- - 3\n'],
];

describe('the fast YAML path gives exactly the result of the positional parser', async () => {
  const files = (await Promise.all(['inventory', 'policies', 'changes', 'incidents', 'runbooks', 'test/fixtures'].map((d) => yamlFiles(path.join(repoRoot, d))))).flat();
  const inputs: Array<[string, string]> = [
    ...(await Promise.all(
      files.map(async (f): Promise<[string, string]> => {
        const text = await readFile(f, 'utf8');
        return [path.relative(repoRoot, f), f.endsWith('.md') ? (splitFrontMatter(text)?.yaml ?? '') : text];
      }),
    )),
    ...HOSTILE,
  ];

  it('covers the sample organisation, the fixtures and hostile inputs, successes and failures', () => {
    expect(files.length).toBeGreaterThan(50);
    const results = inputs.map(([, text]) => parseYamlText(text, 'x.yaml'));
    expect(results.filter((r) => r.data === undefined).length).toBeGreaterThanOrEqual(10);
    expect(results.filter((r) => r.data !== undefined).length).toBeGreaterThan(50);
  });

  it.each(inputs)('%s', (_name, text) => {
    const ours = parseYamlText(text, 'x.yaml', 1);
    const positional = parseYamlTextPositional(text, 'x.yaml', 1);
    // Data, diagnostics (codes, lines, columns) and every value's and key's position are the same, failures included.
    expect(observable(ours)).toEqual(observable(positional));
    // And the positional parser reads what the yaml library itself reads.
    const docs = parseAllDocuments(text, { schema: 'core', uniqueKeys: true });
    const reference = Array.isArray(docs) && docs.length === 1 && docs[0]!.errors.length === 0 ? docs[0]!.toJS({ maxAliasCount: 100 }) : undefined;
    if (positional.data !== undefined) expect(positional.data).toEqual(reference);
  });

  it('reads every sample document on the fast path', () => {
    const slow = inputs.slice(0, files.length).filter(([name, text]) => !name.includes('/invalid/') && parseFastYaml(text) === undefined);
    expect(slow.map(([name]) => name)).toEqual([]);
  });

  it('locates lazily, also with a front-matter offset', () => {
    const p = parseYamlText('id: a\nowner: b\n', 'runbooks/a.md', 1);
    expect(p.locate('/owner')).toEqual({ line: 3, col: 8 });
  });
});

describe('the bench generator documents read the same on both paths, all on the fast path', () => {
  it('agrees on every document of a generated repository', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'og-fast-parity-'));
    try {
      await generateRepo(repoRoot, dir, 400);
      const files = (await Promise.all(['inventory', 'policies', 'changes', 'incidents', 'runbooks'].map((d) => yamlFiles(path.join(dir, d))))).flat();
      expect(files.length).toBeGreaterThan(300);
      for (const f of files) {
        const raw = await readFile(f, 'utf8');
        const text = f.endsWith('.md') ? (splitFrontMatter(raw)?.yaml ?? '') : raw;
        const fast = parseFastYaml(text);
        expect(fast, f).toBeDefined();
        expect(observable(parseYamlText(text, 'x.yaml', 1)), f).toEqual(observable(parseYamlTextPositional(text, 'x.yaml', 1)));
        expect(fast, f).toStrictEqual(parseYamlTextPositional(text, 'x.yaml').data);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
