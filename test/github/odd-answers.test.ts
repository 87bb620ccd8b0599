import { describe, expect, it } from 'vitest';
import type { GateResult } from '../../scripts/gate/types.ts';
import { changePath, changeYaml, openPr, REPO, runGateCli, user, useHarness } from '../gate/helpers.ts';

/**
 * Answers no GitHub gives to the gate's requests, through the real Octokit client: a 304 Not Modified the gate
 * never asked for (it sends no If-None-Match: an empty answer must not read as an empty review list), a JSON list
 * sent as HTML (Octokit then hands over text), and a JSON object where a list belongs. Each fails closed (exit 1).
 */
const h = useHarness();

const json = (run: { stdout: string }) => JSON.parse(run.stdout) as GateResult;

/** PR n: chen-jie approves, liu-yang requests changes. */
function blocked(n: number) {
  openPr(h, n, 'li-na', { [changePath()]: changeYaml() });
  h.repo.review(n, user('chen-jie'), 'APPROVED');
  h.repo.review(n, user('liu-yang'), 'CHANGES_REQUESTED');
}

describe('answers GitHub does not give', () => {
  it('baseline: the request for changes fails the gate, read without a problem', async () => {
    blocked(1);
    const r = json(await runGateCli(h, ['--pr', '1', '--format', 'json']));
    expect(r.problems).toEqual([]);
    expect(r.status).toBe('failed');
  });

  const cases: [string, { status: number; body: string; headers?: Record<string, string> }, RegExp][] = [
    ['an unsolicited 304 Not Modified', { status: 304, body: '', headers: { etag: '"x"' } }, /list reviews of #\d+ failed: the answer is 304 Not Modified, but the request was not conditional/],
    ['a JSON list sent as text/html', { status: 200, body: '[]', headers: { 'content-type': 'text/html; charset=utf-8' } }, /list reviews of #\d+ failed: page 1 of the list is not a JSON list/],
    ['a JSON object where the list belongs', { status: 200, body: '{"reviews":[]}' }, /list reviews of #\d+ failed: page 1 of the list is not a JSON list/],
    ['JSON cut short', { status: 200, body: '[{"id": 1, "user": {"login": "chenjie-yf"' }, /list reviews of #\d+ failed/],
  ];
  cases.forEach(([name, answer, want], i) => {
    it(`${name} on the review list fails closed, never an empty list`, async () => {
      const n = 10 + i;
      blocked(n);
      h.gh.fail({ path: new RegExp(`/pulls/${n}/reviews$`), kind: 'raw', ...answer, times: Infinity });
      const run = await runGateCli(h, ['--pr', String(n), '--format', 'json']);
      expect(run.code).toBe(1);
      expect(json(run).status).toBe('failed');
      expect(json(run).problems[0]?.message).toMatch(want);
      expect(h.gh.requests.some((q) => q.path.startsWith(`/repos/${REPO}/pulls/${n}/reviews`))).toBe(true);
    });
  });
});

describe('headers no GitHub sends', () => {
  it('a Link header of 256 KiB fails closed at once, never a hang, a retry or a list read short', async () => {
    blocked(20);
    const link = `<${h.gh.url}/repos/${REPO}/pulls/20/reviews?per_page=100&page=2>; rel="next", ${'<https://x.invalid/>; rel="x", '.repeat(8 * 1024)}`;
    h.gh.rewrite({ path: /\/pulls\/20\/reviews$/, edit: (d) => d, headers: (hd) => ({ ...hd, link }) });
    const run = await runGateCli(h, ['--pr', '20', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(json(run).status).toBe('failed');
    expect(json(run).problems[0]?.message).toMatch(/list reviews of #20 failed: the answer's headers are larger than any GitHub sends .*not retried \(GET \/repos\/yunfan\/ops\/pulls\/20\/reviews/);
    expect(json(run).problems[0]?.message).not.toMatch(/GitHub is failing/);
    // Refused at once: the same server would send the same headers again.
    expect(h.gh.requests.filter((q) => q.path.includes('/pulls/20/reviews')).length).toBe(1);
  }, 60_000);
});
