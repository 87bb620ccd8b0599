import { GitHubApiError } from '../model/errors.ts';
import type { GateOctokit } from './client.ts';
import { commitTree } from './git-tree.ts';
import { rawBytes, rawText, verifiedBlobText } from './git-objects.ts';
import { readAllPages } from './paginate.ts';
import { PayloadError, count, id, list, loginOf, obj, optId, readList, type Json } from './payload.ts';
import { statusOf, wrapError } from './scm-errors.ts';
import { readCommit, readFile, readPull, readReview, readTree, reviewOf } from './scm-payloads.ts';
import { COMPARE_FILE_CAP } from './scm-caps.ts';
import type { GitHubScm, ScmOptions } from './scm.ts';

/** The Scm over the real GitHub REST API (Octokit): every list paginated by paginate.ts, every failure a GitHubApiError. */
export function createGitHubScm(octokit: GateOctokit, repository: string, opts: ScmOptions = {}): GitHubScm {
  const [owner, repo] = repository.split('/') as [string, string];
  if (!owner || !repo) throw new GitHubApiError('configure', undefined, `repository '${repository}' is not owner/name`);
  const base = { owner, repo };
  const apiBase = String(octokit.request.endpoint.DEFAULTS.baseUrl);
  // The repository's id, which a `next` link by id must name: from a pull request answer already checked to be this
  // repository's, or else learnt once from "Get a repository".
  let repositoryId: Promise<{ id: number } | { unknown: string }> | undefined;
  const learnId = () =>
    (repositoryId ??= octokit.rest.repos.get(base).then(
      ({ data }) => {
        const d = obj(data, 'the repository');
        const name = typeof d.full_name === 'string' ? d.full_name : '(none)';
        if (name.toLowerCase() !== repository.toLowerCase()) return { unknown: `"Get a repository" answered for ${name}` };
        return { id: id(d, 'id', 'the repository') };
      },
      (err: unknown) => ({ unknown: `"Get a repository" failed (${statusOf(err) ? `HTTP ${statusOf(err)}` : err instanceof Error ? err.message : String(err)})` }),
    )).catch((err: unknown) => ({ unknown: err instanceof Error ? err.message : String(err) }));
  const pages = (route: unknown, params: Record<string, unknown>) => readAllPages(route as Parameters<typeof readAllPages>[0], params, apiBase, { repositoryId: learnId });
  const call = async <T>(operation: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw wrapError(operation, err);
    }
  };

  return {
    repository,
    getPullRequest: (pr) =>
      call(`get pull request #${pr}`, async () => {
        const { data } = await octokit.rest.pulls.get({ ...base, pull_number: pr });
        const pull = readPull(data, `pull request #${pr}`);
        // The answer must be the pull request asked for: a cache before the API can serve another's (another
        // number, another repository's), and the gate would decide that one under this one's name.
        if (pull.number !== pr) throw new PayloadError(`the answer is pull request #${pull.number}, not #${pr}: an answer to another request (a cache or proxy before the API?); not used`);
        if (pull.base.repo.toLowerCase() !== repository.toLowerCase())
          throw new PayloadError(`the answer is a pull request of ${pull.base.repo}, not of ${repository}: an answer to another request (a cache or proxy before the API?); not used`);
        // GitHub always sends both counts here. Without them a commit or file list that simply ends early (no Link
        // header, a short page) looks complete: it could hide a commit the approver wrote, or a governed file.
        const d = obj(data, `pull request #${pr}`);
        const repoId = optId(obj(obj(d.base, 'base').repo, 'base.repo'), 'id');
        if (!repositoryId && repoId !== undefined) repositoryId = Promise.resolve({ id: repoId });
        const why = '; GitHub always sends it, and without it a commit or file list cut short cannot be told from a complete one';
        return { ...pull, counts: { commits: count(d, 'commits', `pull request #${pr}`, why), files: count(d, 'changed_files', `pull request #${pr}`, why) } };
      }),
    findOpenPullRequestsByHead: (sha, head = {}) =>
      call(`find the pull requests of ${sha.slice(0, 7)}`, async () => {
        const pulls = readList(
          await pages(octokit.rest.pulls.list, { ...base, state: 'open', per_page: 100 }),
          'pull request',
          (p, w) => readPull(p, w),
          (p) => String(p.number),
        );
        return (
          pulls
            // Ids are canonical (lowercase) once read; the event's may be spelled otherwise.
            .filter((p) => p.head.sha === sha.toLowerCase() && (!head.repo || p.head.repo === head.repo) && (!head.ref || p.head.ref === head.ref))
            .map((p) => p.number)
            .sort((a, b) => a - b)
        );
      }),
    listOpenPullRequests: (baseRef) =>
      call(`list open pull requests${baseRef ? ` into ${baseRef}` : ''}`, async () => {
        const pulls = readList(
          await pages(octokit.rest.pulls.list, { ...base, state: 'open', per_page: 100, ...(baseRef ? { base: baseRef } : {}) }),
          'pull request',
          (p, w) => readPull(p, w),
          (p) => String(p.number),
        );
        return pulls.map((p) => ({ number: p.number, base_ref: p.base.ref, head_sha: p.head.sha }));
      }),
    listCommits: (pr) =>
      call(`list commits of #${pr}`, async () => {
        return readList(await pages(octokit.rest.pulls.listCommits, { ...base, pull_number: pr, per_page: 100 }), 'commit', readCommit, (c) => c.sha);
      }),
    listFiles: (pr) =>
      call(`list files of #${pr}`, async () => {
        return readList(await pages(octokit.rest.pulls.listFiles, { ...base, pull_number: pr, per_page: 100 }), 'file', readFile, (f) => f.path);
      }),
    listReviews: (pr) =>
      call(`list reviews of #${pr}`, async () => {
        const read = (r: Json, where: string) => {
          const unplaced = reviewOf(r, where, repository, pr);
          const review = readReview(r, where);
          return unplaced ? { ...review, origin_unverified: unplaced } : review;
        };
        return readList(await pages(octokit.rest.pulls.listReviews, { ...base, pull_number: pr, per_page: 100 }), 'review', read, (r) => String(r.id));
      }),
    readFileAtRef: (path, ref) =>
      call(`read ${path} at ${ref.slice(0, 12)}`, async () => {
        try {
          const res = await octokit.rest.repos.getContent({ ...base, path, ref, mediaType: { format: 'raw' } });
          return rawText(res.data, `the raw content of ${path}`);
        } catch (err) {
          if (statusOf(err) === 404) return undefined;
          throw err;
        }
      }),
    listTreeAtRef: (ref) =>
      call(`list tree at ${ref.slice(0, 12)}`, async () => {
        // The commit names its root tree; the tree answer must be that tree, and hash to it (git-tree.ts).
        const { data: commit } = await octokit.rest.git.getCommit({ ...base, commit_sha: ref });
        const treeSha = commitTree(commit, ref);
        const { data } = await octokit.rest.git.getTree({ ...base, tree_sha: treeSha, recursive: 'true' });
        return readTree(data, treeSha, `the tree of commit ${ref.slice(0, 12)}`);
      }),
    readBlob: (sha) =>
      call(`read blob ${sha.slice(0, 12)}`, async () => {
        try {
          // The bytes as sent (not decoded by Octokit), so that they can be checked against the blob id.
          const res = await octokit.rest.git.getBlob({ ...base, file_sha: sha, mediaType: { format: 'raw' }, request: { parseSuccessResponseBody: false } });
          return verifiedBlobText(await rawBytes(res.data, `the raw blob ${sha.slice(0, 12)}`), sha);
        } catch (err) {
          if (statusOf(err) === 404) return undefined;
          throw err;
        }
      }),
    getPermission: (login) =>
      call(`read the repository permission of ${login}`, async () => {
        try {
          const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...base, username: login });
          // A role the gate cannot read is no role: the review then does not count.
          const d = obj(data, `the permission of ${login}`);
          // The answer must be about the account asked for: a cache before the API serving another's (an admin's
          // answer for a reader) would let a review count that GitHub ignores. GitHub documents `user` as nullable.
          const about = loginOf(d, 'user', `the permission of ${login}`);
          if (about && about.login.toLowerCase() !== login.toLowerCase())
            throw new PayloadError(`the permission of ${login} answers for ${about.login}: an answer to another request (a cache or proxy before the API?); not used`);
          const role = typeof d.role_name === 'string' && d.role_name ? d.role_name : d.permission;
          return typeof role === 'string' && role ? role : 'none';
        } catch (err) {
          // A login GitHub does not know (renamed, deleted) has no role here: its review does not count.
          if (statusOf(err) === 404) return 'none';
          throw err;
        }
      }),
    compareCommits: (from, to) =>
      call(`compare ${from.slice(0, 7)}...${to.slice(0, 7)}`, async () => {
        const { data } = await octokit.rest.repos.compareCommitsWithBasehead({ ...base, basehead: `${from}...${to}` });
        const d = obj(data, `the comparison ${from.slice(0, 7)}...${to.slice(0, 7)}`);
        // No `files` at all is not "nothing changed": the caller then diffs the trees itself.
        if (d.files === undefined || d.files === null) return { files: [], complete: false };
        // `from...to` lists what changed since their merge base: only when `from` is that base (an ancestor of `to`)
        // is it what changed since `from`. Otherwise (diverged, behind, another base) the trees are diffed too.
        const mergeBase = d.merge_base_commit && typeof d.merge_base_commit === 'object' ? (d.merge_base_commit as Json).sha : undefined;
        if ((d.status !== 'ahead' && d.status !== 'identical') || typeof mergeBase !== 'string' || mergeBase.toLowerCase() !== from.toLowerCase()) return { files: [], complete: false };
        const files = list(d.files, 'the comparison files').map((f, i) => readFile(obj(f, `compared file ${i + 1}`), `compared file ${i + 1}`));
        const paths = files.flatMap((f) => (f.previous_path ? [f.path, f.previous_path] : [f.path]));
        return { files: paths, complete: files.length < COMPARE_FILE_CAP };
      }),
    setStatus: (sha, status) =>
      call(`set status ${status.context} on ${sha.slice(0, 7)}`, async () => {
        await octokit.rest.repos.createCommitStatus({ ...base, sha, ...status, description: status.description.slice(0, 140) });
      }),
    listRequestedReviewers: (pr) =>
      call(`list the requested reviewers of #${pr}`, async () => {
        const { data } = await octokit.rest.pulls.listRequestedReviewers({ ...base, pull_number: pr });
        const users = list(obj(data, 'the requested reviewers').users ?? [], 'the requested reviewers');
        return users.flatMap((u) => (u && typeof u === 'object' && typeof (u as Json).login === 'string' ? [(u as Json).login as string] : []));
      }),
    requestReviewers: (pr, logins) =>
      call(`request reviews on #${pr}`, async () => {
        const ask = (reviewers: string[]) => octokit.rest.pulls.requestReviewers({ ...base, pull_number: pr, reviewers });
        const refused: { login: string; reason: string }[] = [];
        const reason = (err: unknown) =>
          `HTTP 422: ${(err instanceof Error ? err.message : String(err)).replace(/(gh[pousr]_|github_pat_)[A-Za-z0-9_]+/g, '[redacted]').split(' - https://docs.github.com')[0]!}`;
        try {
          await ask(logins);
          return refused;
        } catch (err) {
          if (statusOf(err) !== 422) throw err;
          if (logins.length === 1) return [{ login: logins[0]!, reason: reason(err) }];
        }
        for (const login of logins) {
          try {
            await ask([login]);
          } catch (err) {
            if (statusOf(err) !== 422) throw err;
            refused.push({ login, reason: reason(err) });
          }
        }
        return refused;
      }),
    upsertStickyComment: (pr, marker, body) =>
      call(`publish the comment on #${pr}`, async () => {
        const comments = await pages(octokit.rest.issues.listComments, { ...base, issue_number: pr, per_page: 100 });
        // Only our own comment counts: anyone can paste the marker into a comment of theirs.
        const bots = (opts.botLogins ?? []).map((l) => l.toLowerCase());
        const mine = (comments as unknown[])
          .filter((c): c is { id: number; body?: unknown; user?: { type?: unknown; login?: unknown } | null } => !!c && typeof c === 'object' && typeof (c as Json).id === 'number')
          .find(
            (c) => typeof c.body === 'string' && c.body.startsWith(marker) && c.user?.type === 'Bot' && typeof c.user.login === 'string' && (!bots.length || bots.includes(c.user.login.toLowerCase())),
          );
        if (mine) {
          await octokit.rest.issues.updateComment({ ...base, comment_id: mine.id, body });
          return { id: mine.id, action: 'updated' as const };
        }
        const { data } = await octokit.rest.issues.createComment({ ...base, issue_number: pr, body });
        return { id: data.id, action: 'created' as const };
      }),
  };
}
