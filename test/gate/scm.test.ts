import { describe, expect, it } from 'vitest';
import { GitHubApiError } from '../../scripts/model/errors.ts';
import { idOf } from '../github-server/server.ts';
import { TOKEN, changePath, changeYaml, client, openPr, useHarness } from './helpers.ts';

/** The scm interface over the real Octokit client: shapes, pagination and error wrapping. */
const h = useHarness();

describe('scm', () => {
  it('maps GitHub payloads to domain facts', async () => {
    const head = openPr(h, 1, 'li-na', { [changePath()]: changeYaml() });
    h.repo.review(1, { login: 'dependabot[bot]', type: 'Bot' }, 'COMMENTED');
    const { scm } = client(h);
    expect(await scm.getPullRequest(1)).toMatchObject({ number: 1, author: { login: 'lina-yf', type: 'User' }, base: { sha: h.base, ref: 'main' }, head: { sha: head } });
    expect(await scm.listCommits(1)).toEqual([
      {
        sha: head,
        author_login: 'lina-yf',
        committer_login: 'lina-yf',
        author_type: 'User',
        committer_type: 'User',
        author_id: idOf('lina-yf'),
        committer_id: idOf('lina-yf'),
        author_name: 'lina-yf',
        author_email: 'lina-yf@users.noreply.github.local',
        committer_email: 'lina-yf@users.noreply.github.local',
        message: 'PR 1',
        parents: [h.base],
      },
    ]);
    expect(await scm.listFiles(1)).toEqual([{ path: changePath(), status: 'added' }]);
    expect(await scm.listReviews(1)).toEqual([expect.objectContaining({ login: 'dependabot[bot]', user_type: 'Bot', state: 'COMMENTED', commit_id: head })]);
    expect(await scm.readFileAtRef(changePath(), head)).toBe(changeYaml());
    expect(await scm.readFileAtRef(changePath(), h.base)).toBeUndefined();
    expect(await scm.findOpenPullRequestsByHead(head)).toEqual([1]);
    expect(await scm.findOpenPullRequestsByHead(head.toUpperCase())).toEqual([1]); // an id in another case names the same commit
    expect(await scm.compareCommits(h.base, head)).toEqual({ files: [changePath()], complete: true });
    const tree = await scm.listTreeAtRef(head);
    const entry = tree.entries.find((e) => e.path === changePath())!;
    expect(entry.mode).toBe('100644');
    expect(await scm.readBlob(entry.sha)).toBe(changeYaml());
    expect(await scm.readBlob('0'.repeat(40))).toBeUndefined();
    h.repo.permissions.set('lina-yf', 'triage');
    expect(await scm.getPermission('lina-yf')).toBe('triage');
    expect(await scm.listOpenPullRequests('main')).toEqual([{ number: 1, base_ref: 'main', head_sha: head }]);
    expect(await scm.listOpenPullRequests('side')).toEqual([]);
  });

  it('wraps failures as GitHubApiError with operation and status, and nothing that holds the token', async () => {
    openPr(h, 2, 'li-na', { [changePath()]: changeYaml() });
    const { scm } = client(h, { token: `${TOKEN}x` });
    const err = await scm.listReviews(2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitHubApiError);
    expect(err).toMatchObject({ operation: 'list reviews of #2', status: 401 });
    expect(Object.keys(err as object)).not.toContain('request');
    expect(Object.keys(err as object)).not.toContain('response');
    expect(JSON.stringify(err) + String(err) + (err as Error).stack).not.toContain(TOKEN);
  });

  it('retries 5xx on writes too, and publishes one comment', async () => {
    openPr(h, 3, 'li-na', { [changePath()]: changeYaml() });
    h.gh.fail({ method: 'POST', path: /\/issues\/3\/comments$/, kind: 'status', status: 502, times: 1 });
    const { scm } = client(h);
    expect(await scm.upsertStickyComment(3, '<!-- m -->', '<!-- m -->\nfirst')).toMatchObject({ action: 'created' });
    expect(await scm.upsertStickyComment(3, '<!-- m -->', '<!-- m -->\nsecond')).toMatchObject({ action: 'updated' });
    const comments = [...h.repo.comments.values()].filter((c) => c.issue === 3);
    expect(comments.map((c) => c.body)).toEqual(['<!-- m -->\nsecond']);
  });
});
