/**
 * The few git operations landing needs, as argument lists (never a shell
 * string). Errors carry git's own message with any credentials in a URL
 * removed, so a token never reaches a log. Edge.
 */
import { execFile } from 'node:child_process';

export class GitError extends Error {
  override readonly name = 'GitError';
  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
    readonly code: number | string | undefined,
  ) {
    super(`git ${args[0]} failed: ${hideCredentials(stderr.trim()) || `exit ${code}`}`);
  }
}

/** `https://user:secret@host/…` → `https://***@host/…`; also the `x-access-token` form actions use. */
export function hideCredentials(text: string): string {
  return text.replace(/(\w+:\/\/)[^/@\s]+@/g, '$1***@').replace(/\b(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g, '***');
}

export interface Git {
  (args: string[], opts?: { input?: string; env?: NodeJS.ProcessEnv; allowFail?: false }): Promise<string>;
  tryRun(args: string[], opts?: { input?: string; env?: NodeJS.ProcessEnv }): Promise<{ ok: boolean; stdout: string; stderr: string }>;
  root: string;
}

/** A git runner bound to one working tree. `env` is added to the process environment for every call. */
export function gitIn(root: string, baseEnv: NodeJS.ProcessEnv = process.env): Git {
  const call = (args: string[], opts: { input?: string; env?: NodeJS.ProcessEnv } = {}) =>
    new Promise<{ ok: boolean; stdout: string; stderr: string; code: number | string | undefined }>((resolve) => {
      const child = execFile(
        'git',
        args,
        { cwd: root, env: { ...baseEnv, ...opts.env, GIT_TERMINAL_PROMPT: '0', GIT_LITERAL_PATHSPECS: '1', LC_ALL: 'C' }, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
        (err, stdout, stderr) => resolve({ ok: !err, stdout, stderr, code: (err as NodeJS.ErrnoException | null)?.code ?? undefined }),
      );
      if (opts.input !== undefined) child.stdin?.end(opts.input);
    });
  const git = (async (args, opts = {}) => {
    const r = await call(args, opts);
    if (!r.ok) throw new GitError(args, r.stderr, r.code);
    return r.stdout;
  }) as Git;
  git.tryRun = (args, opts) => call(args, opts);
  git.root = root;
  return git;
}

/** The remote ref's commit, or undefined when the remote has no such ref. */
export async function remoteRef(git: Git, remote: string, ref: string): Promise<string | undefined> {
  const out = await git(['ls-remote', '--', remote, ref]);
  const line = out.split('\n').find((l) => l.endsWith(`\t${ref}`));
  return line?.split('\t')[0];
}

/** Blob ids of `paths` in `commit` (null where absent), in one `git ls-tree` call. */
export async function blobsAt(git: Git, commit: string, paths: readonly string[]): Promise<Map<string, string | null>> {
  const out = new Map<string, string | null>(paths.map((p) => [p, null]));
  if (paths.length === 0) return out;
  const listing = await git(['ls-tree', '-z', '--full-tree', commit, '--', ...paths]);
  for (const entry of listing.split('\0').filter(Boolean)) {
    const m = /^(\d+) (\w+) ([0-9a-f]+)\t(.+)$/s.exec(entry);
    if (m && m[2] === 'blob' && out.has(m[4]!)) out.set(m[4]!, m[3]!);
  }
  return out;
}
