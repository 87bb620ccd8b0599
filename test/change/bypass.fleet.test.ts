/**
 * Attacks on "apply deploys exactly what was approved" (issue 10, items 12–14),
 * through the real CLI against real sshd hosts (test/fleet): a committed link
 * as an upload source, content swapped after approval, squash merges carrying
 * unreviewed content, decisions without a head, and working-tree edits that
 * would lift a committed freeze. In every case nothing reaches the host.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { changeDoc, git, makeRepo, recordDecision, type TestRepo } from './harness.ts';
import { captureStdio } from '../helpers/capture.ts';

const SECRET = 'S3cr3t-Controller-Env-value-0042';
let fleet: RunningFleet;
let repo: TestRepo;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureStdio();
  const code = await runCli(['--root', repo.root, ...args], {
    env: { PATH: process.env.PATH, OG_CONTROLLER_SECRET: SECRET, OPSGATE_DEFAULT_BRANCH: 'main' },
    stdout: io.stdout,
    stderr: io.stderr,
    cwd: repo.root,
  });
  return { code, out: io.out(), err: io.err() };
}
const onHost = (file: string) => readFile(path.join(fleet.dir, 'bp-1', 'home', 'opsgate', file), 'utf8').catch(() => undefined);
const head = () => git(repo.root, 'rev-parse', 'HEAD').trim();
const marker = (name: string) => ({ id: name, kind: 'run', argv: ['sh', '-c', `echo ran >> "$HOME/${name}"`] });
const upload = (source: string, dest: string) => ({ id: 'conf', kind: 'upload', source, dest: `/home/opsgate/${dest}`, mode: '0640' });

beforeAll(async () => {
  fleet = await startFleet({ hosts: [{ id: 'bp-1', groups: ['web'] }] });
  repo = await makeRepo(fleet);
}, 60_000);
afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
});

describe('apply never follows a link', () => {
  it('a committed link to /proc/self/environ as an upload source is refused by lint, plan and apply; nothing reaches the host', async () => {
    await mkdir(path.join(repo.root, 'files'), { recursive: true });
    await symlink('/proc/self/environ', path.join(repo.root, 'files/environ.conf'));
    await repo.mergeChange(changeDoc('CHG-2026-0101', { targets: { hosts: ['bp-1'] }, steps: [upload('files/environ.conf', 'environ.conf'), marker('link-ran')] }), 101);
    expect(git(repo.root, 'ls-tree', 'HEAD', 'files/environ.conf')).toMatch(/^120000 /);
    const lint = await cli('lint', '--format', 'json');
    expect(lint.out).toContain('change.linked-file');
    const plan = await cli('plan', 'CHG-2026-0101');
    expect(plan.code).toBe(2);
    expect(plan.out + plan.err).toContain('plan.link');
    const apply = await cli('apply', 'CHG-2026-0101', '--identity', fleet.clientKeyPath);
    expect(apply.code).toBe(1);
    expect(apply.err).toMatch(/plan\.link|apply\.link/);
    expect(await onHost('environ.conf')).toBeUndefined();
    expect(await onHost('link-ran')).toBeUndefined();
    expect(apply.out + apply.err).not.toContain(SECRET);
  }, 60_000);

  it('a linked directory on the way to an upload source is refused too', async () => {
    await symlink('/etc', path.join(repo.root, 'files/etc-dir'));
    await repo.mergeChange(changeDoc('CHG-2026-0102', { targets: { hosts: ['bp-1'] }, steps: [upload('files/etc-dir/hostname', 'hostname.conf'), marker('dir-ran')] }), 102);
    const lint = await cli('lint', '--format', 'json');
    const diags = (JSON.parse(lint.out) as { diagnostics: { code: string; message: string }[] }).diagnostics;
    expect(diags.filter((d) => d.code === 'change.linked-file').map((d) => d.message)).toEqual([expect.stringContaining('environ.conf'), expect.stringContaining('files/etc-dir is a symbolic link')]);
    const plan = await cli('plan', 'CHG-2026-0102');
    expect(plan.out + plan.err).toContain('plan.link');
    const apply = await cli('apply', 'CHG-2026-0102', '--identity', fleet.clientKeyPath);
    expect(apply.code).toBe(1);
    expect(await onHost('hostname.conf')).toBeUndefined();
    expect(await onHost('dir-ran')).toBeUndefined();
  }, 60_000);
});

describe('apply runs only the bytes the decision bound', () => {
  it('an upload swapped on main after approval is refused', async () => {
    await repo.mergeChange(changeDoc('CHG-2026-0103', { targets: { hosts: ['bp-1'] }, steps: [upload('files/swap.conf', 'swap.conf'), marker('swap-ran')] }), 103, 'satisfied', {
      'files/swap.conf': 'approved\n',
    });
    await repo.write('files/swap.conf', 'swapped after approval\n');
    repo.commit('tune swap.conf (#104)');
    const apply = await cli('apply', 'CHG-2026-0103', '--identity', fleet.clientKeyPath);
    expect(apply.code).toBe(1);
    expect(apply.err).toContain('apply.not-bound');
    expect(apply.err).toMatch(/files\/swap\.conf: approved [0-9a-f]{12}, HEAD holds [0-9a-f]{12}/);
    expect(await onHost('swap.conf')).toBeUndefined();
    expect(await onHost('swap-ran')).toBeUndefined();
  }, 60_000);

  it('a squash merge that carries content the approval did not see is refused', async () => {
    const id = 'CHG-2026-0105';
    const file = `changes/2026/${id}.yaml`;
    git(repo.root, 'checkout', '-q', '-b', 'pr-105');
    await repo.write(file, changeDoc(id, { targets: { hosts: ['bp-1'] }, steps: [upload('files/squash.conf', 'squash.conf'), marker('squash-ran')] }));
    await repo.write('files/squash.conf', 'reviewed\n');
    repo.commit('the change');
    const approved = head();
    await repo.write('files/squash.conf', 'pushed after the approval\n');
    repo.commit('one more commit');
    git(repo.root, 'checkout', '-q', 'main');
    git(repo.root, 'merge', '-q', '--squash', 'pr-105');
    repo.commit(`Add ${id} (#105)`);
    await recordDecision(repo.root, 105, approved, 'satisfied', [{ file, id }]);
    repo.commit('records: gate decision for #105');
    const apply = await cli('apply', id, '--identity', fleet.clientKeyPath);
    expect(apply.code).toBe(1);
    expect(apply.err).toContain('apply.not-bound');
    expect(await onHost('squash.conf')).toBeUndefined();
    expect(await onHost('squash-ran')).toBeUndefined();
  }, 60_000);

  it('a decision that names no head commit, or another base branch, is refused', async () => {
    await repo.mergeChange(changeDoc('CHG-2026-0106', { targets: { hosts: ['bp-1'] }, steps: [marker('nohead-ran')] }), 106, 'none');
    const file = 'changes/2026/CHG-2026-0106.yaml';
    await recordDecision(repo.root, 106, head(), 'satisfied', [{ file, id: 'CHG-2026-0106' }], { head_sha: undefined });
    repo.commit('records');
    let apply = await cli('apply', 'CHG-2026-0106', '--identity', fleet.clientKeyPath);
    expect(apply.err).toContain('names no head commit');
    await rm(path.join(repo.root, 'records/gate/org/ops/pr-106.jsonl'));
    await recordDecision(repo.root, 106, head(), 'satisfied', [{ file, id: 'CHG-2026-0106' }], { base_ref: 'release' });
    repo.commit('records');
    apply = await cli('apply', 'CHG-2026-0106', '--identity', fleet.clientKeyPath);
    expect(apply.code).toBe(1);
    expect(apply.err).toContain("into 'release', not 'main'");
    expect(await onHost('nohead-ran')).toBeUndefined();
  }, 60_000);
});

describe('apply reads policy from the commit', () => {
  it('an uncommitted calendar edit does not lift a committed freeze', async () => {
    const now = Date.now();
    const calendar = (freezes: unknown[]) => ({
      id: 'calendar',
      timezone: 'Asia/Shanghai',
      maintenance_windows: [{ id: 'always', title: 'always', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '00:00' }],
      freezes,
    });
    await repo.write(
      'policies/calendar.yaml',
      calendar([{ id: 'freeze-now', title: 'freeze now', start: new Date(now - 3_600_000).toISOString(), end: new Date(now + 3_600_000).toISOString(), allow_types: ['emergency'], reason: 'test' }]),
    );
    repo.commit('freeze (#107)');
    await repo.mergeChange(changeDoc('CHG-2026-0108', { targets: { hosts: ['bp-1'] }, steps: [marker('freeze-ran')] }), 108);
    await repo.write('policies/calendar.yaml', calendar([]));
    const apply = await cli('apply', 'CHG-2026-0108', '--identity', fleet.clientKeyPath);
    expect(apply.code).toBe(1);
    expect(apply.err).toContain('apply.modified');
    expect(apply.err).toContain('policies/calendar.yaml');
    expect(apply.err).toContain('apply.freeze');
    expect(await onHost('freeze-ran')).toBeUndefined();
    git(repo.root, 'checkout', '--', 'policies/calendar.yaml');
    await repo.write('policies/calendar.yaml', calendar([]));
    repo.commit('lift the freeze (#109)');
  }, 60_000);

  it('an uncommitted edit to an approved upload is refused, and the approved bytes are what a clean checkout sends', async () => {
    await repo.mergeChange(changeDoc('CHG-2026-0110', { targets: { hosts: ['bp-1'] }, steps: [upload('files/ok.conf', 'ok.conf')] }), 110, 'satisfied', { 'files/ok.conf': 'approved bytes\n' });
    await writeFile(path.join(repo.root, 'files/ok.conf'), 'local edit\n');
    const refused = await cli('apply', 'CHG-2026-0110', '--identity', fleet.clientKeyPath);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('apply.modified');
    expect(await onHost('ok.conf')).toBeUndefined();
    git(repo.root, 'checkout', '--', 'files/ok.conf');
    const ok = await cli('apply', 'CHG-2026-0110', '--identity', fleet.clientKeyPath);
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect(await onHost('ok.conf')).toBe('approved bytes\n');
    expect(existsSync(path.join(repo.root, 'records/changes/CHG-2026-0110'))).toBe(true);
  }, 60_000);
});

describe('secrets are named and allowed, never blanket', () => {
  it("a change naming the workflow's token, opsgate's key or an unlisted secret is rejected by lint and refused by apply; the plan shows which secret goes where", async () => {
    const use = (name: string) => ({ id: `use-${name.toLowerCase()}`, kind: 'run', env: { V: `\${{ secrets.${name} }}` }, argv: ['sh', '-c', `printf %s "$V" > "$HOME/${name}"`] });
    await repo.mergeChange(changeDoc('CHG-2026-0111', { targets: { hosts: ['bp-1'] }, steps: [use('GITHUB_TOKEN'), use('OPSGATE_SSH_KEY'), use('DB_ROOT_PASSWORD')] }), 111);
    const lint = await cli('lint', '--format', 'json');
    const diags = (JSON.parse(lint.out) as { diagnostics: { code: string; file: string }[] }).diagnostics.filter((d) => d.file.includes('CHG-2026-0111') && d.code.startsWith('change.secret'));
    expect(diags.map((d) => d.code)).toEqual(['change.secret-reserved', 'change.secret-reserved', 'change.secret-not-allowed']);
    const env = { GITHUB_TOKEN: 'ghs_workflowtoken000', OPSGATE_SSH_KEY: 'the-ssh-key', DB_ROOT_PASSWORD: 'db-root' };
    const io = captureStdio();
    const code = await runCli(['--root', repo.root, 'apply', 'CHG-2026-0111', '--identity', fleet.clientKeyPath], {
      env: { PATH: process.env.PATH, OPSGATE_DEFAULT_BRANCH: 'main', ...env },
      stdout: io.stdout,
      stderr: io.stderr,
      cwd: repo.root,
    });
    expect(code).toBe(1);
    expect(io.err().match(/apply\.secret-not-allowed/g)).toHaveLength(3);
    for (const n of Object.keys(env)) expect(await onHost(n)).toBeUndefined();

    await repo.mergeChange(changeDoc('CHG-2026-0112', { targets: { hosts: ['bp-1'] }, steps: [use('OG_TEST_TOKEN')] }), 112);
    const plan = await cli('plan', 'CHG-2026-0112');
    expect(plan.out).toContain('secrets: OG_TEST_TOKEN → bp-1');
    expect(plan.out).toContain('hosts: 1');
  }, 60_000);
});
