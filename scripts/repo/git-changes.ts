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
  const lists = await Promise.all([git(['diff', '--name-only', '-z', base.trim(), '--']), git(['ls-files', '--others', '--exclude-standard', '-z'])]);
  return new Set(lists.flatMap((l) => l.split('\0')).filter(Boolean));
}

/** The identity of a finding across two trees: where and what, not the line (which moves when a file is edited). */
function findingKey(d: { code: string; file: string; pointer?: string; message: string }): string {
  return `${d.code}\0${d.file}\0${d.pointer ?? ''}\0${d.message}`;
}

/**
 * Findings every change is answerable for, wherever and whenever they arose: they say part of the repository was not
 * judged (lint.rules-not-run), so no change can be judged clean while they stand.
 */
const EVERY_CHANGE_ANSWERS = new Set(['lint.rules-not-run']);

/**
 * What a change since REF is answerable for: every finding in a file it
 * changed, and every finding elsewhere that the tree at the merge base did not
 * have (a deleted person still granted access). Findings that were already
 * there in untouched files — a runbook that fell overdue with the date — are
 * not the change's, except those saying rules did not run (EVERY_CHANGE_ANSWERS).
 * `lintTree` lints a checkout of the merge base. Edge.
 */
export async function findingsOfChange<D extends { code: string; file: string; pointer?: string; message: string }>(
  root: string,
  ref: string,
  findings: readonly D[],
  lintTree: (root: string) => Promise<readonly D[]>,
): Promise<D[]> {
  const changed = await changedFilesSince(root, ref);
  const base = (await run('git', ['merge-base', ref, 'HEAD'], { cwd: root })).stdout.trim();
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const dir = await mkdtemp(path.join(tmpdir(), 'opsgate-lint-base-'));
  try {
    await exportTree(root, base, dir);
    const before = new Set((await lintTree(dir)).map(findingKey));
    return findings.filter((d) => changed.has(d.file) || EVERY_CHANGE_ANSWERS.has(d.code) || !before.has(findingKey(d)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes the tree of `commit` into `dir` (git archive | tar -x), without touching the repository's worktrees. */
async function exportTree(root: string, commit: string, dir: string): Promise<void> {
  const { spawn } = await import('node:child_process');
  await new Promise<void>((resolve, reject) => {
    const archive = spawn('git', ['archive', '--format=tar', commit], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const tar = spawn('tar', ['-x', '-C', dir], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    archive.stderr.on('data', (d: Buffer) => (err += d.toString()));
    tar.stderr.on('data', (d: Buffer) => (err += d.toString()));
    archive.stdout.pipe(tar.stdin);
    let pending = 2;
    const done = (code: number | null) => {
      if (code !== 0) reject(new Error(`cannot read the tree of ${commit}: ${err.trim() || `exit ${code}`}`));
      else if (--pending === 0) resolve();
    };
    archive.on('close', done);
    tar.on('close', done);
    archive.on('error', reject);
    tar.on('error', reject);
  });
}
