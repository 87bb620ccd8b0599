/**
 * Evidence anchored in git history (ARCHITECTURE.md, "Evidence"): records are
 * append-only in every commit and in the working tree. For every record file,
 * each version git holds must extend the one before it, the working file must
 * extend the last committed one, and a committed file must still exist. A
 * chain rewritten with recomputed hashes verifies on its own, but not against
 * an earlier version in git. Lines after the last commit are reported as
 * uncommitted. The comparison is pure (`compareVersions`); the git reads are
 * the edge (`readRecordHistory`), batched into three git processes whatever
 * the number of files.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export type HistoryCode = 'record.changed' | 'record.vanished' | 'record.rewritten' | 'record.deleted' | 'record.uncommitted';

export interface HistoryProblem {
  file: string;
  line: number;
  code: HistoryCode;
  message: string;
  /** Uncommitted lines are reported, not failed. */
  severity: 'error' | 'notice';
}

const lineCount = (t: string) => (t === '' ? 0 : t.split('\n').length - (t.endsWith('\n') ? 1 : 0));

/** How `newer` relates to `older`: it extends it, or the first line where they part. Pure. */
export function compareVersions(older: string, newer: string): { extends: true; added: number } | { extends: false; line: number } {
  if (newer.startsWith(older)) return { extends: true, added: lineCount(newer) - lineCount(older) };
  const a = older.split('\n');
  const b = newer.split('\n');
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return { extends: false, line: i + 1 };
}

export interface RecordHistory {
  /** Per path: the blob id at HEAD. */
  head: Map<string, string>;
  /** Changes to record files, oldest first: modified (old → new blob), deleted. */
  changes: Array<{ commit: string; path: string; kind: 'M' | 'D' | 'A'; oldBlob: string; newBlob: string }>;
  blobs: Map<string, string>;
}

async function git(root: string, args: string[]): Promise<string | undefined> {
  try { return (await exec('git', args, { cwd: root, maxBuffer: 256 * 1024 * 1024 })).stdout; } catch { return undefined; }
}

/** Blob contents by id, through one `git cat-file --batch`. */
async function readBlobs(root: string, ids: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  if (ids.length === 0) return out;
  const child = spawn('git', ['cat-file', '--batch'], { cwd: root, stdio: ['pipe', 'pipe', 'ignore'] });
  const chunks: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => chunks.push(d));
  const done = new Promise<void>((resolve, reject) => { child.on('error', reject); child.on('close', () => resolve()); });
  child.stdin.end(ids.join('\n') + '\n');
  await done;
  const buf = Buffer.concat(chunks);
  let at = 0;
  for (const id of ids) {
    const nl = buf.indexOf(10, at);
    if (nl < 0) break;
    const header = buf.subarray(at, nl).toString('utf8');
    const m = /^([0-9a-f]+) \S+ (\d+)$/.exec(header);
    if (!m) { at = nl + 1; continue; }
    const size = Number(m[2]);
    out.set(id, buf.subarray(nl + 1, nl + 1 + size).toString('utf8'));
    at = nl + 1 + size + 1;
  }
  return out;
}

/** What git holds of records/: undefined when `root` is not a git work tree (nothing to cross-check). */
export async function readRecordHistory(root: string, dir = 'records'): Promise<RecordHistory | undefined> {
  if ((await git(root, ['rev-parse', '--is-inside-work-tree']))?.trim() !== 'true') return undefined;
  const head = new Map<string, string>();
  for (const l of ((await git(root, ['ls-tree', '-r', '--full-tree', 'HEAD', '--', dir])) ?? '').split('\n')) {
    const m = /^\d+ blob ([0-9a-f]+)\t(.+\.jsonl)$/.exec(l);
    if (m) head.set(m[2]!, m[1]!);
  }
  const changes: RecordHistory['changes'] = [];
  let commit = '';
  for (const l of ((await git(root, ['log', '--reverse', '--no-renames', '--format=C %H', '--raw', '--no-abbrev', 'HEAD', '--', dir])) ?? '').split('\n')) {
    if (l.startsWith('C ')) { commit = l.slice(2); continue; }
    const m = /^:\d+ \d+ ([0-9a-f]+) ([0-9a-f]+) ([MDA])\t(.+\.jsonl)$/.exec(l);
    if (m) changes.push({ commit, path: m[4]!, kind: m[3] as 'M' | 'D' | 'A', oldBlob: m[1]!, newBlob: m[2]! });
  }
  const ids = new Set<string>([...head.values()]);
  for (const c of changes) if (c.kind === 'M') { ids.add(c.oldBlob); ids.add(c.newBlob); }
  return { head, changes, blobs: await readBlobs(root, [...ids]) };
}

/**
 * Problems of the working files (path → text; absent: the file is gone) against git. Pure.
 * `scope`: only paths under these prefixes are judged (records verify PATH…).
 */
export function checkAgainstHistory(history: RecordHistory, working: ReadonlyMap<string, string | undefined>, inScope: (path: string) => boolean = () => true): HistoryProblem[] {
  const out: HistoryProblem[] = [];
  for (const c of history.changes) {
    if (!inScope(c.path)) continue;
    if (c.kind === 'D') { out.push({ file: c.path, line: 1, code: 'record.deleted', severity: 'error', message: `commit ${c.commit.slice(0, 12)} deleted this record file` }); continue; }
    if (c.kind !== 'M') continue;
    const older = history.blobs.get(c.oldBlob);
    const newer = history.blobs.get(c.newBlob);
    if (older === undefined || newer === undefined) continue;
    const v = compareVersions(older, newer);
    if (!v.extends) out.push({ file: c.path, line: v.line, code: 'record.rewritten', severity: 'error', message: `commit ${c.commit.slice(0, 12)} changed line ${v.line}, which an earlier commit had recorded (records are append-only)` });
  }
  for (const [path, blob] of history.head) {
    if (!inScope(path)) continue;
    const committed = history.blobs.get(blob);
    if (committed === undefined) continue;
    const now = working.get(path);
    if (now === undefined) { out.push({ file: path, line: 1, code: 'record.vanished', severity: 'error', message: `the file is committed (${lineCount(committed)} lines) but gone from the working tree` }); continue; }
    const v = compareVersions(committed, now);
    if (!v.extends) {
      out.push({ file: path, line: v.line, code: 'record.changed', severity: 'error', message: v.line > lineCount(now) ? `committed lines ${v.line}–${lineCount(committed)} disappeared` : `line ${v.line} differs from the committed line` });
    } else if (v.added > 0) {
      const first = lineCount(committed) + 1;
      out.push({ file: path, line: first, code: 'record.uncommitted', severity: 'notice', message: `lines ${first}–${first + v.added - 1} are not committed yet` });
    }
  }
  for (const [path, text] of working) {
    if (!inScope(path) || history.head.has(path) || text === undefined) continue;
    const n = lineCount(text);
    if (n > 0) out.push({ file: path, line: 1, code: 'record.uncommitted', severity: 'notice', message: `the file is not committed yet (${n} lines)` });
  }
  return out;
}
