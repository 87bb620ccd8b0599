import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/bin.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';
import { change, group, host, person } from '../rules/fixture-docs.ts';

const exec = promisify(execFile);

async function run(root: string, args: string[], env: Record<string, string> = {}) {
  try {
    const r = await exec(process.execPath, [BIN, '--root', root, ...args], { env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', ...env }, timeout: 30_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

const git = (cwd: string, ...a: string[]) => exec('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...a], { cwd });

/** A small clean repository, committed on `main`, plus any extra files in the same commit. */
async function makeRepo(extra: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'og-lint-cli-'));
  await cp(path.join(repoRoot, 'schemas'), path.join(dir, 'schemas'), { recursive: true });
  const files: Record<string, string> = {
    'inventory/groups/web.yaml': group('web'),
    'inventory/hosts/web-01.yaml': host('web-01', { env: 'staging' }),
    'policies/access/people/alice.yaml': person('alice'),
    'policies/access/people/bob.yaml': person('bob'),
    'changes/2026/CHG-2026-0001.yaml': change({ risk: 'low' }),
    ...extra,
  };
  for (const [f, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
    await writeFile(path.join(dir, f), text);
  }
  await git(dir, 'init', '-q', '-b', 'main');
  await git(dir, 'add', '.');
  await git(dir, 'commit', '-q', '-m', 'base');
  return dir;
}

let root: string;
const roots: string[] = [];
beforeAll(async () => {
  root = await makeRepo();
  roots.push(root);
});
afterAll(async () => {
  await Promise.all(roots.map((r) => rm(r, { recursive: true, force: true })));
});

describe('opsgate lint (CLI)', () => {
  it('exits 0 on a clean repository', async () => {
    const r = await run(root, ['lint']);
    expect(r.stdout).toContain('0 error(s)');
    expect(r.code).toBe(0);
  });

  it('reports every problem located, exits 1, and renders JSON and GitHub annotations', async () => {
    const bad = path.join(root, 'changes/2026/CHG-2026-0002.yaml');
    await writeFile(bad, change({ id: 'CHG-2026-0002', type: 'urgent', risk: 'low' }).replace('requester: alice', 'requester: alcie'));
    const text = await run(root, ['lint']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/changes\/2026\/CHG-2026-0002\.yaml:3:7 {2}schema\.enum/);
    expect(text.stdout).toContain('"standard", "normal", "emergency"');

    const json = await run(root, ['lint', '--format', 'json']);
    const parsed = JSON.parse(json.stdout) as { diagnostics: { code: string; file: string; line: number; pointer: string }[] };
    expect(parsed.diagnostics).toContainEqual(expect.objectContaining({ code: 'schema.enum', line: 3, pointer: '/type' }));

    const summary = path.join(root, 'summary.md');
    await writeFile(summary, '');
    const gh = await run(root, ['lint'], { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary });
    expect(gh.stdout).toContain('::error file=changes/2026/CHG-2026-0002.yaml,line=3,col=7,title=schema.enum::');
    expect(await readFile(summary, 'utf8')).toContain('| error | `changes/2026/CHG-2026-0002.yaml:3:7` | `schema.enum` |');

    const only = await run(root, ['lint', 'inventory']);
    expect(only.code).toBe(0);
  });

  it('--changed-since reports only files changed since the revision (committed, modified or untracked)', async () => {
    // The base commit already holds a broken host; the branch adds a broken change and breaks a person.
    const dir = await makeRepo({ 'inventory/hosts/web-02.yaml': host('web-02', { env: 'staging' }).replace('criticality: medium', 'criticality: urgent') });
    roots.push(dir);
    await git(dir, 'checkout', '-q', '-b', 'topic');
    await writeFile(path.join(dir, 'policies/access/people/bob.yaml'), person('bob', 'gone'));
    await git(dir, 'commit', '-q', '-am', 'bob');
    await writeFile(path.join(dir, 'changes/2026/CHG-2026-0002.yaml'), change({ id: 'CHG-2026-0002', type: 'urgent', risk: 'low' }));
    await writeFile(path.join(dir, 'policies/access/people/alice.yaml'), person('alice', 'away'));

    const files = async (args: string[]) => {
      const r = await run(dir, ['lint', '--format', 'json', ...args]);
      return { code: r.code, files: [...new Set((JSON.parse(r.stdout) as { diagnostics: { file: string }[] }).diagnostics.map((d) => d.file))].sort() };
    };
    const all = await files([]);
    expect(all).toEqual({ code: 1, files: ['changes/2026/CHG-2026-0002.yaml', 'inventory/hosts/web-02.yaml', 'policies/access/people/alice.yaml', 'policies/access/people/bob.yaml'] });
    expect(await files(['--changed-since', 'main'])).toEqual({ code: 1, files: ['changes/2026/CHG-2026-0002.yaml', 'policies/access/people/alice.yaml', 'policies/access/people/bob.yaml'] });
    // Since HEAD: only the working tree's edits and the untracked file.
    expect(await files(['--changed-since', 'HEAD'])).toEqual({ code: 1, files: ['changes/2026/CHG-2026-0002.yaml', 'policies/access/people/alice.yaml'] });
  });

  it.each([
    [['lint', '--format', 'xml'], /--format must be one of text, json, github/],
    [['lint', '--bogus'], /unknown option '--bogus'/],
    [['lint', '/etc'], /outside the repository/],
    [['lint', 'no-such-dir'], /no such file/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['lint', '--changed-since', 'no-such-ref'], /not a revision/],
  ])('usage problems exit 2 without a stack trace: %j', async (args, message) => {
    const r = await run(root, args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
