/**
 * Evidence cites only what exists: every commit a record names (a gate
 * decision's head, base and policy commit, a review's commit, a run's commit)
 * must be one an auditor can open — in this repository's history or in a
 * history bundle kept in records/history/. Real git repositories and bundles.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { citedCommits, citedCommitsInText, citesCommit } from '../../scripts/records/cited-commits.ts';
import { judgeCitations } from '../../scripts/records/check-cited-commits.ts';
import { RecordWriter } from '../../scripts/records/writer.ts';
import type { RecordLine } from '../../scripts/records/chain.ts';
import { capture, discard } from '../helpers/capture.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
afterEach(async () => { for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true }); });
async function tmp(prefix: string) { const d = await mkdtemp(path.join(os.tmpdir(), prefix)); dirs.push(d); return d; }
const env = { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env }).trim();

async function commitIn(dir: string, file: string, text: string): Promise<string> {
  await writeFile(path.join(dir, file), text);
  git(dir, 'add', '-A'); git(dir, 'commit', '-qm', `add ${file}`);
  return git(dir, 'rev-parse', 'HEAD');
}
async function gateRecord(root: string, head: string, base: string, reviewOn: string) {
  const w = await RecordWriter.open(path.join(root, 'records/gate/o/r/pr-7.jsonl'));
  await w.append({ at: '2026-11-02T00:00:00Z', type: 'gate.decision', head_sha: head, base_sha: base, policy_commit: base, rules: [{ id: 'r', approvers: [{ login: 'li', commit_id: reviewOn }] }], files: [{ path: 'a', sha: 'f'.repeat(40) }] });
  await w.close();
}
async function verify(root: string) {
  const stdout = capture();
  const code = await runCli(['--root', root, 'records', 'verify'], { env: {}, stdout: stdout.stream, stderr: discard(), cwd: root });
  return { code, out: stdout.text() };
}

describe('which fields cite a commit (pure)', () => {
  it.each([['commit', true], ['commit_id', true], ['head_sha', true], ['base_sha', true], ['policy_commit', true], ['merge_commit_sha', true], ['sha', false], ['file_sha', false], ['tree_sha', false], ['blob_commit', false], ['hash', false], ['prev', false]])('%s: %s', (k, yes) => {
    expect(citesCommit(k)).toBe(yes);
  });

  it('walks nested records and names the field; a blob id or a 64-hex hash is not a citation', () => {
    const line = { seq: 3, prev: 'a'.repeat(64), hash: 'b'.repeat(64), at: 'x', type: 't', head_sha: '1'.repeat(40), rules: [{ approvers: [{ commit_id: '2'.repeat(40) }] }], files: [{ sha: '3'.repeat(40) }], commit: 'not-a-sha' } as RecordLine;
    expect(citedCommits('f.jsonl', [line])).toEqual([
      { file: 'f.jsonl', line: 3, field: 'head_sha', sha: '1'.repeat(40) },
      { file: 'f.jsonl', line: 3, field: 'rules[0].approvers[0].commit_id', sha: '2'.repeat(40) },
    ]);
  });

  it('finds the same citations in a file\'s text as in its parsed lines (the report\'s fast path), skipping lines that are not JSON', () => {
    const lines = [
      { seq: 1, prev: 'a'.repeat(64), hash: 'b'.repeat(64), at: 'x', type: 't', results: [{ host: 'h' }] },
      { seq: 2, prev: 'a'.repeat(64), hash: 'c'.repeat(64), at: 'x', type: 't', head_sha: '1'.repeat(40), files: [{ sha: '3'.repeat(40) }], nested: { after_sha: '4'.repeat(40) } },
      { seq: 3, prev: 'a'.repeat(64), hash: 'd'.repeat(64), at: 'x', type: 't', file_sha: '5'.repeat(40) },
    ] as RecordLine[];
    const text = lines.map((l) => JSON.stringify(l)).join('\n') + '\n{"seq":4,"commit":"' + '6'.repeat(40) + '" broken\n';
    expect(citedCommitsInText('f.jsonl', text)).toEqual(citedCommits('f.jsonl', lines));
    expect(citedCommitsInText('f.jsonl', text).map((c) => c.field)).toEqual(['head_sha', 'nested.after_sha']);
  });

  it('a shallow clone turns a miss into a notice, never a silent pass', () => {
    const c = [{ file: 'f', line: 1, field: 'head_sha', sha: '1'.repeat(40) }];
    expect(judgeCitations(c, { found: new Set(), inBundle: new Map(), shallow: true, unreadable: [] })[0]).toMatchObject({ severity: 'notice', code: 'record.commit-missing' });
    expect(judgeCitations(c, { found: new Set(), inBundle: new Map(), shallow: false, unreadable: [] })[0]).toMatchObject({ severity: 'error', code: 'record.commit-missing' });
    expect(judgeCitations(c, { found: new Set(['1'.repeat(40)]), inBundle: new Map(), shallow: false, unreadable: [] })).toEqual([]);
  });
});

describe('records verify: cited commits against git', () => {
  it('names every citation of a commit that is not in the history, with file, line and field; exit 1', async () => {
    const root = await tmp('og-cite-');
    git(root, 'init', '-q', '-b', 'main');
    const c1 = await commitIn(root, 'a.txt', 'a');
    const ghost = 'dead'.repeat(10);
    await gateRecord(root, c1, c1, ghost);
    git(root, 'add', '-A'); git(root, 'commit', '-qm', 'records');
    const r = await verify(root);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`records/gate/o/r/pr-7.jsonl:1  record.commit-missing  rules[0].approvers[0].commit_id cites commit ${ghost.slice(0, 12)}, which is in neither this repository's history nor a bundle in records/history/`);
    expect(r.out).toContain('cited commits: 1 of 2 found');
    // A blob id under `sha` is not judged as a commit.
    expect(r.out).not.toContain('fffffffffff');
  });

  it('a commit that exists only in another repository is found through a bundle in records/history/; a corrupt bundle is named', async () => {
    const replay = await tmp('og-replay-');
    git(replay, 'init', '-q', '-b', 'main');
    const base = await commitIn(replay, 'p.yaml', 'policy');
    git(replay, 'checkout', '-q', '-b', 'pr');
    const head = await commitIn(replay, 'c.yaml', 'change');
    git(replay, 'checkout', '-q', 'main');
    const root = await tmp('og-cite-b-');
    git(root, 'init', '-q', '-b', 'main');
    await commitIn(root, 'README', 'x');
    await gateRecord(root, head, base, head);
    git(root, 'add', '-A'); git(root, 'commit', '-qm', 'records');
    expect((await verify(root)).code).toBe(1);

    await mkdir(path.join(root, 'records/history'), { recursive: true });
    git(replay, 'bundle', 'create', '-q', path.join(root, 'records/history/replay.bundle'), '--all');
    git(root, 'add', '-A'); git(root, 'commit', '-qm', 'history bundle');
    let r = await verify(root);
    expect(r.code).toBe(0);
    expect(r.out).toContain('cited commits: 2 of 2 found (2 in records/history/replay.bundle)');

    await writeFile(path.join(root, 'records/history/replay.bundle'), 'not a bundle\n');
    r = await verify(root);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/records\/history\/replay\.bundle:1 {2}record\.history-bundle {2}the history bundle cannot be read/);
    expect(r.out).toContain('record.commit-missing');
  });

  it('in a shallow clone a cited commit outside the fetched depth is a notice, not a failure', async () => {
    const origin = await tmp('og-cite-o-');
    git(origin, 'init', '-q', '-b', 'main');
    const old = await commitIn(origin, 'a.txt', 'a');
    await gateRecord(origin, old, old, old);
    git(origin, 'add', '-A'); git(origin, 'commit', '-qm', 'records');
    const clone = await tmp('og-cite-s-');
    git(clone, 'clone', '-q', '--depth', '1', `file://${origin}`, '.');
    const r = await verify(clone);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`record.commit-missing  head_sha cites commit ${old.slice(0, 12)}, not in this shallow clone`);
  });
});

describe('the sample organisation', () => {
  it('every commit its records cite can be opened (this repository or records/history/sample-replay.bundle)', async () => {
    expect(git(REPO_ROOT, 'rev-parse', '--is-inside-work-tree'), 'the sample check needs this repository as a git work tree').toBe('true');
    const r = await verify(REPO_ROOT);
    expect(r.out).not.toContain('record.commit-missing');
    expect(r.out).not.toContain('record.history-bundle');
    expect(r.out).toMatch(/cited commits: (\d+) of \1 found/);
  });
});
