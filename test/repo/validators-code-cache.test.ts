import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitFrontMatter } from '../../scripts/repo/front-matter.ts';
import { parseYamlText } from '../../scripts/repo/parse-yaml.ts';
import { lastLoad, loadValidators } from '../../scripts/repo/precompiled-validators.ts';
import { readSchemas } from '../../scripts/repo/read-repo.ts';
import { createSchemaValidator } from '../../scripts/repo/validate-schema.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';

let dir: string;
let runs = 0;
/** A file name no load in this process used: V8 then reads the cache as a new process would. */
const run = () => `run-${++runs}.js`;
let schemas: Record<string, object>;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'og-code-cache-'));
  schemas = await readSchemas(repoRoot);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A generated-script stand-in whose one validator answers `answer`. */
function tinyScript(answer: 'true' | 'fals'): { source: string; sha256: string } {
  // Same length for both answers: V8 checks only a source's length against its cache.
  const source = `(function () { function validate0(d) { return d !== undefined && '${answer}' === 'true'; } return { validators: { x: { sha256: '', validate: validate0 } }, functions: [validate0] }; })`;
  return { source, sha256: answer.repeat(16) };
}

/** Every fixture document that parses, with its schema name. */
function fixtures(): Array<{ kind: string; file: string; data: unknown }> {
  const out: Array<{ kind: string; file: string; data: unknown }> = [];
  const root = path.join(repoRoot, 'test/fixtures');
  for (const kind of readdirSync(root).filter((k) => k in schemas)) {
    for (const validity of ['valid', 'invalid']) {
      for (const name of readdirSync(path.join(root, kind, validity))) {
        let text = readFileSync(path.join(root, kind, validity, name), 'utf8');
        if (name.endsWith('.md')) text = splitFrontMatter(text)?.yaml ?? '';
        const parsed = parseYamlText(text, name);
        if (parsed.data !== undefined) out.push({ kind, file: `${kind}/${validity}/${name}`, data: parsed.data });
      }
    }
  }
  return out;
}

describe('the precompiled validators through a V8 code cache', () => {
  it('write a cache on the first load and use it on the next, with the same diagnostics as compiling the schemas', () => {
    const cacheDir = path.join(dir, 'real');
    loadValidators({ cacheDir, filename: run() });
    expect(lastLoad.cache).toBe('written');
    expect(existsSync(lastLoad.file!)).toBe(true);
    const fromCache = loadValidators({ cacheDir, filename: run() });
    expect(lastLoad.cache).toBe('hit');
    const cached = createSchemaValidator(schemas, { precompiled: fromCache });
    const compiled = createSchemaValidator(schemas, { precompiled: false });
    const locate = (pointer: string) => ({ line: pointer.length, col: 1 });
    let findings = 0;
    const docs = fixtures();
    expect(docs.length).toBeGreaterThan(40);
    for (const d of docs) {
      const got = cached.validate(d.kind, d.data, d.file, locate);
      expect(got).toEqual(compiled.validate(d.kind, d.data, d.file, locate));
      findings += got.length;
    }
    expect(findings).toBeGreaterThan(20);
  });

  it('keeps one cache per set of V8 flags, so runs under other flags do not rewrite each other', () => {
    const cacheDir = path.join(dir, 'flags');
    const yes = tinyScript('true');
    loadValidators({ cacheDir, script: yes, filename: run(), v8Flags: '' });
    const plain = lastLoad.file;
    loadValidators({ cacheDir, script: yes, filename: run(), v8Flags: '--max-semi-space-size=4' });
    expect(lastLoad.cache).toBe('written');
    expect(lastLoad.file).not.toBe(plain);
    loadValidators({ cacheDir, script: yes, filename: run(), v8Flags: '' });
    expect([lastLoad.cache, lastLoad.file]).toEqual(['hit', plain]);
  });

  it('never run one script with the cache of another of the same length', () => {
    const cacheDir = path.join(dir, 'same-length');
    const yes = tinyScript('true');
    const no = tinyScript('fals');
    expect(yes.source.length).toBe(no.source.length);
    expect(loadValidators({ cacheDir, script: yes, filename: run() }).x!.validate({})).toBe(true);
    expect(loadValidators({ cacheDir, script: yes, filename: run() }).x!.validate({})).toBe(true);
    expect(lastLoad.cache).toBe('hit');
    expect(loadValidators({ cacheDir, script: no, filename: run() }).x!.validate({})).toBe(false);
    expect(lastLoad.cache).toBe('written');
  });

  it('compile from source when the cache is damaged, and replace it', () => {
    const cacheDir = path.join(dir, 'damaged');
    const yes = tinyScript('true');
    loadValidators({ cacheDir, script: yes, filename: run() });
    writeFileSync(lastLoad.file!, 'not a code cache');
    expect(loadValidators({ cacheDir, script: yes, filename: run() }).x!.validate({})).toBe(true);
    expect(lastLoad.cache).toBe('rejected');
    loadValidators({ cacheDir, script: yes, filename: run() });
    expect(lastLoad.cache).toBe('hit');
  });

  it('never trust a cache whose bytes were changed behind the header V8 checks: V8 would run them', () => {
    // V8 (11.3, Node 20) checks a cache's header (version, flags, source length, payload length),
    // not its checksum: a changed payload byte is accepted, and then answers wrongly or aborts node.
    const cacheDir = path.join(dir, 'altered');
    const source = `(function () { function validate0(d) { return d !== undefined && d.k === 'opsgate-wanted'; } return { validators: { x: { sha256: '', validate: validate0 } }, functions: [validate0] }; })`;
    const script = { source, sha256: 'altered'.repeat(4) };
    loadValidators({ cacheDir, script, filename: run() });
    const bytes = readFileSync(lastLoad.file!);
    const at = bytes.indexOf('opsgate-wanted');
    expect(at).toBeGreaterThan(0);
    bytes.write('opsgate-wantex', at, 'latin1');
    writeFileSync(lastLoad.file!, bytes);
    expect(loadValidators({ cacheDir, script, filename: run() }).x!.validate({ k: 'opsgate-wanted' })).toBe(true);
    expect(lastLoad.cache).toBe('rejected');
    expect(loadValidators({ cacheDir, script, filename: run() }).x!.validate({ k: 'opsgate-wanted' })).toBe(true);
    expect(lastLoad.cache).toBe('hit');
  });

  it('work without writing anything when the cache directory cannot be made, or none is named', () => {
    const file = path.join(dir, 'a-file');
    writeFileSync(file, '');
    expect(loadValidators({ cacheDir: path.join(file, 'sub'), script: tinyScript('true'), filename: run() }).x!.validate({})).toBe(true);
    expect(lastLoad.cache).toBe('unwritable');
    expect(loadValidators({ script: tinyScript('fals'), filename: run() }).x!.validate({})).toBe(false);
    expect(lastLoad).toEqual({ cache: 'none' });
  });
});
