/**
 * Edge: reads, verifies and adapts record files — every record file under
 * records/, each chain verified, each file checked against its committed
 * versions in git (scripts/records/history.ts) while its bytes are in memory.
 * A record file whose chain is broken is listed as an integrity problem and
 * only its lines before the first problem are used. Large inspection records
 * are read in a worker thread beside the documents.
 */
import { existsSync } from 'node:fs';
import { readFileSync, readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { anchorOf, type Anchor } from '../records/anchor.ts';
import { verifyChain, type RecordLine } from '../records/chain.ts';
import { checkRecordHistory, type CommittedVersion } from '../records/history.ts';
import { citedCommits } from '../records/cited-commits.ts';
import { adaptBackupRecord } from './adapters/backup-records.ts';
import { adaptConvergeRecord } from './adapters/converge-records.ts';
import { adaptExecutionRecord } from './adapters/execution-records.ts';
import { adaptGateRecord } from './adapters/gate-records.ts';
import { adaptInspectionBytesFast } from './adapters/inspection-fast.ts';
import { citedCommitsInBytes } from './adapters/cited-in-bytes.ts';
import { adaptInspectionRecord, pruneInspectionRuns } from './adapters/inspection-records.ts';
import type { RecordFileInfo } from './types.ts';
import { sha256Hex } from './sha256.ts';
import { emptyRecordsPart, type RecordsPart } from './records-part.ts';
import { claim, claimedFront, createClaims, emptyMarkedPart, inFileOrder, markFile, type MarkedPart } from './shared-queue.ts';

export { emptyRecordsPart, type RecordsPart } from './records-part.ts';
import { codePath } from '../model/code-root.ts';
import { appendAll, minOf } from '../model/append.ts';

/** What git knows of the record files; undefined outside a git repository (nothing to compare with). */
export type VersionsByPath =
  | {
      /** Committed versions by record path. */
      versions: Record<string, CommittedVersion[]>;
      /** Record paths git status reports modified (the rest are exactly HEAD's version). */
      modified: string[];
      /** Record paths a commit rewrote, with that commit. */
      rewrites: Record<string, { commit: string; at: string }>;
    }
  | undefined;

/** Every .jsonl file under records/, repository-relative, sorted. Synchronous: ten thousand folders of one small file each. Edge. */
export async function listRecordFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = (rel: string): void => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(path.join(root, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else if (e.isFile() && e.name.endsWith('.jsonl')) out.push(child);
    }
  };
  walk('records');
  return out.sort();
}

function familyOf(rel: string): RecordFileInfo['family'] {
  const top = rel.split('/')[1];
  return top === 'gate' || top === 'changes' || top === 'inspections' || top === 'backups' || top === 'converge' ? top : 'other';
}

const LAST_HASH = /,"hash":"([0-9a-f]{64})"\}\n?$/;

/**
 * The hash the last line of `text` claims. A copy: V8 keeps a slice of a
 * string alive with the whole string, and a month of inspections is 30 MB.
 * Pure.
 */
function lastHash(text: string): string {
  const m = LAST_HASH.exec(text.slice(-100));
  return m ? Buffer.from(m[1]!, 'latin1').toString('latin1') : '';
}

/** The anchor a record file's first line carries, read without parsing the rest of the file. Pure. */
function firstLineAnchor(text: string): Anchor | undefined {
  const nl = text.indexOf('\n');
  const first = nl < 0 ? text : text.slice(0, nl);
  if (!first.includes('"anchor":')) return undefined;
  try {
    return anchorOf(JSON.parse(first) as RecordLine);
  } catch {
    return undefined;
  }
}

/** Verifies and adapts one record file into `part`. Pure: bytes in, normalised records and problems out. */
export function adaptRecordFile(part: RecordsPart, file: { path: string; bytes: Buffer }, zone?: string, versions?: VersionsByPath, firstOf?: string): void {
  const family = familyOf(file.path);
  if (versions) {
    const rewrittenIn = versions.rewrites[file.path];
    part.history.push(
      ...checkRecordHistory(file.path, versions.versions[file.path] ?? [], file.bytes, { modified: versions.modified.includes(file.path), ...(rewrittenIn ? { rewrittenIn } : {}) }).problems,
    );
  }
  if (family === 'inspections' && zone !== undefined) {
    // Intact files take the fast path over their bytes (same result, far less decoded and parsed); anything else the full verifier.
    const fast = adaptInspectionBytesFast(file.path, file.bytes, zone, firstOf);
    if (fast) {
      const nl = file.bytes.indexOf(0x0a);
      const anchor = firstLineAnchor(file.bytes.toString('utf8', 0, nl < 0 ? file.bytes.length : nl));
      if (anchor) part.anchors.push({ path: file.path, anchor });
      part.recordFiles.push({ path: file.path, sha256: sha256Hex(file.bytes), family, lines: fast.lines, ok: true });
      part.tails.push({ path: file.path, lines: fast.lines, head: lastHash(file.bytes.toString('latin1', Math.max(0, file.bytes.length - 100))) });
      appendAll(part.inspections, fast.runs);
      appendAll(part.citations, citedCommitsInBytes(file.path, file.bytes));
      return;
    }
  }
  const text = file.bytes.toString('utf8');
  const anchor = firstLineAnchor(text);
  if (anchor) part.anchors.push({ path: file.path, anchor });
  const v = verifyChain(text);
  const firstBad = v.problems.length ? minOf(v.problems.map((p) => p.line)) : Infinity;
  // Every line before the first problem parsed, so index i is line i + 1.
  const lines = (firstBad === Infinity ? v.lines : v.lines.slice(0, firstBad - 1)) as unknown as Record<string, unknown>[];
  for (const p of v.problems) part.integrity.push({ path: file.path, line: p.line, code: p.code, message: p.message });
  part.recordFiles.push({ path: file.path, sha256: sha256Hex(file.bytes), family, lines: v.lines.length, ok: v.ok });
  if (v.ok) part.tails.push({ path: file.path, lines: v.lines.length, head: v.head });
  appendAll(part.citations, citedCommits(file.path, lines as unknown as RecordLine[]));
  if (family === 'gate') appendAll(part.gateDecisions, adaptGateRecord(file.path, lines));
  else if (family === 'changes') {
    const run = adaptExecutionRecord(file.path, lines);
    if (run) part.executions.push(run);
  } else if (family === 'inspections') appendAll(part.inspections, adaptInspectionRecord(file.path, lines));
  else if (family === 'backups') appendAll(part.backups, adaptBackupRecord(file.path, lines));
  else if (family === 'converge') appendAll(part.converge, adaptConvergeRecord(file.path, lines));
}

/**
 * Reads, verifies and adapts record files one at a time, in path order, so a
 * large year never sits in memory as text. Synchronous reads: thousands of
 * small gate and execution records cost far less without thread-pool round
 * trips; the loop yields now and then so the documents load meanwhile. Edge.
 */
async function readRecordsHere(root: string, paths: readonly string[], zone: string, versions: VersionsByPath, firstOf?: string): Promise<RecordsPart> {
  const part = emptyRecordsPart();
  for (let i = 0; i < paths.length; i++) {
    if (i % 256 === 255) await new Promise((r) => setImmediate(r));
    const rel = paths[i]!;
    adaptRecordFile(part, { path: rel, bytes: readFileSync(path.join(root, rel)) }, zone, versions, firstOf);
    if (rel.startsWith('records/inspections/')) pruneInspectionRuns(part.inspections, zone, firstOf);
  }
  return part;
}

/**
 * Running from the bundle (scripts/bin/build.mjs), the worker is the bundle's own
 * records-worker.js next to this chunk; from the sources, a shim that registers tsx.
 */
function workerEntry(): string | URL {
  const bundled = new URL('./records-worker.js', import.meta.url);
  return existsSync(bundled) ? bundled : codePath('scripts/report/records-worker.mjs');
}

/** Inspection records above this many bytes are verified in worker threads, beside the documents. */
export const WORKER_MIN_BYTES = 32 * 1024 * 1024;

async function readInWorker(root: string, paths: string[], zone: string, versions: VersionsByPath, firstOf: string | undefined, claims: SharedArrayBuffer): Promise<MarkedPart> {
  const { Worker } = await import('node:worker_threads');
  return new Promise((resolve, reject) => {
    const w = new Worker(workerEntry(), { workerData: { root, paths, zone, versions, firstOf, claims } });
    w.once('message', (part: MarkedPart) => {
      resolve(part);
      void w.terminate();
    });
    w.once('error', reject);
    w.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`records worker exited with ${code}`))));
  });
}

/** Reads one claimed file into `m`, noting where its results start. */
function readMarked(m: MarkedPart, root: string, rel: string, zone: string, versions: VersionsByPath, firstOf?: string): void {
  markFile(m, rel);
  adaptRecordFile(m.part, { path: rel, bytes: readFileSync(path.join(root, rel)) }, zone, versions, firstOf);
  if (rel.startsWith('records/inspections/')) pruneInspectionRuns(m.part.inspections, zone, firstOf);
}

/**
 * All record files. When inspections are large, a worker thread and this one
 * share one queue (shared-queue.ts): the worker verifies the inspection files,
 * largest first, and then the small records; this thread reads the small gate
 * and execution records from the other end, letting the documents load
 * meanwhile, and — once `joinAfter` settles (the documents are loaded) — any
 * inspection file the worker has not reached. A worker that fails leaves what
 * it claimed to this thread. The result is the same either way: each file is
 * read whole by one thread, and the results are put back in path order.
 */
export async function readRecords(
  root: string,
  paths: readonly string[],
  zone: string,
  workerMinBytes: number,
  onWorkerError: (e: unknown) => void = () => {},
  versions: VersionsByPath = undefined,
  firstOf?: string,
  joinAfter?: Promise<unknown>,
): Promise<RecordsPart> {
  const inspections: { path: string; size: number }[] = [];
  for (const p of paths) if (p.startsWith('records/inspections/')) inspections.push({ path: p, size: (await stat(path.join(root, p)).catch(() => ({ size: 0 }))).size });
  const total = inspections.reduce((a, f) => a + f.size, 0);
  if (paths.length === 0 || total < workerMinBytes) return readRecordsHere(root, paths, zone, versions, firstOf);
  const queue = [...[...inspections].sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1)).map((f) => f.path), ...paths.filter((p) => !p.startsWith('records/inspections/'))];
  const claims = createClaims(queue.length);
  const inWorker = readInWorker(root, queue, zone, versions, firstOf, claims).catch((e: unknown) => {
    onWorkerError(e);
    return undefined;
  });
  const mine = emptyMarkedPart();
  let joined = false;
  for (let n = 0, at = claim(claims, 'back'); at !== undefined; n++, at = claim(claims, 'back')) {
    const rel = queue[at]!;
    const inspection = rel.startsWith('records/inspections/');
    if (inspection && !joined) {
      await joinAfter?.catch(() => undefined);
      joined = true;
    }
    readMarked(mine, root, rel, zone, versions, firstOf);
    if (inspection || n % 256 === 255) await new Promise((r) => setImmediate(r));
  }
  const theirs = await inWorker;
  const parts = [mine];
  if (theirs) parts.push(theirs);
  else {
    // The worker failed: what it claimed is lost with it, so this thread reads those files too.
    const lost = emptyMarkedPart();
    for (const rel of queue.slice(0, claimedFront(claims))) readMarked(lost, root, rel, zone, versions, firstOf);
    parts.push(lost);
  }
  const merged = inFileOrder(paths, parts);
  pruneInspectionRuns(merged.inspections, zone, firstOf);
  return merged;
}
