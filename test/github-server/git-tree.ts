import { createHash } from 'node:crypto';
import { blobSha, type FakeCommit } from './fake-repo.ts';

/**
 * The git tree objects of a fake commit, hashed as git hashes them (`tree <size>\0` then, per entry sorted by
 * name with a directory compared as `name/`, `mode SP name NUL <20-byte id>`), so the server answers trees and
 * commits whose ids a client can check. Directories are listed with GitHub's mode `040000`.
 */
export interface TreeObject {
  /** The directory's path ('' for the root). */
  path: string;
  sha: string;
  /** Direct children, as GitHub's non-recursive tree lists them. */
  entries: { name: string; mode: string; type: 'blob' | 'tree'; sha: string }[];
}

export function treeObjects(c: Pick<FakeCommit, 'tree' | 'modes'>): { root: string; trees: Map<string, TreeObject> } {
  const children = new Map<string, Map<string, { mode: string; type: 'blob' | 'tree'; sha?: string }>>([['', new Map()]]);
  for (const [p, content] of c.tree) {
    const parts = p.split('/');
    for (let i = 0; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!children.has(dir)) children.set(dir, new Map());
      const last = i === parts.length - 1;
      children.get(dir)!.set(parts[i]!, last ? { mode: c.modes.get(p) ?? '100644', type: 'blob', sha: blobSha(content) } : { mode: '040000', type: 'tree' });
    }
  }
  const trees = new Map<string, TreeObject>();
  const dirs = [...children.keys()].sort((a, b) => depth(b) - depth(a));
  for (const dir of dirs) {
    const entries = [...children.get(dir)!].map(([name, e]) => ({ name, mode: e.mode, type: e.type, sha: e.sha ?? trees.get(dir ? `${dir}/${name}` : name)!.sha }));
    entries.sort((a, b) => Buffer.compare(Buffer.from(a.name + (a.type === 'tree' ? '/' : '')), Buffer.from(b.name + (b.type === 'tree' ? '/' : ''))));
    const body = Buffer.concat(entries.map((e) => Buffer.concat([Buffer.from(`${e.mode.replace(/^0+/, '')} ${e.name}\0`), Buffer.from(e.sha, 'hex')])));
    const sha = createHash('sha1').update(`tree ${body.length}\0`).update(body).digest('hex');
    trees.set(dir, { path: dir, sha, entries });
  }
  return { root: trees.get('')!.sha, trees };
}

const depth = (dir: string) => (dir ? dir.split('/').length : 0);
