import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRepo } from '../../scripts/repo/read-repo.ts';
import type { RepoModel } from '../../scripts/repo/repo-model.ts';

/**
 * readRepo may load files in a worker thread (parse + validate on a second core).
 * Whatever the split, the model is the one a single thread builds: the same
 * documents in the same order with the same data and hashes, the same
 * diagnostics in the same order, and every document locating its values the same.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBf0wvN0fUW0l9zsxXn0Yx0zB3sYkY0xQ8rL0aW7zT6c';
const host = (id: string, extra = '') => `id: ${id}\naddress: 10.20.9.9\nuser: opsgate\nhost_keys: ["${KEY}"]\ngroups: [web]\nenv: test\ncriticality: low\nowner_team: ops\n${extra}`;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'og-read-worker-'));
  for (const sub of ['schemas', 'policies', 'inventory', 'runbooks', 'changes', 'incidents']) cpSync(path.join(repoRoot, sub), path.join(dir, sub), { recursive: true });
  // Enough plain documents for several chunks, and among them what takes other paths:
  for (let i = 0; i < 300; i++) writeFileSync(path.join(dir, `inventory/hosts/w-${String(i).padStart(3, '0')}.yaml`), host(`w-${String(i).padStart(3, '0')}`));
  // the positional parser (an anchor): a document that cannot cross threads as it is;
  writeFileSync(path.join(dir, 'inventory/hosts/w-anchor.yaml'), host('w-anchor', 'services: &s [nginx]\n'));
  // schema errors located in whichever thread loaded the file, also in a runbook's front matter;
  writeFileSync(path.join(dir, 'inventory/hosts/w-bad.yaml'), host('w-bad', 'colour: blue\nport: "22"\n'));
  writeFileSync(path.join(dir, 'runbooks/w-bad.md'), '---\nid: w-bad\ntitle: T\nowner: nobody\nreview_every_days: soon\n---\n# body\n');
  // a YAML syntax error, bytes that are not UTF-8, a file over the size limit, a stray file.
  writeFileSync(path.join(dir, 'inventory/hosts/w-syntax.yaml'), 'id: w-syntax\nbad: [\n');
  writeFileSync(path.join(dir, 'inventory/hosts/w-latin1.yaml'), Buffer.from('id: w-latin1\ndescription: caf\xe9\n', 'latin1'));
  writeFileSync(path.join(dir, 'inventory/hosts/w-huge.yaml'), `id: w-huge\ndescription: "${'x'.repeat(1024 * 1024)}"\n`);
  mkdirSync(path.join(dir, 'inventory/hosts/notes'), { recursive: true });
  writeFileSync(path.join(dir, 'inventory/hosts/notes/readme.txt'), 'not a document\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Everything observable of a model: documents (with positions of their keys and values) and diagnostics, in order. */
function observable(repo: RepoModel) {
  return {
    documents: repo.documents.map((d) => {
      const keys = Object.keys(d.data as object);
      return {
        kind: d.kind,
        id: d.id,
        file: d.file,
        data: d.data,
        sha256: d.sha256,
        body: d.body,
        positions: ['', ...keys.map((k) => `/${k}`)].map((p) => [p, d.locate(p), d.locate(p, { key: true })]),
      };
    }),
    diagnostics: repo.diagnostics,
    files: [...repo.files],
  };
}

describe('readRepo with a worker thread', () => {
  it('builds the same model as one thread, when the worker loads every chunk it can', async () => {
    const one = await readRepo(dir, { worker: false });
    let loaded: { chunks: number; of: number } | undefined;
    const two = await readRepo(dir, { worker: 'all', onWorkerDone: (x) => (loaded = x) });
    // The worker really loaded the files (a worker that failed would leave them all to this thread).
    expect(loaded).toBeDefined();
    expect(loaded!.of).toBeGreaterThanOrEqual(5);
    expect(loaded!.chunks).toBe(loaded!.of);
    expect(one.documents.length).toBeGreaterThan(300);
    expect(one.documents.some((d) => d.id === 'w-anchor')).toBe(true);
    const codes = one.diagnostics.map((d) => d.code);
    for (const code of ['schema.unknown-property', 'schema.type', 'yaml.syntax', 'yaml.encoding', 'yaml.too-large']) expect(codes).toContain(code);
    expect(one.diagnostics.find((d) => d.file === 'runbooks/w-bad.md' && d.code === 'schema.type')).toMatchObject({ line: 5 });
    expect(observable(two)).toEqual(observable(one));
  }, 120_000);

  it('builds the same model when both threads claim chunks', async () => {
    const one = await readRepo(dir, { worker: false });
    const two = await readRepo(dir, { worker: true });
    expect(observable(two)).toEqual(observable(one));
  }, 120_000);

  it('the sample organisation: same model either way', async () => {
    const one = await readRepo(repoRoot, { worker: false });
    const two = await readRepo(repoRoot, { worker: 'all' });
    expect(observable(two)).toEqual(observable(one));
    expect(readFileSync(path.join(repoRoot, 'policies/calendar.yaml'), 'utf8')).toContain('timezone');
  }, 120_000);
});
