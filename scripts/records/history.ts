/**
 * Records against their git history. A record file is append-only, so every
 * committed version of it must be a prefix of every later version and of the
 * file in the working tree. A committed line that was edited, removed,
 * reordered or re-chained (hashes recomputed) breaks that, wherever an
 * earlier version exists in git; lines after the newest commit are
 * uncommitted evidence; a committed file missing from the working tree was
 * deleted. Pure: versions and bytes in, problems out (the git reads are in
 * git-versions.ts).
 *
 * The prefix test needs no old blob: a git blob id is
 * sha1("blob <size>\0" + content), so a committed version of `size` bytes is
 * a prefix of the working file exactly when the first `size` bytes of the
 * working file hash to its blob id. Old blobs are read only to name the first
 * line that differs.
 */
import { createHash } from 'node:crypto';

export interface CommittedVersion {
  commit: string;
  /** Commit time, ISO 8601. */
  at: string;
  /** git blob id (sha1) and size of the file at that commit. */
  blob: string;
  size: number;
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
  // Oldest first; equal times (one second) fall back to size: an append-only file only grows.
  const sorted = [...versions].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.size - b.size));
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
