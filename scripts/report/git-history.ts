/**
 * Edge: reads commit history with the real `git` binary. For each path the
 * first and last commit that touched it on the first-parent line, and the
 * pull requests that brought it (merge `Merge pull request #N` or squash
 * `… (#N)` subjects). A directory that is not a git repository has no history.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { GitCommitRef, GitFileHistory } from './types.ts';

const run = promisify(execFile);

async function git(root: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', ['-C', root, ...args], { maxBuffer: 512 * 1024 * 1024, env: { ...process.env, GIT_PAGER: 'cat', LC_ALL: 'C' } });
    return stdout;
  } catch {
    return undefined;
  }
}

export function prNumberOf(subject: string): number | undefined {
  const m = /^Merge pull request #(\d+)\b/.exec(subject) ?? /\(#(\d+)\)\s*$/.exec(subject);
  return m ? Number(m[1]) : undefined;
}

/** Parses `git log --format=%x1e%H%x1f%cI%x1f%s --name-only` output (newest first). Pure. */
export function parseGitLog(text: string): Record<string, GitFileHistory> {
  const files: Record<string, GitFileHistory> = {};
  for (const block of text.split('\x1e')) {
    if (!block.trim()) continue;
    const [header, ...rest] = block.split('\n');
    const [sha, at, subject] = header!.split('\x1f') as [string, string, string];
    const commit: GitCommitRef = { sha, at, pr: prNumberOf(subject ?? '') };
    for (const name of rest) {
      const file = name.trim();
      if (!file) continue;
      const h = (files[file] ??= { first: undefined, last: undefined, prs: [] });
      h.last ??= commit;
      h.first = commit;
      if (commit.pr !== undefined && !h.prs.includes(commit.pr)) h.prs.push(commit.pr);
    }
  }
  for (const h of Object.values(files)) h.prs.sort((a, b) => a - b);
  return files;
}

export function httpsUrl(remote: string): string | undefined {
  const ssh = /^git@([^:]+):(.+?)(\.git)?$/.exec(remote);
  if (ssh) return `https://${ssh[1]}/${ssh[2]}`;
  const https = /^https?:\/\/(?:[^@/]+@)?(.+?)(\.git)?$/.exec(remote);
  return https ? `https://${https[1]}` : undefined;
}

export interface GitHistory {
  commit: string | undefined;
  remoteUrl: string | undefined;
  files: Record<string, GitFileHistory>;
}

export async function readGitHistory(root: string): Promise<GitHistory> {
  // All at once: outside a repository (or before the first commit) each fails, and there is no history.
  const [rev, text, origin] = await Promise.all([
    git(root, ['rev-parse', '--verify', '-q', 'HEAD']),
    git(root, ['log', '--first-parent', '-m', '--no-renames', '--format=%x1e%H%x1f%cI%x1f%s', '--name-only', 'HEAD']),
    git(root, ['config', '--get', 'remote.origin.url']),
  ]);
  const head = rev?.trim();
  if (!head) return { commit: undefined, remoteUrl: undefined, files: {} };
  const log = text ?? '';
  const remote = origin?.trim();
  return { commit: head, remoteUrl: remote ? httpsUrl(remote) : undefined, files: parseGitLog(log) };
}
