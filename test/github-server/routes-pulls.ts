import { headOf } from './fake-repo.ts';
import { commitJson, diffFiles, pullJson } from './payloads.ts';
import { userJson, type Route } from './server.ts';

/** GitHub lists at most 250 commits and 3000 files of a pull request (documented on both endpoints). */
export const PR_COMMITS_LIMIT = 250;
export const PR_FILES_LIMIT = 3000;

export const pullRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/pulls\/(\d+)$/,
    handle: (c) => {
      const p = c.repo.pulls.get(Number(c.match[1]));
      return p ? c.send(200, pullJson(c.base, c.repo, p, true)) : c.notFound();
    },
  },
  {
    // state, head (user:ref or org:ref) and base filters, as documented for "List pull requests".
    method: 'GET',
    pattern: /^\/pulls$/,
    handle: (c) => {
      const state = c.url.searchParams.get('state') ?? 'open';
      const head = c.url.searchParams.get('head');
      const baseRef = c.url.searchParams.get('base');
      const list = [...c.repo.pulls.values()]
        .filter((p) => state === 'all' || p.state === state)
        .filter((p) => !baseRef || p.baseRef === baseRef)
        .filter((p) => !head || `${(p.headRepo ?? c.repo.fullName).split('/')[0]}:${p.headRef}` === head)
        .sort((a, b) => b.number - a.number);
      c.paginate(list.map((p) => pullJson(c.base, c.repo, p)));
    },
  },
  {
    method: 'GET',
    pattern: /^\/pulls\/(\d+)\/commits$/,
    handle: (c) => {
      const p = c.repo.pulls.get(Number(c.match[1]));
      if (!p) return c.notFound();
      c.paginate(p.commits.slice(0, PR_COMMITS_LIMIT).map((sha) => commitJson(c.base, c.repo, c.repo.commits.get(sha)!)));
    },
  },
  {
    method: 'GET',
    pattern: /^\/pulls\/(\d+)\/files$/,
    handle: (c) => {
      const p = c.repo.pulls.get(Number(c.match[1]));
      if (!p) return c.notFound();
      c.paginate(diffFiles(c.base, c.repo, p.baseSha, headOf(p)).slice(0, PR_FILES_LIMIT));
    },
  },
  {
    // "Get all requested reviewers for a pull request": users and teams still asked (a review removes its author).
    method: 'GET',
    pattern: /^\/pulls\/(\d+)\/requested_reviewers$/,
    handle: (c) => {
      const p = c.repo.pulls.get(Number(c.match[1]));
      if (!p) return c.notFound();
      c.send(200, { users: p.requested.map((login) => userJson({ login })), teams: [] });
    },
  },
  {
    // "Request reviewers for a pull request": 201 with the pull request; 422 when a login is the author or
    // not a collaborator (the whole request is refused, nobody is asked).
    method: 'POST',
    pattern: /^\/pulls\/(\d+)\/requested_reviewers$/,
    handle: (c) => {
      const p = c.repo.pulls.get(Number(c.match[1]));
      if (!p) return c.notFound();
      const body = JSON.parse(c.body || '{}') as { reviewers?: string[]; team_reviewers?: string[] };
      const logins = body.reviewers ?? [];
      if (!logins.length && !(body.team_reviewers ?? []).length) return c.send(422, { message: 'Invalid request.\n\nNo subschema in "anyOf" matched.', status: '422' });
      if (logins.some((l) => l.toLowerCase() === p.user.login.toLowerCase())) return c.send(422, { message: 'Review cannot be requested from pull request author.', status: '422' });
      if (logins.some((l) => c.repo.permissionOf(l) === 'none')) {
        return c.send(422, {
          message: `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${c.repo.fullName} repository.`,
          status: '422',
        });
      }
      for (const l of logins) if (!p.requested.some((r) => r.toLowerCase() === l.toLowerCase())) p.requested.push(l);
      c.send(201, pullJson(c.base, c.repo, p));
    },
  },
  {
    method: 'GET',
    pattern: /^\/pulls\/(\d+)\/reviews$/,
    handle: (c) => {
      const p = c.repo.pulls.get(Number(c.match[1]));
      if (!p) return c.notFound();
      const html = `https://github.local/${c.repo.fullName}`;
      c.paginate(
        p.reviews.map((v) => ({
          id: v.id,
          node_id: `PRR_${v.id}`,
          user: v.user ? userJson(v.user) : null,
          body: '',
          state: v.state,
          html_url: `${html}/pull/${p.number}#pullrequestreview-${v.id}`,
          pull_request_url: `${c.base}/repos/${c.repo.fullName}/pulls/${p.number}`,
          author_association: v.user ? 'MEMBER' : 'NONE',
          _links: { html: { href: `${html}/pull/${p.number}#pullrequestreview-${v.id}` }, pull_request: { href: `${c.base}/repos/${c.repo.fullName}/pulls/${p.number}` } },
          submitted_at: v.submitted_at,
          commit_id: v.commit_id,
        })),
      );
    },
  },
];
