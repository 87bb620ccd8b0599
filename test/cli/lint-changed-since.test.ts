/**
 * `lint --changed-since BASE` in a pull request reports what the pull request
 * changed: findings in the files it touches, and findings it causes elsewhere,
 * but not findings that were already there (date-based warnings about files it
 * did not touch belong to the scheduled run).
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitIn, lintJson as lintAt, prRepo } from '../helpers/pr-repo.ts';
import { change, group, host, person } from '../rules/fixture-docs.ts';

const lint = (root: string, ...args: string[]) => lintAt(root, args);

const runbook = (reviewed: string) => `---
id: restart
title: restart a service
owner: alice
review_every_days: 30
last_reviewed: ${reviewed}
---
# restart
`;

let root: string;
const git = (...a: string[]) => gitIn(root, ...a);

beforeAll(async () => {
  root = await prRepo('og-lint-since-', {
    'inventory/groups/web.yaml': group('web'),
    'inventory/hosts/web-01.yaml': host('web-01', { env: 'staging' }),
    'policies/access/people/alice.yaml': person('alice'),
    'policies/access/people/bob.yaml': person('bob'),
    'changes/2026/CHG-2026-0001.yaml': change({ risk: 'low' }),
    'runbooks/restart.md': runbook('2020-01-01'),
  });
}, 60_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('lint --changed-since', () => {
  it('the base already has a date-based warning about an untouched runbook', async () => {
    const all = await lint(root);
    expect(all.findings.map((d) => d.code)).toContain('runbook.review-overdue');
  });

  it('a pull request that removes a person is answerable for the change that still names them, not for the overdue runbook', async () => {
    await rm(path.join(root, 'policies/access/people/bob.yaml'));
    await git('commit', '-qam', 'bob left');
    const r = await lint(root, '--changed-since', 'main');
    expect(r.findings.map((d) => `${d.file} ${d.code}`)).toEqual(expect.arrayContaining([expect.stringMatching(/^changes\/2026\/CHG-2026-0001\.yaml reference\./)]));
    expect(r.findings.some((d) => d.file === 'runbooks/restart.md')).toBe(false);
    expect(r.code).toBe(1);
  }, 60_000);

  it('a pull request that touches the runbook sees its warning', async () => {
    await writeFile(path.join(root, 'runbooks/restart.md'), runbook('2020-02-01'));
    await git('commit', '-qam', 'touch runbook');
    const r = await lint(root, '--changed-since', 'main');
    expect(r.findings.some((d) => d.file === 'runbooks/restart.md' && d.code === 'runbook.review-overdue')).toBe(true);
  }, 60_000);
});
