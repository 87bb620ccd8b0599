/**
 * Edge: the committed versions of every record file, and the working tree's
 * state, read with the real `git` binary in three processes whatever the
 * number of files (`git log --raw`, `git cat-file --batch-check`, and `git
 * status`). The one reader of record history: the report and `records verify`
 * both use it, and history.ts decides for both.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { locateRewrite, type CommittedVersion, type HistoryProblem, type RecordHistory } from './history.ts';

export type { RecordHistory } from './history.ts';

const run = promisify(execFile);
const ENV = { ...process.env, GIT_PAGER: 'cat', LC_ALL: 'C', GIT_OPTIONAL_LOCKS: '0' };

async function git(root: string, args: string[]): Promise<string | undefined> {
  try {
    const { stdout } = await run('git', ['-C', root, ...args], { maxBuffer: 1024 * 1024 * 1024, env: ENV });
    return stdout;
  } catch {
    return undefined;
  }
}

/** One entry of a file's history; `order` is the commit's position in git log (1 = newest; children before parents). */
interface RawVersion {
  commit: string;
  at: string;
  order: number;
  blob: string;
  /** Lines the commit removed from the file (git --numstat); an append-only change removes none. */
  removed: number;
}

/** Parses `git log --raw --no-abbrev --format=%x1e%H%x1f%cI` output, with `git log --numstat` of the same range for removed lines into blob ids per path (sizes filled later). Pure. */
export function parseRawLog(text: string, numstat = ''): Map<string, RawVersion[]> {
  const out = new Map<string, RawVersion[]>();
  const removedIn = new Map<string, number>();
  for (const block of numstat.split('\x1e')) {
    const [header, ...rest] = block.split('\n');
    const commit = header?.split('\x1f')[0];
    if (!commit) continue;
    for (const line of rest) {
      const n = /^(\d+|-)\t(\d+|-)\t(.+)$/.exec(line);
      if (n) removedIn.set(`${commit}\u0000${n[3]}`, n[2] === '-' ? 1 : Number(n[2]));
    }
  }
  let order = 0;
  for (const block of text.split('\x1e')) {
    if (!block.trim()) continue;
    order++;
    const [header, ...rest] = block.split('\n');
    const [commit, at] = header!.split('\x1f') as [string, string];
    for (const line of rest) {
      const m = /^:\d+ \d+ [0-9a-f]+ ([0-9a-f]+) ([A-Z])\d*\t(.+)$/.exec(line);
      if (!m) continue;
      const [, blob, status, path] = m as unknown as [string, string, string, string];
      const list = out.get(path) ?? [];
      // A deletion commit leaves an all-zero blob: the file is gone from that point.
      list.push({ commit, at, order, blob: status === 'D' ? '' : blob, removed: status === 'M' ? removedIn.get(`${commit}\u0000${path}`) ?? 0 : 0 });
      out.set(path, list);
    }
  }
  return out;
}

/** Sizes of blobs, one `git cat-file --batch-check` process. */
async function blobSizes(root: string, blobs: string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>();
  if (blobs.length === 0) return sizes;
  const child = spawn('git', ['-C', root, 'cat-file', '--batch-check'], { env: ENV, stdio: ['pipe', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const done = new Promise<void>((resolve) => child.on('close', () => resolve()));
  child.stdin.on('error', () => {});
  child.stdin.end(blobs.join('\n') + '\n');
  await done;
  for (const line of out.split('\n')) {
    const m = /^([0-9a-f]+) blob (\d+)$/.exec(line);
    if (m) sizes.set(m[1]!, Number(m[2]));
  }
  return sizes;
}

/** The newest commit with a `Records-Reset: REASON` line, as records verify finds it. Edge. */
async function findReset(root: string): Promise<{ commit: string; at: string; reason: string } | undefined> {
  const out = (await git(root, ['log', '-1', '--format=%H%x1f%cI%x1f%B', '--grep=^Records-Reset:', 'HEAD']))?.trim();
  if (!out) return undefined;
  const [commit, at, body] = out.split('\x1f') as [string, string, string];
  return { commit, at, reason: /^Records-Reset:\s*(.*)$/m.exec(body ?? '')?.[1]?.trim() ?? '' };
}

/** Every committed version of files under `dir` (default records/). Edge. */
export async function readRecordHistory(root: string, dir = 'records'): Promise<RecordHistory> {
  // Every git process starts at once (a caller may block this thread meanwhile); outside a repository they all fail.
  const reads = Promise.all([
    // Every non-merge commit reachable from HEAD that touched the folder, newest first: a version that
    // reached main by any path counts, whichever branch it was written on.
    git(root, ['log', '--no-renames', '--raw', '--no-abbrev', '--format=%x1e%H%x1f%cI', 'HEAD', '--', dir]),
    // Line counts only of modifications: git diffs just those (counting the lines of every added file would read them all).
    git(root, ['log', '--no-renames', '--numstat', '--diff-filter=M', '--format=%x1e%H%x1f%cI', 'HEAD', '--', dir]),
    git(root, ['ls-tree', '-r', '--name-only', 'HEAD', '--', dir]),
    findReset(root),
  ]);
  const head = (await git(root, ['rev-parse', '--verify', '-q', 'HEAD']))?.trim() || undefined;
  const [log, numstat, ls, reset] = await reads;
  if (!head) return { head: undefined, versions: new Map(), tracked: new Set(), restarts: new Map(), deleted: new Map(), rewrites: new Map(), epoch: undefined };
  const all = parseRawLog(log ?? '', numstat ?? '');
  const emptied = await findEpoch(root, all, dir);
  // A reset that the emptying commit precedes (or no emptying at all) is the newer start.
  const resetRules = reset !== undefined && (!emptied || (await git(root, ['merge-base', '--is-ancestor', emptied.commit, reset.commit])) !== undefined);
  let raw: Map<string, RawVersion[]>;
  if (resetRules) {
    // Commits after the reset are judged; of what came before, each file keeps only its newest version (its state at the reset).
    const after = new Set(((await git(root, ['rev-list', `${reset!.commit}..HEAD`, '--', dir])) ?? '').split('\n').filter(Boolean));
    // The state at the reset is what the reset commit's tree holds (merges included: a merge that added or
    // removed a file has no entry in the non-merge log); commits after it are judged.
    const atReset = new Map<string, string>();
    for (const l of ((await git(root, ['ls-tree', '-r', '--full-tree', reset!.commit, '--', dir])) ?? '').split('\n')) {
      const m = /^\d+ blob ([0-9a-f]+)\t(.+)$/.exec(l);
      if (m) atReset.set(m[2]!, m[1]!);
    }
    raw = new Map();
    for (const [p, list] of all) {
      const newestFirst = [...list].sort((a, b) => a.order - b.order);
      const kept = newestFirst.filter((v) => after.has(v.commit));
      const blob = atReset.get(p);
      if (blob) kept.push({ commit: reset!.commit, at: reset!.at, order: Number.MAX_SAFE_INTEGER, blob, removed: 0 });
      if (kept.length > 0) raw.set(p, kept);
    }
    for (const [p, blob] of atReset) if (!raw.has(p)) raw.set(p, [{ commit: reset!.commit, at: reset!.at, order: Number.MAX_SAFE_INTEGER, blob, removed: 0 }]);
  } else {
    // Before the epoch, records/ was emptied by a commit: that history is not checked (the epoch is reported).
    raw = new Map([...all].map(([p, list]) => [p, emptied ? list.filter((v) => v.order < emptied.order) : list] as const).filter(([, list]) => list.length > 0));
  }
  const epoch = resetRules ? reset : emptied ? { commit: emptied.commit, at: emptied.at } : undefined;
  const sizes = await blobSizes(root, [...new Set([...raw.values()].flatMap((l) => l.map((v) => v.blob)).filter(Boolean))]);
  const versions = new Map<string, CommittedVersion[]>();
  const restarts = new Map<string, string>();
  const deletedAtHead = new Map<string, string>();
  const rewrites = new Map<string, { commit: string; at: string }>();
  for (const [path, list] of raw) {
    // Versions after the file's last deletion only: a path deleted and created again starts a new history
    // (the deletion stays in git for anyone to see; the report lists such restarts).
    const newestFirst = [...list].sort((a, b) => a.order - b.order);
    const cut = newestFirst.findIndex((v) => v.blob === '');
    const live = cut < 0 ? newestFirst : newestFirst.slice(0, cut);
    if (cut === 0) deletedAtHead.set(path, newestFirst[0]!.commit);
    else if (cut > 0) restarts.set(path, newestFirst[cut]!.commit);
    // A commit that removed lines from a record file rewrote committed evidence (an append removes none).
    const rewrite = live.find((v) => v.removed > 0);
    if (rewrite) rewrites.set(path, { commit: rewrite.commit, at: rewrite.at });
    versions.set(path, live.map((v) => ({ commit: v.commit, at: v.at, blob: v.blob, size: sizes.get(v.blob) ?? -1, order: v.order })).filter((v) => v.size >= 0));
  }
  return { head, versions, restarts, deleted: deletedAtHead, rewrites, epoch, tracked: new Set((ls ?? '').split('\n').filter(Boolean)) };
}

/**
 * The newest commit that left `dir` empty (every record file deleted): the
 * start of the current evidence epoch. A team that must restart its evidence
 * (the sample organisation regenerates its records) empties records/ in one
 * commit and writes the new records in the next; the report names the epoch,
 * so the restart is visible. Edge.
 */
async function findEpoch(root: string, raw: Map<string, RawVersion[]>, dir: string): Promise<{ commit: string; at: string; order: number } | undefined> {
  const deleting = new Map<string, RawVersion>();
  for (const list of raw.values()) for (const v of list) if (v.blob === '') deleting.set(v.commit, v);
  for (const v of [...deleting.values()].sort((a, b) => a.order - b.order)) {
    const ls = await git(root, ['ls-tree', '-r', '--name-only', v.commit, '--', dir]);
    if (ls !== undefined && ls.trim() === '') return { commit: v.commit, at: v.at, order: v.order };
  }
  return undefined;
}

/** The text of a blob, to name the first changed line. Edge. */
export async function readBlob(root: string, blob: string): Promise<string | undefined> {
  return git(root, ['cat-file', 'blob', blob]);
}

/**
 * Names the first changed line of each rewritten record file, reading the
 * contradicted committed version (rare) and the working file (`working`:
 * its text, when the caller holds it). Edge.
 */
export async function locateRewrites(root: string, problems: readonly HistoryProblem[], history: RecordHistory, working: (path: string) => Promise<string>): Promise<HistoryProblem[]> {
  return Promise.all(problems.map(async (p) => {
    if (p.code !== 'record.history.rewritten') return p;
    const v = history.versions.get(p.path)?.find((x) => x.commit === p.commit);
    const [committed, now] = await Promise.all([v ? readBlob(root, v.blob) : undefined, working(p.path).catch(() => '')]);
    return committed === undefined ? p : locateRewrite(p, committed, now);
  }));
}

export interface WorkingTreeState {
  /** Paths modified in the working tree or the index relative to HEAD. */
  modified: string[];
  /** Paths deleted from the working tree. */
  deleted: string[];
  /** Paths git does not track (ignored files excluded). */
  untracked: string[];
}

/** `git status` for the given folders, relative to HEAD. Edge. */
export async function readWorkingTreeState(root: string, paths: readonly string[]): Promise<WorkingTreeState | undefined> {
  const out = await git(root, ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', ...paths]);
  if (out === undefined) return undefined;
  const state: WorkingTreeState = { modified: [], deleted: [], untracked: [] };
  for (const entry of out.split('\0')) {
    if (entry.length < 4) continue;
    const xy = entry.slice(0, 2);
    const path = entry.slice(3);
    if (xy === '??') state.untracked.push(path);
    else if (xy.includes('D')) state.deleted.push(path);
    else state.modified.push(path);
  }
  for (const k of ['modified', 'deleted', 'untracked'] as const) state[k].sort();
  return state;
}
