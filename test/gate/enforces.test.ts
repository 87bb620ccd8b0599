import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { blobSha } from '../github-server/server.ts';
import { FIXTURES, changePath, changeYaml, runGateCli, user, useHarness } from './helpers.ts';

/**
 * The one required status is enough (issue 10, items 8–9), through the real CLI:
 * the gate enforces lint's change rules itself, and fails closed on any base
 * file its tree lists but that cannot be read.
 */
const h = useHarness();

const decide = async (pr: number) =>
  JSON.parse((await runGateCli(h, ['--pr', String(pr), '--format', 'json'])).stdout) as { status: string; problems: { code: string; file?: string; message: string }[] };

describe('the gate enforces the change rules it relies on', () => {
  it("a fully approved change outside every maintenance window of its prod host fails with lint's message", async () => {
    // Wednesday afternoon: cache-01's windows are Tuesday and Thursday nights.
    openChange(70, changeYaml({ hosts: ['cache-01'], risk: 'medium', window: { start: '2026-12-02T14:00:00+08:00', end: '2026-12-02T15:00:00+08:00' } }));
    for (const who of ['zhang-wei', 'chen-jie'] as const) h.repo.review(70, user(who), 'APPROVED');
    const r = await decide(70);
    expect(r.status).toBe('failed');
    expect(r.problems.map((p) => [p.code, p.file])).toEqual([['gate.lint', changePath()]]);
    expect(r.problems[0]!.message).toMatch(/^changes\/2026\/CHG-2026-0200\.yaml:\d+:\d+ change\.outside-maintenance-window /);
  });

  it('an emergency change without a justification fails, whatever the approvals', async () => {
    openChange(71, changeYaml({ type: 'emergency', hosts: ['app-03'] }).replace(/emergency:\n(\s+\S.*\n)+/, ''));
    h.repo.review(71, user('chen-jie'), 'APPROVED');
    const r = await decide(71);
    expect(r.status).toBe('failed');
    expect(r.problems.map((p) => p.message).join('\n')).toMatch(/change\.emergency/);
  });
});

describe('every base read fails closed', () => {
  it.each(['policies/calendar.yaml', 'policies/access/people/chen-jie.yaml', 'inventory/groups/cache.yaml'])('%s listed in the base tree but unreadable fails the gate', async (file) => {
    openChange(72, changeYaml());
    h.repo.review(72, user('chen-jie'), 'APPROVED');
    expect((await decide(72)).status).toBe('satisfied');
    const sha = blobSha(readFileSync(path.join(FIXTURES, 'base', file), 'utf8'));
    h.gh.fail({ method: 'GET', path: new RegExp(`/git/blobs/${sha}$`), kind: 'status', status: 404, times: Infinity });
    const r = await decide(72);
    expect(r.status).toBe('failed');
    expect(r.problems[0]).toMatchObject({ code: 'gate.unreadable', file });
  });
});

function openChange(n: number, text: string) {
  const c = h.repo.commit({ parent: h.base, files: { [changePath()]: text }, author: user('li-na'), committer: user('li-na') });
  h.repo.openPull({ number: n, author: user('li-na'), baseSha: h.base, commits: [c] });
}
