/**
 * Records against their git history. A record file is append-only, so every
 * committed version of it must be a prefix of every later version and of the
 * file in the working tree. A committed line that was edited, removed,
 * reordered or re-chained (hashes recomputed) breaks that, wherever an
 * earlier version exists in git; lines after the newest commit are
 * uncommitted evidence; a committed file missing from the working tree was
 * deleted — and so was one deleted in a commit and written again (its
 * earlier lines are gone; a sanctioned restart is a `Records-Reset:` commit
 * or a commit that empties records/, see git-versions.ts). Pure: versions and
 * bytes in, problems out (the git reads are in git-versions.ts). The one
 * judge of record history: the report and `records verify` both call it.
 *
 * The prefix test needs no old blob: a git blob id is
 * sha1("blob <size>\0" + content), so a committed version of `size` bytes is
 * a prefix of the working file exactly when the first `size` bytes of the
 * working file hash to its blob id. Old blobs are read only to name the first
 * line that differs.
 */
import { createHash } from 'node:crypto';
import { appendAll } from '../model/append.ts';

export interface CommittedVersion {
  commit: string;
  /** Commit time, ISO 8601. */
  at: string;
  /** git blob id (sha1) and size of the file at that commit. */
  blob: string;
  size: number;
  /** Position in git log (1 = newest; children before parents), when read from git: commit times can tie or run backwards. */
  order?: number;
}

export type HistoryProblemCode = 'record.history.rewritten' | 'record.history.deleted' | 'record.history.uncommitted' | 'record.history.untracked';

export interface HistoryProblem {
  path: string;
  /** 1-based line the problem starts at (1 for whole-file problems). */
  line: number;
  code: HistoryProblemCode;
  /** The commit whose version the working file contradicts, when there is one. */
  commit: string | undefined;
  message: string;
}

/** git's blob id of `bytes`. Pure. */
export function blobId(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

/** Whether the committed version is a prefix of `working`. Pure. */
export function isPrefixVersion(v: CommittedVersion, working: Uint8Array): boolean {
  return v.size <= working.length && blobId(working.subarray(0, v.size)) === v.blob;
}

/** Number of newline-terminated lines in the first `size` bytes. */
function linesIn(bytes: Uint8Array, size: number): number {
  let n = 0;
  for (let i = 0; i < size && i < bytes.length; i++) if (bytes[i] === 10) n++;
  return n;
}

/** The first 1-based line at which two texts differ. Pure. */
export function firstDifferentLine(a: string, b: string): number {
  const x = a.split('\n');
  const y = b.split('\n');
  for (let i = 0; i < Math.max(x.length, y.length); i++) if (x[i] !== y[i]) return i + 1;
  return 1;
}

export interface FileHistoryCheck {
  problems: HistoryProblem[];
  /** The committed versions that are not a prefix of the working file (their blobs name the changed line). */
  contradicted: CommittedVersion[];
}

export interface HistoryFacts {
  /** git status says the working file differs from HEAD (when false, it is HEAD's version and nothing needs hashing). */
  modified: boolean;
  /** A commit that removed lines from the file (git --numstat), so rewrote what an earlier commit held. */
  rewrittenIn?: { commit: string; at: string };
}

/**
 * Checks one record file: `versions` are its committed versions (any order),
 * `working` its bytes in the working tree (undefined when the file is gone).
 * History itself is judged by `facts.rewrittenIn` (git knows which commit
 * removed lines); the working tree against the newest committed version,
 * hashed only when git status says they differ. Pure.
 */
export function checkRecordHistory(path: string, versions: readonly CommittedVersion[], working: Uint8Array | undefined, facts: HistoryFacts = { modified: true }): FileHistoryCheck {
  const problems: HistoryProblem[] = [];
  // Oldest first: in git's order when known (times tie within a second and follow clocks); else by time, then size (an append-only file only grows).
  const sorted = [...versions].sort((a, b) => (a.order !== undefined && b.order !== undefined ? b.order - a.order : a.at < b.at ? -1 : a.at > b.at ? 1 : a.size - b.size));
  const newest = sorted[sorted.length - 1];
  if (working === undefined) {
    if (newest && newest.size > 0) problems.push({ path, line: 1, code: 'record.history.deleted', commit: newest.commit, message: `${path} is in commit ${newest.commit.slice(0, 10)} but missing from the working tree` });
    return { problems, contradicted: [] };
  }
  if (sorted.length === 0) {
    problems.push({ path, line: 1, code: 'record.history.untracked', commit: undefined, message: `${path} is not committed: its evidence is not in git history` });
    return { problems, contradicted: [] };
  }
  const contradicted: CommittedVersion[] = [];
  if (facts.rewrittenIn) {
    const v = sorted.find((x) => x.commit === facts.rewrittenIn!.commit);
    const before = v ? sorted[sorted.indexOf(v) - 1] : undefined;
    if (before) contradicted.push(before);
    problems.push({ path, line: 1, code: 'record.history.rewritten', commit: before?.commit ?? facts.rewrittenIn.commit, message: `commit ${facts.rewrittenIn.commit.slice(0, 10)} (${facts.rewrittenIn.at}) changed, removed or re-chained lines committed before it` });
  }
  if (!facts.modified || !newest) return { problems, contradicted };
  if (newest.size > 0 && !isPrefixVersion(newest, working)) {
    contradicted.push(newest);
    problems.push({ path, line: 1, code: 'record.history.rewritten', commit: newest.commit, message: `lines committed in ${newest.commit.slice(0, 10)} (${newest.at}) were changed, removed or re-chained in the working tree` });
  } else if (working.length > newest.size) {
    const from = linesIn(working, newest.size) + 1;
    problems.push({ path, line: from, code: 'record.history.uncommitted', commit: newest.commit, message: `lines ${from}–${linesIn(working, working.length)} are not committed (after ${newest.commit.slice(0, 10)})` });
  }
  return { problems, contradicted };
}

/** Names the first changed line of a contradicted version, given its committed text. Pure. */
export function locateRewrite(problem: HistoryProblem, committed: string, working: string): HistoryProblem {
  const line = firstDifferentLine(committed, working);
  return { ...problem, line, message: `line ${line} differs from commit ${problem.commit?.slice(0, 10)}: ${problem.message}` };
}

export interface RecordHistory {
  /** HEAD, undefined outside a git repository. */
  head: string | undefined;
  /** Committed versions per record path since the file was last deleted (a deletion commit restarts its history, visibly in git). */
  versions: Map<string, CommittedVersion[]>;
  /** Record paths tracked at HEAD. */
  tracked: Set<string>;
  /** Paths whose history restarts at a deletion commit (commit id). */
  restarts: Map<string, string>;
  /** Record paths a commit deleted and nothing wrote again (commit id): committed evidence that is gone. */
  deleted: Map<string, string>;
  /** Record paths a later commit rewrote (removed lines from): the newest such commit. */
  rewrites: Map<string, { commit: string; at: string }>;
  /**
   * Where the checked history starts: the newest of the commit that last emptied the folder and the
   * newest commit whose message has a `Records-Reset: REASON` line (the mechanism `records verify`
   * honours, too). After a reset, each file is compared from the version it
   * had then; nothing committed before it is judged.
   */
  epoch: { commit: string; at: string; reason?: string } | undefined;
}

/** Facts git gives about one record file, for checkRecordHistory. Pure. */
export function historyFactsFor(history: RecordHistory, path: string, modified: boolean): HistoryFacts {
  const rewrittenIn = history.rewrites.get(path);
  return { modified, ...(rewrittenIn ? { rewrittenIn } : {}) };
}

/**
 * Record files git holds whose working copy is gone (`present` says which
 * paths are in the working tree), and files deleted in a commit and written
 * again: committed evidence that no longer exists. `inScope` limits the
 * paths judged. Pure.
 */
export function checkMissingRecords(history: RecordHistory, present: (path: string) => boolean, inScope: (path: string) => boolean = () => true): HistoryProblem[] {
  const out: HistoryProblem[] = [];
  const judged = (p: string) => p.endsWith('.jsonl') && inScope(p);
  for (const [p, vs] of history.versions) if (vs.length > 0 && judged(p) && !present(p)) appendAll(out, checkRecordHistory(p, vs, undefined).problems);
  for (const [p, commit] of history.deleted) if (judged(p) && !present(p)) out.push({ path: p, line: 1, code: 'record.history.deleted', commit, message: `${p} was deleted in commit ${commit.slice(0, 10)}: committed evidence is gone` });
  for (const [p, commit] of history.restarts) if (judged(p)) out.push({ path: p, line: 1, code: 'record.history.deleted', commit, message: `${p} was deleted in commit ${commit.slice(0, 10)} and written again: the lines committed before it are gone` });
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line));
}
