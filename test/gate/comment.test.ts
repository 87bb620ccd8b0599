import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { COMMENT_MARKER } from '../../scripts/gate/render.ts';
import { changeYaml, runGateCli, user, useHarness } from './helpers.ts';

/** The sticky comment (issue 10, item 10), through the real CLI against the local server. */
const h = useHarness();

const comments = (pr: number) => [...h.repo.comments.values()].filter((c) => c.issue === pr);
const open = (n: number, files: Record<string, string>) => {
  const c = h.repo.commit({ parent: h.base, files, author: user('li-na'), committer: user('li-na') });
  h.repo.openPull({ number: n, author: user('li-na'), baseSha: h.base, commits: [c] });
};

describe('sticky comment', () => {
  it('is recognised only when written by the configured bot identity, not by any bot', async () => {
    open(80, { 'changes/2026/CHG-2026-0200.yaml': changeYaml() });
    const forged = h.repo.addComment(80, { login: 'other-app[bot]', type: 'Bot' }, `${COMMENT_MARKER}\n## ✅ opsgate approval: satisfied`);
    const run = await runGateCli(h, ['--pr', '80', '--format', 'github']);
    expect(run.stderr).toBe('');
    expect(h.repo.comments.get(forged.id)!.body).toContain('satisfied');
    const mine = comments(80).filter((c) => c.user.login === 'github-actions[bot]');
    expect(mine).toHaveLength(1);
    expect(mine[0]!.body).toContain('opsgate approval: pending');
    await runGateCli(h, ['--pr', '80', '--format', 'github']);
    expect(comments(80)).toHaveLength(2); // updated in place, never a third
  });

  it("stays under GitHub's comment limit for 300 change requests and points to the job summary", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 300; i++) {
      const id = `CHG-2026-${String(1000 + i)}`;
      files[`changes/2026/${id}.yaml`] = changeYaml({ id, title: `rotate the certificates of service number ${i} with a long descriptive title` });
    }
    open(81, files);
    const run = await runGateCli(h, ['--pr', '81', '--format', 'github'], { GITHUB_SERVER_URL: 'https://github.local', GITHUB_RUN_ID: '99' });
    expect(run.stderr).toBe('');
    expect(h.gh.requests.filter((q) => q.status === 422)).toEqual([]);
    const body = comments(81)[0]!.body;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body.startsWith(COMMENT_MARKER)).toBe(true);
    expect(body).toContain('https://github.local/yunfan/ops/actions/runs/99');
    expect(h.repo.statuses.at(-1)).toMatchObject({ context: 'opsgate/approval (main)' });
  }, 60_000);

  it('neutralises @user and @org/team mentions taken from pull-request text', async () => {
    open(82, { 'changes/2026/CHG-2026-0200.yaml': changeYaml({ title: 'cc @yunfan/security-team and @lina-yf please' }), 'runbooks/@everyone.md': '# x\n' });
    await runGateCli(h, ['--pr', '82', '--format', 'github']);
    const body = comments(82)[0]!.body;
    expect(body).toContain('security-team');
    expect(body).not.toMatch(/@yunfan\/security-team|@lina-yf|@everyone/);
  });

  it('shows what each changed change request will run: hosts, production hosts, which secret goes where, what runs as root', async () => {
    const doc = parse(changeYaml({ hosts: ['cache-01', 'app-03'], risk: 'medium', window: { start: '2026-12-03T22:00:00+08:00', end: '2026-12-03T23:00:00+08:00' } })) as Record<string, unknown>;
    // (The window suits cache-01 only, so lint's rules fail the gate; the comment still shows the plan.)
    doc.steps = [{ id: 'flush', kind: 'run', argv: ['redis-cli', 'FLUSHALL'], sudo: true, env: { REDISCLI_AUTH: '${{ secrets.REDIS_PASSWORD }}' } }];
    open(83, { 'changes/2026/CHG-2026-0200.yaml': stringify(doc) });
    await runGateCli(h, ['--pr', '83', '--format', 'github']);
    const body = comments(83)[0]!.body;
    expect(body).toContain(
      '<details><summary>What CHG-2026-0200 will run: 2 hosts (**1 prod**: cache-01) · 🔑 secrets: REDIS\\_PASSWORD → app-03, cache-01 · ⚠️ as root: step flush, rollback downgrade-jdk',
    );
    expect(body).toContain('### Plan for CHG-2026-0200');
    expect(body).toMatch(/sudo -n -- env .*redis-cli FLUSHALL|sudo -n -- .*redis-cli FLUSHALL/);
    expect(body).not.toContain('REDISCLI_AUTH=');
    expect(body).toMatch(/陈杰 \(@\u200bchenjie-yf\)/);
  });
});
