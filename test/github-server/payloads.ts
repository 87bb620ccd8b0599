import { blobSha, headOf, type FakeComment, type FakeCommit, type FakePull, type FakeRepo } from './fake-repo.ts';
import { treeObjects } from './git-tree.ts';
import { idOf, userJson } from './server.ts';

/** GitHub's REST payload shapes for the fake state (only the fields a client could read). */

export function commitJson(base: string, repo: FakeRepo, c: FakeCommit) {
  return {
    sha: c.sha,
    node_id: `C_${c.sha.slice(0, 10)}`,
    url: `${base}/repos/${repo.fullName}/commits/${c.sha}`,
    html_url: `https://github.local/${repo.fullName}/commit/${c.sha}`,
    commit: {
      author: { ...c.gitAuthor, date: c.date },
      committer: { ...c.gitCommitter, date: c.date },
      message: c.message,
      tree: { sha: treeObjects(c).root, url: `${base}/repos/${repo.fullName}/git/trees/${treeObjects(c).root}` },
      comment_count: 0,
      verification: { verified: false, reason: 'unsigned' },
    },
    author: c.author ? userJson(c.author) : null,
    committer: c.committer ? userJson(c.committer) : null,
    parents: c.parents.map((p) => ({ sha: p, url: `${base}/repos/${repo.fullName}/commits/${p}` })),
  };
}

/** A commit as "Get a commit object" (git/commits) returns it. */
export function gitCommitJson(base: string, repo: FakeRepo, c: FakeCommit) {
  const root = treeObjects(c).root;
  return {
    sha: c.sha,
    node_id: `C_${c.sha.slice(0, 10)}`,
    url: `${base}/repos/${repo.fullName}/git/commits/${c.sha}`,
    html_url: `https://github.local/${repo.fullName}/commit/${c.sha}`,
    author: { ...c.gitAuthor, date: c.date },
    committer: { ...c.gitCommitter, date: c.date },
    tree: { sha: root, url: `${base}/repos/${repo.fullName}/git/trees/${root}` },
    message: c.message,
    parents: c.parents.map((p) => ({ sha: p, url: `${base}/repos/${repo.fullName}/git/commits/${p}`, html_url: `https://github.local/${repo.fullName}/commit/${p}` })),
    verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
  };
}

/** A pull request as "List pull requests" returns it; `full` adds what only "Get a pull request" has (counts, merge state). */
export function pullJson(base: string, repo: FakeRepo, p: FakePull, full = false) {
  const owner = userJson({ login: repo.owner, type: 'User' });
  const repoJson = (full: string) => ({
    id: idOf(full),
    node_id: 'R_1',
    name: full.split('/')[1],
    full_name: full,
    owner: userJson({ login: full.split('/')[0]!, type: 'User' }),
    private: true,
    html_url: `https://github.local/${full}`,
    default_branch: 'main',
  });
  const headRepo = p.headRepo ?? repo.fullName;
  return {
    url: `${base}/repos/${repo.fullName}/pulls/${p.number}`,
    id: idOf(`${repo.fullName}#${p.number}`),
    node_id: `PR_${p.number}`,
    html_url: `https://github.local/${repo.fullName}/pull/${p.number}`,
    number: p.number,
    state: p.state,
    locked: false,
    title: p.title,
    user: userJson(p.user),
    body: p.body,
    created_at: '2026-11-20T01:00:00Z',
    updated_at: '2026-11-20T01:00:00Z',
    draft: false,
    merged: false,
    requested_reviewers: p.requested.map((login) => userJson({ login })),
    requested_teams: [],
    head: { label: `${headRepo.split('/')[0]}:${p.headRef}`, ref: p.headRef, sha: headOf(p), user: userJson({ login: headRepo.split('/')[0]!, type: 'User' }), repo: repoJson(headRepo) },
    base: { label: `${repo.owner}:${p.baseRef}`, ref: p.baseRef, sha: p.baseSha, user: owner, repo: repoJson(repo.fullName) },
    author_association: 'MEMBER',
    ...(full
      ? {
          merged_by: null,
          merge_commit_sha: null,
          mergeable: null,
          comments: 0,
          review_comments: 0,
          commits: p.commits.length,
          changed_files: diffFiles(base, repo, p.baseSha, headOf(p)).length,
        }
      : {}),
  };
}

export function commentJson(base: string, repo: FakeRepo, c: FakeComment) {
  return {
    id: c.id,
    node_id: `IC_${c.id}`,
    url: `${base}/repos/${repo.fullName}/issues/comments/${c.id}`,
    html_url: `https://github.local/${repo.fullName}/pull/${c.issue}#issuecomment-${c.id}`,
    issue_url: `${base}/repos/${repo.fullName}/issues/${c.issue}`,
    body: c.body,
    user: userJson(c.user),
    created_at: c.created_at,
    updated_at: c.updated_at,
    author_association: c.user.type === 'Bot' ? 'NONE' : 'MEMBER',
  };
}

/** The files changed from one commit's tree to another's, as the PR files and compare endpoints list them. */
export function diffFiles(base: string, repo: FakeRepo, from: string, to: string) {
  const a = repo.commits.get(from)!.tree;
  const b = repo.commits.get(to)!.tree;
  const out: Record<string, unknown>[] = [];
  const entry = (filename: string, status: string, content: string | undefined) => ({
    sha: content === undefined ? '0000000000000000000000000000000000000000' : blobSha(content),
    filename,
    status,
    additions: status === 'removed' ? 0 : 1,
    deletions: status === 'added' ? 0 : 1,
    changes: status === 'modified' ? 2 : 1,
    blob_url: `https://github.local/${repo.fullName}/blob/${to}/${filename}`,
    raw_url: `https://github.local/${repo.fullName}/raw/${to}/${filename}`,
    contents_url: `${base}/repos/${repo.fullName}/contents/${filename}?ref=${to}`,
    patch: '@@ -1 +1 @@',
  });
  const modesA = repo.commits.get(from)!.modes;
  const modesB = repo.commits.get(to)!.modes;
  // GitHub lists a file that moved with identical content once, as `renamed` with `previous_filename`.
  const removed = new Map<string, string>();
  for (const p of a.keys()) if (!b.has(p)) removed.set(a.get(p)!, p);
  const renamedFrom = new Map<string, string>();
  for (const p of b.keys()) {
    const from = !a.has(p) ? removed.get(b.get(p)!) : undefined;
    if (from !== undefined && ![...renamedFrom.values()].includes(from)) renamedFrom.set(p, from);
  }
  const gone = new Set(renamedFrom.values());
  for (const p of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (renamedFrom.has(p)) out.push({ ...entry(p, 'renamed', b.get(p)), previous_filename: renamedFrom.get(p) });
    else if (!a.has(p)) out.push(entry(p, 'added', b.get(p)));
    else if (!b.has(p)) {
      if (!gone.has(p)) out.push(entry(p, 'removed', undefined));
    } else if (a.get(p) !== b.get(p) || modesA.get(p) !== modesB.get(p)) out.push(entry(p, 'modified', b.get(p)));
  }
  return out;
}
