import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastLocator, lineColOf } from '../../scripts/repo/fast-locate.ts';
import { parseYamlTextPositional } from '../../scripts/repo/parse-yaml.ts';
import { BIN } from '../helpers/bin.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';

/**
 * Positions of a document the fast reader read, answered by the fast reader
 * itself (fast-locate.ts) instead of a second parse with the `yaml` library:
 * the same line and column as the library's, and no answer where it is not
 * certain. The parity and generative tests compare every path of their corpora;
 * here, each construct, and that a lint run never loads the library for them.
 */

const DOC = [
  '# a comment line first',
  'id: a',
  'list:',
  '- x',
  '- "q"',
  '- a: 1',
  '  b: [p, {c: d}]',
  '- - n1',
  '  - n2',
  'map:',
  '',
  '  # comment before the first key',
  "  'k y': |",
  '    text',
  '  flow: { e: 1, f: [2, 3] }',
  '  folded: >-',
  '    more',
  'empty:',
  'after: 1 # trailing',
  '',
].join('\n');

const cases: Array<[string, boolean]> = [
  ['', false],
  ['/id', false],
  ['/id', true],
  ['/list', false],
  ['/list', true],
  ['/list/0', false],
  ['/list/0', true],
  ['/list/1', false],
  ['/list/2', false],
  ['/list/2/a', true],
  ['/list/2/b', false],
  ['/list/2/b/1', false],
  ['/list/2/b/1/c', false],
  ['/list/2/b/1/c', true],
  ['/list/3', false],
  ['/list/3/1', false],
  ['/map', false],
  ['/map/k y', false],
  ['/map/k y', true],
  ['/map/flow/e', false],
  ['/map/flow/f/1', false],
  ['/map/folded', false],
  ['/after', false],
  ['/missing', false],
  ['/map/missing', true],
  ['/list/9', false],
  ['/list/', false],
  ['/list/1.5', true],
  ['/id/deeper', false],
];

describe('fastLocator', () => {
  const locate = fastLocator(DOC)!;
  const positional = parseYamlTextPositional(DOC, 'x.yaml');

  it.each(cases)('%s (key: %s) is where the yaml library puts it', (pointer, key) => {
    const offset = locate(pointer, key);
    expect(offset).toBeDefined();
    expect(lineColOf(DOC, offset!)).toEqual(positional.locate(pointer, { key }));
  });

  it('does not answer for an empty value, whose position the library derives from the tokens around it', () => {
    expect(locate('/empty', false)).toBeUndefined();
    expect(locate('/empty/x', false)).toBeUndefined();
    // Its key is certain.
    expect(lineColOf(DOC, locate('/empty', true)!)).toEqual(positional.locate('/empty', { key: true }));
  });

  it('does not answer for a text the fast reader leaves to the library', () => {
    expect(fastLocator('a: &x 1\nb: *x\n')).toBeUndefined();
  });
});

describe('lint locates diagnostics on fast-read documents without the yaml library', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'og-fast-locate-'));
    for (const sub of ['schemas', 'policies', 'inventory', 'runbooks']) cpSync(path.join(repoRoot, sub), path.join(dir, sub), { recursive: true });
    writeFileSync(
      path.join(dir, 'inventory/hosts/w-bad.yaml'),
      'id: w-bad\naddress: 10.20.9.9\nuser: opsgate\nhost_keys: []\ngroups: [web]\nenv: test\ncriticality: low\nowner_team: ops\ncolour: blue\nport: "22"\n',
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports schema errors at their lines, and the library is never loaded', async () => {
    // A preload that tells when anything loads the `yaml` package (ESM imports of it go through Module._load too).
    const hook = path.join(dir, 'yaml-watch.cjs');
    writeFileSync(
      hook,
      "const M = require('node:module'); const load = M._load; M._load = function (request, ...rest) { if (/(^yaml$)|node_modules[\\\\/]yaml[\\\\/]/.test(request)) process.stderr.write('YAML-LOADED\\n'); return load.call(this, request, ...rest); };\n",
    );
    const r = await promisify(execFile)(process.execPath, ['--require', hook, BIN, '--root', dir, 'lint', '--format', 'json'], { cwd: repoRoot, maxBuffer: 64 << 20 }).catch(
      (e: { stdout: string; stderr: string; code: number }) => e,
    );
    const report = JSON.parse(r.stdout) as { diagnostics: { code: string; file: string; line: number; col: number }[] };
    const ours = report.diagnostics.filter((d) => d.file === 'inventory/hosts/w-bad.yaml').map((d) => `${d.code} ${d.line}:${d.col}`);
    expect(ours).toContain('schema.unknown-property 9:1');
    expect(r.stderr).not.toContain('YAML-LOADED');
  }, 120_000);
});
