import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { UsageError } from '../model/errors.ts';

const run = promisify(execFile);

/** Files changed since REF (committed, staged, unstaged and untracked), repository-relative. Edge. */
export async function changedFilesSince(root: string, ref: string): Promise<Set<string>> {
  if (ref.startsWith('-')) throw new UsageError(`--changed-since '${ref}' is not a git revision`);
  const git = (args: string[]) => run('git', args, { cwd: root, maxBuffer: 64 * 1024 * 1024 }).then((r) => r.stdout);
  const base = await git(['merge-base', ref, 'HEAD']).catch(() => {
    throw new UsageError(`--changed-since: '${ref}' is not a revision in ${root}`, 'fetch the base branch first (e.g. actions/checkout with fetch-depth: 0)');
  });
  const lists = await Promise.all([
    git(['diff', '--name-only', '-z', base.trim(), '--']),
    git(['ls-files', '--others', '--exclude-standard', '-z']),
  ]);
  return new Set(lists.flatMap((l) => l.split('\0')).filter(Boolean));
}
