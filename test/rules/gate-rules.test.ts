import { describe, expect, it } from 'vitest';
import { lintRepo } from '../../scripts/rules/index.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';
import { host, person } from './fixture-docs.ts';

/** Lint keeps the gate's assumptions true: one machine is one host, and every approver can be recognised on GitHub. */
const NOW = new Date('2026-11-27T03:00:00Z');
const lint = async (files: Record<string, string>) =>
  lintRepo({ repo: await repoFromFiles(files), now: NOW, existingFiles: new Set() }).filter((d) => d.code === 'host.duplicate' || d.code.startsWith('approval.member-no-'));

describe('gate assumptions', () => {
  it('a host that is another host under a new name is an error, reported once per pair', async () => {
    const db = host('db-01');
    const alias = db.replace('id: db-01', 'id: app-09').replace('env: prod', 'env: staging');
    const ds = await lint({ 'inventory/hosts/db-01.yaml': db, 'inventory/hosts/app-09.yaml': alias, 'inventory/hosts/web-01.yaml': host('web-01') });
    expect(ds.map((d) => [d.file, d.code, d.pointer, d.severity])).toEqual([
      ['inventory/hosts/db-01.yaml', 'host.duplicate', '/address', 'error'],
      ['inventory/hosts/db-01.yaml', 'host.duplicate', '/host_keys', 'error'],
    ]);
    expect(ds[0]!.message).toContain('app-09');
  });

  it('hundreds of names for one machine: every pair is reported, none lost to a rule failure', { timeout: 120_000 }, async () => {
    // 450 hosts with one address and key: 2 findings for each of 101,025 pairs, more than a spread push takes at once.
    const one = host('h-000');
    const files = Object.fromEntries(Array.from({ length: 450 }, (_, i) => [`inventory/hosts/h-${String(i).padStart(3, '0')}.yaml`, one.replace('id: h-000', `id: h-${String(i).padStart(3, '0')}`)]));
    const all = lintRepo({ repo: await repoFromFiles(files), now: NOW, existingFiles: new Set() });
    expect(all.filter((d) => d.code === 'internal.rule-failed').map((d) => d.message)).toEqual([]);
    expect(all.filter((d) => d.code === 'host.duplicate').length).toBe(450 * 449);
  });

  it('a person without a GitHub login in an approval team is reported', async () => {
    const approval =
      'id: approval\nteams:\n  ops:\n    title: Ops\n    members: [alice, bob]\ngovernance:\n  paths: [policies/approval.yaml]\n  require: { count: 1, from: { teams: [ops] } }\nrules:\n  - id: any\n    title: any\n    if: { kinds: [change] }\n    require: { count: 1, from: { teams: [ops] } }\n';
    const ds = await lint({
      'policies/approval.yaml': approval,
      'policies/access/people/alice.yaml': person('alice'),
      'policies/access/people/bob.yaml': person('bob').replace('github: bob-gh\n', ''),
    });
    expect(ds.map((d) => [d.code, d.pointer])).toEqual([['approval.member-no-login', '/teams/ops/members/1']]);
  });

  it('once one person pins a github_id, each approver without one gets a warning; before that, nobody does', async () => {
    const approval =
      'id: approval\nteams:\n  ops:\n    title: Ops\n    members: [alice, bob]\ngovernance:\n  paths: [policies/approval.yaml]\n  require: { count: 1, from: { teams: [ops] } }\nrules:\n  - id: any\n    title: any\n    if: { kinds: [change] }\n    require: { count: 1, from: { teams: [ops] } }\n';
    const files = { 'policies/approval.yaml': approval, 'policies/access/people/alice.yaml': person('alice'), 'policies/access/people/bob.yaml': person('bob') };
    expect(await lint(files)).toEqual([]);
    const ds = await lint({ ...files, 'policies/access/people/alice.yaml': person('alice').replace('github: alice-gh\n', 'github: alice-gh\ngithub_id: 4242\n') });
    expect(ds.map((d) => [d.code, d.pointer, d.severity])).toEqual([['approval.member-no-github-id', '/teams/ops/members/1', 'warning']]);
    expect(ds[0]!.message).toContain('bob');
  });
});
