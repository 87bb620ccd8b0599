import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readGateFacts, readGitState } from '../../scripts/change/apply-facts.ts';
import { RecordWriter } from '../../scripts/records/writer.ts';
import { git } from './harness.ts';

let root: string;
afterEach(async () => { if (root) await rm(root, { recursive: true, force: true }); });

const FILE = 'changes/2026/CHG-2026-0001.yaml';
async function setup(): Promise<void> {
  root = await mkdtemp(path.join(os.tmpdir(), 'og-facts-'));
  git(root, 'init', '-q', '-b', 'main');
  await writeFile(path.join(root, 'README'), 'x');
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'base');
}
async function addChange(message: string): Promise<void> {
  await mkdir(path.join(root, 'changes/2026'), { recursive: true });
  await writeFile(path.join(root, FILE), 'id: CHG-2026-0001\n');
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', message);
}
async function decision(pr: number, status: string, head: string): Promise<void> {
  const w = await RecordWriter.open(path.join(root, `records/gate/org/ops/pr-${pr}.jsonl`));
  await w.append({ at: '2026-12-01T00:00:00Z', type: 'gate.decision', pr, head_sha: head, status });
  await w.close();
}

describe('gate facts from git history and records/gate', () => {
  it('finds a squash-merged PR and its newest decision', async () => {
    await setup();
    await addChange('Add CHG-2026-0001 (#12)');
    await decision(12, 'pending', 'a'.repeat(40));
    await decision(12, 'satisfied', 'b'.repeat(40));
    const f = await readGateFacts(root, FILE);
    expect(f.pr).toBe(12);
    expect(f.decision).toMatchObject({ status: 'satisfied', pr: 12, file: 'records/gate/org/ops/pr-12.jsonl:2' });
  });

  it('a decision about another head than the one merged does not count', async () => {
    await setup();
    git(root, 'checkout', '-q', '-b', 'feature');
    await addChange('add change');
    git(root, 'checkout', '-q', 'main');
    git(root, 'merge', '-q', '--no-ff', 'feature', '-m', 'Merge pull request #3 from org/feature');
    await decision(3, 'satisfied', 'c'.repeat(40));
    const f = await readGateFacts(root, FILE);
    expect(f.decision?.status).toMatch(/^for head cccccccccccc, but [0-9a-f]{12} was merged$/);
  });

  it('a change committed without a pull request, or a tampered gate record, fails closed', async () => {
    await setup();
    await addChange('pushed straight to main');
    expect((await readGateFacts(root, FILE)).problem).toContain('does not name a pull request');
    await writeFile(path.join(root, FILE), 'id: CHG-2026-0001\nx: 1\n');
    git(root, 'commit', '-q', '-am', 'edit (#4)');
    await decision(4, 'satisfied', 'd'.repeat(40));
    await writeFile(path.join(root, 'records/gate/org/ops/pr-4.jsonl'), '{"seq":1,"prev":"0","at":"x","type":"gate.decision","pr":4,"status":"satisfied"}\n');
    expect((await readGateFacts(root, FILE)).problem).toContain('does not verify');
  });

  it('sees the branch and local edits', async () => {
    await setup();
    await addChange('Add (#5)');
    expect(await readGitState(root, {}, [FILE])).toMatchObject({ branch: 'main', defaultBranch: 'main', tracked: true, modified: [] });
    await writeFile(path.join(root, FILE), 'id: CHG-2026-0001\nchanged: true\n');
    expect((await readGitState(root, {}, [FILE])).modified).toEqual([FILE]);
    git(root, 'checkout', '-q', '-b', 'other');
    expect((await readGitState(root, { OPSGATE_DEFAULT_BRANCH: 'main' }, [FILE])).branch).toBe('other');
  });
});
