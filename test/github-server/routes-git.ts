import { createHash } from 'node:crypto';
import path from 'node:path';
import { blobSha } from './fake-repo.ts';
import { commitJson, diffFiles } from './payloads.ts';
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
    // Recursive trees are cut at a limit (GitHub: 100,000 entries or 7 MB) and say `truncated: true`.
    method: 'GET',
    pattern: /^\/git\/trees\/([0-9a-f]{40})$/,
    handle: (c) => {
      const commit = c.repo.commits.get(c.match[1]!);
      if (!commit) return c.notFound();
      const dirs = new Set<string>();
      const tree: Record<string, unknown>[] = [];
      for (const [p, content] of [...commit.tree].sort(([a], [b]) => a.localeCompare(b))) {
        const parts = p.split('/');
        for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
        const sha = blobSha(content);
        tree.push({ path: p, mode: commit.modes.get(p) ?? '100644', type: 'blob', sha, size: Buffer.byteLength(content), url: `${c.base}/repos/${c.repo.fullName}/git/blobs/${sha}` });
      }
      for (const d of dirs) tree.push({ path: d, mode: '040000', type: 'tree', sha: createHash('sha1').update(`${commit.sha}:${d}`).digest('hex') });
      const truncated = tree.length > c.repo.treeEntryLimit;
      c.send(200, { sha: commit.sha, url: `${c.base}/repos/${c.repo.fullName}/git/trees/${commit.sha}`, tree: tree.slice(0, c.repo.treeEntryLimit), truncated });
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
