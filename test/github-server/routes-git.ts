import path from 'node:path';
import { blobSha, type FakeRepo } from './fake-repo.ts';
import { treeObjects, type TreeObject } from './git-tree.ts';
import { commitJson, diffFiles, gitCommitJson } from './payloads.ts';
import type { Route, RouteContext } from './server.ts';

/** GitHub caps the files of a compare at 300. */
export const COMPARE_FILES_LIMIT = 300;

const wantsRaw = (c: RouteContext) => (c.req.headers.accept ?? '').includes('raw');

export const gitRoutes: Route[] = [
  {
    // "If the content is a symlink and the symlink's target is a normal file in the repository, then the API
    // responds with the content of the file. Otherwise, the API responds with an object describing the symlink itself."
    method: 'GET',
    pattern: /^\/contents\/(.+)$/,
    handle: (c) => {
      const ref = c.url.searchParams.get('ref') ?? '';
      const commit = c.repo.commits.get(ref);
      let p = c.match[1]!;
      if (!commit || !commit.tree.has(p)) return c.notFound();
      let link: string | undefined;
      if (commit.modes.get(p) === '120000') {
        link = commit.tree.get(p)!;
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(p), link));
        if (!target.startsWith('../') && commit.tree.has(target) && commit.modes.get(target) !== '120000') {
          p = target;
          link = undefined;
        }
      }
      const content = commit.tree.get(p)!;
      if (wantsRaw(c)) return c.send(200, content);
      const name = p.split('/').pop()!;
      const common = { name, path: c.match[1], sha: blobSha(content), size: Buffer.byteLength(content), url: `${c.base}/repos/${c.repo.fullName}/contents/${c.match[1]}?ref=${ref}` };
      if (link !== undefined) return c.send(200, { type: 'symlink', target: link, ...common });
      return c.send(200, { type: 'file', encoding: 'base64', content: Buffer.from(content).toString('base64'), ...common });
    },
  },
  {
    method: 'GET',
    pattern: /^\/git\/blobs\/([0-9a-f]{40})$/,
    handle: (c) => {
      const content = c.repo.blobs.get(c.match[1]!);
      if (content === undefined) return c.notFound();
      if (wantsRaw(c)) return c.send(200, content);
      return c.send(200, {
        sha: c.match[1],
        node_id: `B_${c.match[1]!.slice(0, 8)}`,
        size: Buffer.byteLength(content),
        url: `${c.base}/repos/${c.repo.fullName}/git/blobs/${c.match[1]}`,
        content: Buffer.from(content).toString('base64'),
        encoding: 'base64',
      });
    },
  },
  {
    // A tree by its id (or by a commit's: GitHub answers that commit's tree). Recursive trees list every blob and
    // directory by full path, and are cut at a limit (GitHub: 100,000 entries or 7 MB), saying `truncated: true`.
    method: 'GET',
    pattern: /^\/git\/trees\/([0-9a-f]{40})$/,
    handle: (c) => {
      const found = findTree(c.repo, c.match[1]!);
      if (!found) return c.notFound();
      const { trees, dir } = found;
      const tree: Record<string, unknown>[] = [];
      const list = (d: string) => {
        for (const e of trees.get(d)!.entries) {
          const p = d ? `${d}/${e.name}` : e.name;
          const size = e.type === 'blob' ? { size: Buffer.byteLength(c.repo.blobs.get(e.sha) ?? '') } : {};
          tree.push({ path: p, mode: e.mode, type: e.type, sha: e.sha, ...size, url: `${c.base}/repos/${c.repo.fullName}/git/${e.type}s/${e.sha}` });
          if (e.type === 'tree' && recursive) list(p);
        }
      };
      const recursive = !!c.url.searchParams.get('recursive');
      list(dir);
      const sha = trees.get(dir)!.sha;
      const truncated = tree.length > c.repo.treeEntryLimit;
      c.send(200, { sha, url: `${c.base}/repos/${c.repo.fullName}/git/trees/${sha}`, tree: tree.slice(0, c.repo.treeEntryLimit), truncated });
    },
  },
  {
    // "Get a commit object": the commit's tree id, parents and git identities (dates in UTC, without the offset the
    // commit was written with), and for a signed commit the signed text (`verification.payload`).
    method: 'GET',
    pattern: /^\/git\/commits\/([0-9a-f]{40})$/,
    handle: (c) => {
      const commit = c.repo.commits.get(c.match[1]!);
      if (!commit) return c.notFound();
      c.send(200, gitCommitJson(c.base, c.repo, commit));
    },
  },
  {
    method: 'GET',
    pattern: /^\/compare\/([0-9a-f]{40})\.\.\.([0-9a-f]{40})$/,
    handle: (c) => {
      const a = c.repo.commits.get(c.match[1]!);
      const b = c.repo.commits.get(c.match[2]!);
      if (!a || !b) return c.notFound();
      const between: string[] = [];
      for (let s: string | undefined = b.sha; s && s !== a.sha; s = c.repo.commits.get(s)?.parents[0]) between.unshift(s);
      c.send(200, {
        url: `${c.base}/repos/${c.repo.fullName}/compare/${a.sha}...${b.sha}`,
        html_url: `https://github.local/${c.repo.fullName}/compare/${a.sha}...${b.sha}`,
        status: between.length ? 'ahead' : 'identical',
        ahead_by: between.length,
        behind_by: 0,
        total_commits: between.length,
        base_commit: commitJson(c.base, c.repo, a),
        merge_base_commit: commitJson(c.base, c.repo, a),
        commits: between.map((s) => commitJson(c.base, c.repo, c.repo.commits.get(s)!)),
        files: diffFiles(c.base, c.repo, a.sha, b.sha).slice(0, COMPARE_FILES_LIMIT),
      });
    },
  },
];

/** The tree `sha` names: a commit's root tree, or a directory of some commit's tree. */
function findTree(repo: FakeRepo, sha: string): { trees: Map<string, TreeObject>; dir: string } | undefined {
  const commit = repo.commits.get(sha);
  if (commit) return { trees: treeObjects(commit).trees, dir: '' };
  for (const c of repo.commits.values()) {
    const { trees } = treeObjects(c);
    for (const t of trees.values()) if (t.sha === sha) return { trees, dir: t.path };
  }
  return undefined;
}
