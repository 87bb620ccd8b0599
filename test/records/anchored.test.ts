/**
 * Records anchored outside their own chain: the head of a chain carried in the
 * next record's first line, and every record file against what git committed.
 * A chain rewritten with recomputed hashes verifies on its own; these catch it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { verifyChain } from '../../scripts/records/chain.ts';
import { RecordWriter } from '../../scripts/records/writer.ts';
import { capture, discard } from '../helpers/capture.ts';

let root: string;
afterEach(async () => { if (root) await rm(root, { recursive: true, force: true }); });
const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } });

async function verify(...args: string[]) {
  const stdout = capture();
  const code = await runCli(['--root', root, 'records', 'verify', ...args], { env: {}, stdout: stdout.stream, stderr: discard(), cwd: root });
  return { code, out: stdout.text() };
}
async function chain(rel: string, steps: string[]) {
  const w = await RecordWriter.open(path.join(root, rel));
  for (const s of steps) await w.append({ at: '2026-12-01T00:00:00Z', type: 'step.done', step: s, ok: true });
  await w.close();
}
/** Rewrites a whole file with recomputed hashes, as a forger would: the chain itself verifies. */
async function forge(rel: string, steps: string[]) {
  await unlink(path.join(root, rel));
  const w = await RecordWriter.open(path.join(root, rel));
  for (const s of steps) await w.append({ at: '2026-12-01T00:00:00Z', type: 'step.done', step: s, ok: true });
  await w.close();
  expect(verifyChain(await readFile(path.join(root, rel), 'utf8')).ok).toBe(true);
}

describe('anchored chain heads', () => {
  it('the next file carries the previous head; rewriting the previous chain is named', async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'og-anchor-'));
    await chain('records/changes/C/2026-12-01T000000Z-a.jsonl', ['s1', 's2', 's3']);
    await chain('records/changes/C/2026-12-02T000000Z-b.jsonl', ['t1']);
    const first = JSON.parse((await readFile(path.join(root, 'records/changes/C/2026-12-02T000000Z-b.jsonl'), 'utf8')).split('\n')[0]!) as { anchor: { file: string; lines: number } };
    expect(first.anchor).toMatchObject({ file: '2026-12-01T000000Z-a.jsonl', lines: 3 });
    expect((await verify()).code).toBe(0);
    await forge('records/changes/C/2026-12-01T000000Z-a.jsonl', ['s1', 'sX', 's3']);
    const r = await verify();
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/records\/changes\/C\/2026-12-01T000000Z-a\.jsonl:3 {2}record\.anchor {2}.*rewritten/);
  });
});

describe('records against git history', () => {
  it('names changed and vanished committed lines, rewritten history, deleted files; reports uncommitted lines without failing', async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'og-rhist-'));
    git('init', '-q', '-b', 'main');
    await chain('records/inspections/2026-11.jsonl', ['a', 'b', 'c', 'd']);
    await chain('records/gate/o/r/pr-1.jsonl', ['x']);
    await chain('records/gate/o/r/pr-2.jsonl', ['y']);
    git('add', '-A'); git('commit', '-qm', 'records');
    expect((await verify()).code).toBe(0);

    // Appended but not committed: reported, not a failure.
    await chain('records/inspections/2026-11.jsonl', ['e']);
    let r = await verify();
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/records\/inspections\/2026-11\.jsonl:5 {2}record\.history\.uncommitted {2}lines 5–5 are not committed \(after [0-9a-f]{10}\)/);

    // A committed line rewritten with every hash recomputed: the chain verifies, history does not.
    await forge('records/inspections/2026-11.jsonl', ['a', 'B', 'c', 'd', 'e']);
    r = await verify();
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/records\/inspections\/2026-11\.jsonl:2 {2}record\.history\.rewritten {2}line 2 differs from commit [0-9a-f]{10}/);

    // Committed lines cut off the end (the rest of the chain still verifies).
    await forge('records/inspections/2026-11.jsonl', ['a', 'b']);
    r = await verify('records/inspections');
    expect(r.out).toMatch(/2026-11\.jsonl:3 {2}record\.history\.rewritten {2}line 3 differs from commit/);

    // A committed file gone from the working tree.
    await unlink(path.join(root, 'records/gate/o/r/pr-1.jsonl'));
    r = await verify('records/gate');
    expect(r.out).toMatch(/records\/gate\/o\/r\/pr-1\.jsonl:1 {2}record\.history\.deleted {2}.*missing from the working tree/);

    // The rewrite committed: history itself shows a commit that changed a recorded line, and one that deleted a file.
    git('add', '-A'); git('commit', '-qm', 'rewrite');
    const head = git('rev-parse', 'HEAD').trim().slice(0, 10);
    r = await verify();
    expect(r.code).toBe(1);
    expect(r.out).toContain(`records/inspections/2026-11.jsonl:3  record.history.rewritten  line 3 differs from commit`);
    expect(r.out).toContain(`: commit ${head} (`);
    expect(r.out).toContain(`records/gate/o/r/pr-1.jsonl:1  record.history.deleted  records/gate/o/r/pr-1.jsonl was deleted in commit ${head}`);
  });

  it('a record file deleted in one commit and forged anew in the next is named, not taken as a fresh start', async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'og-rhist-'));
    git('init', '-q', '-b', 'main');
    await chain('records/gate/o/r/pr-1.jsonl', ['x', 'y']);
    await chain('records/gate/o/r/pr-2.jsonl', ['z']);
    git('add', '-A'); git('commit', '-qm', 'records');
    git('rm', '-q', 'records/gate/o/r/pr-1.jsonl'); git('commit', '-qm', 'drop');
    const drop = git('rev-parse', 'HEAD').trim().slice(0, 10);
    await chain('records/gate/o/r/pr-1.jsonl', ['forged']);
    git('add', '-A'); git('commit', '-qm', 'write again');
    const r = await verify();
    expect(r.code).toBe(1);
    expect(r.out).toContain(`records/gate/o/r/pr-1.jsonl:1  record.history.deleted  records/gate/o/r/pr-1.jsonl was deleted in commit ${drop} and written again`);
  });
});

describe('a sanctioned reset of the history', () => {
  it('a commit with a Records-Reset line starts the comparison, and verify says so', async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'og-rreset-'));
    git('init', '-q', '-b', 'main');
    await chain('records/inspections/2026-11.jsonl', ['a', 'b']);
    git('add', '-A'); git('commit', '-qm', 'records');
    await forge('records/inspections/2026-11.jsonl', ['regenerated']);
    git('add', '-A'); git('commit', '-qm', 'sample records regenerated\n\nRecords-Reset: the sample organisation, regenerated by npm run sample:records');
    const r = await verify();
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/record\.history-reset {2}history compared since commit [0-9a-f]{12} \(Records-Reset: the sample organisation/);
    // After it, a rewrite is caught again.
    await forge('records/inspections/2026-11.jsonl', ['forged']);
    expect((await verify()).code).toBe(1);
  });

  it('prints what a pull request controls (commit messages, file names) with control and bidi characters as visible escapes, in text and JSON', async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'og-rreset-'));
    git('init', '-q', '-b', 'main');
    await chain('records/inspections/2026-11.jsonl', ['a']);
    git('add', '-A'); git('commit', '-qm', 'records\n\nRecords-Reset: regenerated \u001b]0;pwned\u0007 \u001b[2J \u202eevil');
    await chain('records/inspections/2026-12\u001b[31m.jsonl', ['b']);
    const text = await verify();
    const json = await verify('--json');
    for (const out of [text.out, json.out]) {
      // eslint-disable-next-line no-control-regex -- the raw characters are what must not appear
      expect(out).not.toMatch(/[\u001b\u0007\u202e]/);
      expect(out).toContain('\\u001b]0;pwned\\u0007');
      expect(out).toContain('\\u202eevil');
    }
    expect(text.out).toContain('2026-12\\u001b[31m.jsonl');
  });
});
