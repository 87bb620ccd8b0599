/**
 * Which cited commits an auditor can open (edge: runs git). A commit counts
 * when it is in this repository's object store, or in a git bundle kept in
 * `records/history/` — history that evidence was produced in but that was
 * never pushed here (the sample organisation's replay repository, a migrated
 * repository). A bundle is fetched into a throw-away bare repository and
 * looked up there; nothing is added to this repository.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export const HISTORY_BUNDLES_DIR = 'records/history';

export interface CommitLookup {
  /** Cited ids that are commits here or in a bundle. */
  found: Set<string>;
  /** Where a commit was found other than this repository: id → bundle path (repository-relative). */
  inBundle: Map<string, string>;
  /** The repository is a shallow clone: a commit missing here may only be outside the fetched depth. */
  shallow: boolean;
  /** Bundles that could not be read, with git's reason. */
  unreadable: Array<{ bundle: string; reason: string }>;
}

async function git(cwd: string, args: string[]): Promise<string> {
  return (await exec('git', args, { cwd, maxBuffer: 64 * 1024 * 1024 })).stdout;
}

/** The ids among `ids` that are commits in the repository at `cwd` (or `--git-dir`), through one `git cat-file --batch-check`. */
async function commitsIn(cwd: string, ids: readonly string[], gitDir?: string): Promise<Set<string>> {
  const found = new Set<string>();
  if (ids.length === 0) return found;
  const child = spawn('git', [...(gitDir ? [`--git-dir=${gitDir}`] : []), 'cat-file', '--batch-check=%(objectname) %(objecttype)'], { cwd, stdio: ['pipe', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const done = new Promise<number>((resolve, reject) => { child.on('error', reject); child.on('close', (code) => resolve(code ?? 1)); });
  child.stdin.end(ids.join('\n') + '\n');
  await done;
  for (const line of out.split('\n')) {
    const [id, type] = line.split(' ');
    if (type === 'commit' && id) found.add(id);
  }
  return found;
}

/** Looks every id up; undefined when `root` is not a git work tree (nothing to look in). */
export async function lookUpCommits(root: string, ids: readonly string[]): Promise<CommitLookup | undefined> {
  const inside = await git(root, ['rev-parse', '--is-inside-work-tree']).catch(() => '');
  if (inside.trim() !== 'true') return undefined;
  const unique = [...new Set(ids)];
  const found = await commitsIn(root, unique);
  const shallow = (await git(root, ['rev-parse', '--is-shallow-repository']).catch(() => 'false')).trim() === 'true';
  const inBundle = new Map<string, string>();
  const unreadable: CommitLookup['unreadable'] = [];
  let missing = unique.filter((id) => !found.has(id));
  const bundles = missing.length === 0 ? [] : (await readdir(path.join(root, HISTORY_BUNDLES_DIR)).catch(() => [] as string[])).filter((f) => f.endsWith('.bundle')).sort();
  for (const name of bundles) {
    if (missing.length === 0) break;
    const rel = `${HISTORY_BUNDLES_DIR}/${name}`;
    const scratch = await mkdtemp(path.join(os.tmpdir(), 'opsgate-bundle-'));
    try {
      await git(scratch, ['init', '-q', '--bare', '.']);
      await git(scratch, ['fetch', '-q', '--no-tags', path.join(root, rel), '+refs/*:refs/bundle/*']);
      for (const id of await commitsIn(scratch, missing, scratch)) { found.add(id); inBundle.set(id, rel); }
      missing = missing.filter((id) => !found.has(id));
    } catch (e) {
      const reason = ((e as { stderr?: string }).stderr ?? (e as Error).message).trim().split('\n').pop() ?? 'unreadable';
      unreadable.push({ bundle: rel, reason });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
  return { found, inBundle, shallow, unreadable };
}
