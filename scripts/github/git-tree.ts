import { createHash } from 'node:crypto';
import { PayloadError, list, obj, optObj, optStr, str } from './payload.ts';

/**
 * Trees as GitHub answers them, checked against git's object ids. A commit id names the commit object, which names
 * its root tree; each tree names its entries (mode, name, id). GitHub's REST API does not give the commit object's
 * bytes (dates come back in UTC without the offset they were written with, extra headers are dropped), so the step
 * commit → root tree is taken from "Get a commit object" (and, for a signed commit, must agree with its signed
 * text). From the root tree down everything is checked: a recursive listing holds every directory with its id, so
 * each directory's entries are hashed as git hashes a tree (`tree <size>\0`, then `mode SP name NUL <raw id>` sorted
 * with a directory compared as `name/`) and must give the id its parent lists, up to the root id the commit names.
 * An entry added, dropped, renamed or pointed at another blob changes the hash. Pure.
 */

export interface GitTreeEntry {
  path: string;
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
}

export interface GitTree {
  sha: string;
  entries: GitTreeEntry[];
  truncated: boolean;
}

const HEX = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const TYPES = new Set(['blob', 'tree', 'commit']);

/** The root tree id a "Get a commit object" answer names for `commit`. */
export function commitTree(raw: unknown, commit: string): string {
  const where = `the commit ${commit.slice(0, 12)}`;
  const c = obj(raw, where);
  const said = str(c, 'sha', where).toLowerCase();
  if (said !== commit.toLowerCase()) throw new PayloadError(`${where} was asked for, but GitHub answered the commit ${said.slice(0, 12)}; its tree is not this commit's`);
  const tree = str(obj(c.tree, `${where}.tree`), 'sha', `${where}.tree`).toLowerCase();
  if (!HEX.test(tree) || tree.length !== commit.length) throw new PayloadError(`${where}.tree.sha is ${JSON.stringify(tree.slice(0, 70))}, not a git object id`);
  // A signed commit's text is given as signed: its first line names the tree, and must name this one.
  const payload = optStr(optObj(c, 'verification', where) ?? {}, 'payload', `${where}.verification`);
  const signed = payload === undefined ? undefined : /^tree ([0-9a-f]+)\n/.exec(payload)?.[1];
  if (payload !== undefined && signed !== tree)
    throw new PayloadError(
      `${where} names the tree ${tree.slice(0, 12)}, but its signed text (verification.payload) ${signed ? `names the tree ${signed.slice(0, 12)}` : 'names no tree'}; GitHub's answer contradicts itself`,
    );
  return tree;
}

/** A tree answer, strictly: every entry has a path, a known type, a mode and an id (one missing would hide a path). */
export function readGitTree(raw: unknown, where: string): GitTree {
  const d = obj(raw, where);
  const sha = str(d, 'sha', where).toLowerCase();
  const entries = list(d.tree, `${where}.tree`).map((e, i): GitTreeEntry => {
    const at = `${where} entry ${i + 1}`;
    const x = obj(e, at);
    const path = str(x, 'path', at);
    const type = str(x, 'type', at);
    const mode = str(x, 'mode', at);
    const id = str(x, 'sha', at).toLowerCase();
    if (!TYPES.has(type)) throw new PayloadError(`${at} (${path}) has the type ${JSON.stringify(type)}, none of blob, tree, commit; a path of the tree cannot be judged`);
    if (!/^[0-7]{5,6}$/.test(mode)) throw new PayloadError(`${at} (${path}) has the mode ${JSON.stringify(mode.slice(0, 20))}, not a git file mode`);
    if (!HEX.test(id)) throw new PayloadError(`${at} (${path}) has the id ${JSON.stringify(id.slice(0, 70))}, not a git object id`);
    return { path, mode, type: type as GitTreeEntry['type'], sha: id };
  });
  // Without a boolean `truncated` the tree cannot be known complete, so it counts as truncated.
  return { sha, entries, truncated: d.truncated !== false };
}

/**
 * Throws unless `tree` is the tree `want` (the id its commit names) and, when complete, every directory of it
 * hashes to the id listed for it. A truncated tree cannot be checked below its root id: the gate fails on it anyway.
 */
export function checkTreeIds(tree: GitTree, want: string, where: string): void {
  const w = want.toLowerCase();
  if (tree.sha !== w) throw new PayloadError(`${where}: GitHub answered the tree ${tree.sha.slice(0, 12)}, but the commit names the tree ${w.slice(0, 12)}; it is another commit's tree`);
  if (tree.truncated) return;
  const algo = w.length === 64 ? 'sha256' : 'sha1';
  const dirs = new Map<string, GitTreeEntry[]>([['', []]]);
  const ids = new Map<string, string>([['', w]]);
  const seen = new Set<string>();
  for (const e of tree.entries) {
    const parts = e.path.split('/');
    if (seen.has(e.path) || parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\0')))
      throw new PayloadError(`${where} lists ${JSON.stringify(e.path.slice(0, 120))} ${seen.has(e.path) ? 'twice' : 'as a path no git tree can hold'}; the tree cannot be trusted`);
    seen.add(e.path);
    if (e.sha.length !== w.length) throw new PayloadError(`${where}: ${e.path} has an id of another length than the tree's; the tree cannot be trusted`);
    const dir = parts.slice(0, -1).join('/');
    if (!dirs.has(dir)) dirs.set(dir, []);
    dirs.get(dir)!.push(e);
    if (e.type === 'tree') {
      ids.set(e.path, e.sha);
      if (!dirs.has(e.path)) dirs.set(e.path, []);
    }
  }
  // Deepest first; a directory whose entries are listed but which is not itself listed has no id to check against.
  for (const dir of [...dirs.keys()].sort((a, b) => depth(b) - depth(a))) {
    const id = ids.get(dir);
    if (id === undefined) throw new PayloadError(`${where} lists entries under ${dir}/ but not the directory ${dir} itself; the tree cannot be checked against its id`);
    const got = hashTree(dirs.get(dir)!, algo);
    if (got !== id)
      throw new PayloadError(
        `${where}: the entries listed ${dir ? `under ${dir}/` : 'at its root'} hash to ${got.slice(0, 12)}, not to ${id.slice(0, 12)}, the id ${dir ? 'its parent lists' : 'the commit names'}: entries were added, dropped, renamed or altered on the way. Run the gate again; if it persists, the API (or a proxy before it) is not answering git's own objects`,
      );
  }
}

/** git's id of a tree with these entries (each `path` ends with its name). */
function hashTree(entries: GitTreeEntry[], algo: 'sha1' | 'sha256'): string {
  const named = entries.map((e) => ({ e, name: Buffer.from(e.path.slice(e.path.lastIndexOf('/') + 1), 'utf8') }));
  const key = (x: (typeof named)[number]) => (x.e.type === 'tree' ? Buffer.concat([x.name, Buffer.from('/')]) : x.name);
  named.sort((a, b) => Buffer.compare(key(a), key(b)));
  const body = Buffer.concat(named.flatMap(({ e, name }) => [Buffer.from(`${e.mode.replace(/^0+/, '')} `), name, Buffer.from([0]), Buffer.from(e.sha, 'hex')]));
  return createHash(algo).update(`tree ${body.length}\0`).update(body).digest('hex');
}

const depth = (dir: string) => (dir ? dir.split('/').length : 0);
