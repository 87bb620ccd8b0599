import { constants } from 'node:fs';
import { lstat, open, realpath } from 'node:fs/promises';
import path from 'node:path';

/**
 * Opens a file a document references (an upload source, a script) the only
 * way opsgate ever opens one: by a repository-relative path, inside the
 * repository, with no symbolic link in any component (a committed link such
 * as `files/x.conf -> /proc/self/environ` would send the controller's own
 * files to hosts), and only a regular file. Used by lint and plan; apply
 * reads the committed tree instead (scripts/change/committed-tree.ts). Edge.
 */

export type RepoFile = { kind: 'file'; bytes: Buffer } | { kind: 'missing' | 'outside' | 'link' | 'not-file'; why: string };

/** Why `rel` is not a plain repository path, or undefined when it is one. Pure. */
export function badRepoPath(rel: string): string | undefined {
  if (rel === '' || path.posix.isAbsolute(rel) || path.win32.isAbsolute(rel)) return `${rel || '(empty)'} is not a path relative to the repository root`;
  if (rel.split(/[\\/]/).some((p) => p === '..' || p === '.' || p === '')) return `${rel} must not contain '.', '..' or empty segments`;
  return undefined;
}

/** Like readRepoFile, without reading: whether `rel` is a regular file reached through no link. */
export async function statRepoFile(root: string, rel: string): Promise<{ kind: 'file' } | { kind: 'missing' | 'outside' | 'link' | 'not-file'; why: string }> {
  const bad = badRepoPath(rel);
  if (bad) return { kind: 'outside', why: bad };
  const realRoot = await realpath(root);
  let at = realRoot;
  for (const part of rel.split('/')) {
    at = path.join(at, part);
    const s = await lstat(at).catch(() => undefined);
    if (!s) return { kind: 'missing', why: `${rel} does not exist inside the repository` };
    if (s.isSymbolicLink()) return { kind: 'link', why: `${path.relative(realRoot, at)} is a symbolic link; opsgate never follows links` };
    if (at.length === realRoot.length + 1 + rel.length && !s.isFile()) return { kind: 'not-file', why: `${rel} is not a regular file` };
  }
  return { kind: 'file' };
}

export async function readRepoFile(root: string, rel: string): Promise<RepoFile> {
  const bad = badRepoPath(rel);
  if (bad) return { kind: 'outside', why: bad };
  const realRoot = await realpath(root);
  // Every component is checked: a link anywhere on the way (a linked directory too) is refused.
  let at = realRoot;
  for (const part of rel.split('/')) {
    at = path.join(at, part);
    const s = await lstat(at).catch(() => undefined);
    if (!s) return { kind: 'missing', why: `${rel} does not exist inside the repository` };
    if (s.isSymbolicLink()) return { kind: 'link', why: `${path.relative(realRoot, at)} is a symbolic link; opsgate never follows links: commit the file itself` };
  }
  let handle;
  try {
    handle = await open(at, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ELOOP' ? { kind: 'link', why: `${rel} is a symbolic link; opsgate never follows links` } : { kind: 'missing', why: `${rel} cannot be opened (${code ?? 'error'})` };
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return { kind: 'not-file', why: `${rel} is not a regular file` };
    return { kind: 'file', bytes: await handle.readFile() };
  } finally {
    await handle.close();
  }
}
