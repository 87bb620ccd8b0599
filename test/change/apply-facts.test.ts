import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readGateFacts, readGitState } from '../../scripts/change/apply-facts.ts';
import { CommittedTree } from '../../scripts/change/committed-tree.ts';
import { git, recordDecision } from './harness.ts';

/** What apply trusts as approval: a decision that binds exactly the committed blobs (real git, real records). */
let root: string;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

const FILE = 'changes/2026/CHG-2026-0001.yaml';
const CHANGE = { id: 'CHG-2026-0001', file: FILE, deploys: ['files/app.conf'] };
const doc = (title: string) => `id: CHG-2026-0001\ntitle: ${title}\nsteps:\n  - { id: conf, kind: upload, source: files/app.conf, dest: /etc/app.conf }\n`;

async function setup(): Promise<void> {
  root = await mkdtemp(path.join(os.tmpdir(), 'og-facts-'));
  git(root, 'init', '-q', '-b', 'main');
  await writeFile(path.join(root, 'README'), 'x');
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'base');
}
async function write(rel: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  await writeFile(path.join(root, rel), text);
}
const head = () => git(root, 'rev-parse', 'HEAD').trim();
const commit = (m: string) => {
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '--allow-empty', '-m', m);
};
async function facts() {
  const tree = (await CommittedTree.open(root))!;
  return readGateFacts(tree, CHANGE, 'main');
}

/** A pull request branch with the change and its upload, approved at its head, squash-merged onto main. */
async function squashMerged(pr: number, status = 'satisfied', extra: Record<string, unknown> = {}): Promise<string> {
  git(root, 'checkout', '-q', '-b', `pr-${pr}`);
  await write(FILE, doc('first'));
  await write('files/app.conf', 'v1\n');
  commit('the change');
  const approved = head();
  await recordDecision(root, pr, approved, status, [{ file: FILE, id: CHANGE.id }], extra);
  git(root, 'checkout', '-q', 'main');
  git(root, 'merge', '-q', '--squash', `pr-${pr}`);
  commit(`Add CHG-2026-0001 (#${pr})`);
  commit('records');
  return approved;
}

describe('approval binds content', () => {
  it('a squash merge of exactly the approved blobs is bound to its decision', async () => {
    await setup();
    await squashMerged(12);
    const f = await facts();
    expect(f.pr).toBe(12);
    expect(f.decision).toMatchObject({ status: 'satisfied', pr: 12, file: 'records/gate/org/ops/pr-12.jsonl:1' });
    expect(f.unbound).toBeUndefined();
  });

  it('an upload swapped on main after approval is not approved', async () => {
    await setup();
    await squashMerged(13);
    await write('files/app.conf', 'swapped\n');
    commit('tweak (#14)');
    const f = await facts();
    expect(f.unbound).toMatch(/files\/app\.conf: approved [0-9a-f]{12}, HEAD holds [0-9a-f]{12}/);
  });

  it('a change edited on main after approval is not approved', async () => {
    await setup();
    await squashMerged(15);
    await write(FILE, doc('edited after approval'));
    commit('edit (#16)');
    const f = await facts();
    expect(f.pr).toBe(16);
    expect(f.unbound).toMatch(new RegExp(`pull request #15 .*${FILE}: approved [0-9a-f]{12}, HEAD holds [0-9a-f]{12}`));
  });

  it('a decision without a head commit, or for another base branch, is refused', async () => {
    await setup();
    await squashMerged(17, 'satisfied', { head_sha: undefined });
    expect((await facts()).unbound).toMatch(/names no head commit/);
    await rm(path.join(root, 'records'), { recursive: true });
    commit('drop records');
    await recordDecision(root, 17, head(), 'satisfied', [{ file: FILE, id: CHANGE.id }], { base_ref: 'side' });
    commit('records');
    expect((await facts()).unbound).toMatch(/into 'side', not 'main'/);
  });

  it('a later pending decision of the same pull request withdraws the approval', async () => {
    await setup();
    const approved = await squashMerged(18);
    await recordDecision(root, 18, approved, 'pending', [{ file: FILE, id: CHANGE.id }]);
    commit('records');
    expect((await facts()).decision).toMatchObject({ status: 'pending', pr: 18 });
  });

  it('only committed decisions count; a tampered chain fails closed', async () => {
    await setup();
    const approved = await squashMerged(19, 'pending');
    await recordDecision(root, 19, approved, 'satisfied', [{ file: FILE, id: CHANGE.id }]);
    expect((await facts()).decision?.status).toBe('pending'); // the satisfied line is not committed
    commit('records');
    expect((await facts()).decision?.status).toBe('satisfied');
    await writeFile(path.join(root, 'records/gate/org/ops/pr-19.jsonl'), '{"seq":1,"prev":"0","at":"x","type":"gate.decision","pr":19,"status":"satisfied"}\n');
    commit('tamper');
    expect((await facts()).problem).toContain('does not verify');
  });

  it('a change committed without a pull request fails closed', async () => {
    await setup();
    await write(FILE, doc('x'));
    commit('pushed straight to main');
    expect((await facts()).decision).toBeUndefined();
  });
});

describe('git state', () => {
  it('sees the branch and uncommitted edits to governed paths', async () => {
    await setup();
    await write(FILE, doc('x'));
    commit('Add (#5)');
    expect(await readGitState(root, {}, [FILE, 'policies'])).toMatchObject({ branch: 'main', defaultBranch: 'main', tracked: true, modified: [] });
    await write('policies/calendar.yaml', 'id: calendar\n');
    expect((await readGitState(root, {}, [FILE, 'policies'])).modified).toEqual(['policies/calendar.yaml']);
    git(root, 'checkout', '-q', '-b', 'other');
    expect((await readGitState(root, { OPSGATE_DEFAULT_BRANCH: 'main' }, [FILE])).branch).toBe('other');
  });
});
