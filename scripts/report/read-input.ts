/**
 * Edge: reads everything a report is computed from — documents through the
 * repository loader, every record file under records/ (each chain verified),
 * and git history — and hands it to the adapters. A record file whose chain
 * is broken is listed as an integrity problem and only its lines before the
 * first problem are used.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { verifyChain } from '../records/chain.ts';
import { readRepo } from '../repo/read-repo.ts';
import { adaptBackupRecord } from './adapters/backup-records.ts';
import { adaptConvergeRecord } from './adapters/converge-records.ts';
import { adaptDocuments } from './adapters/documents.ts';
import { readDutiesInput } from './adapters/duties-input.ts';
import { adaptExecutionRecord } from './adapters/execution-records.ts';
import { adaptGateRecord } from './adapters/gate-records.ts';
import { adaptInspectionFileFast } from './adapters/inspection-fast.ts';
import { adaptInspectionRecord, pruneInspectionRuns } from './adapters/inspection-records.ts';
import { readGitHistory } from './git-history.ts';
import type { IntegrityProblem, RecordFileInfo, ReportInput } from './types.ts';
import { codePath } from '../model/code-root.ts';

async function listRecordFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    const entries = await readdir(path.join(root, rel), { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(child);
      else if (e.isFile() && e.name.endsWith('.jsonl')) out.push(child);
    }
  }
  await walk('records');
  return out.sort();
}

function familyOf(rel: string): RecordFileInfo['family'] {
  const top = rel.split('/')[1];
  return top === 'gate' || top === 'changes' || top === 'inspections' || top === 'backups' || top === 'converge' ? top : 'other';
}

export interface RecordsPart {
  gateDecisions: ReportInput['gateDecisions'];
  executions: ReportInput['executions'];
  inspections: ReportInput['inspections'];
  backups: ReportInput['backups'];
  converge: ReportInput['converge'];
  recordFiles: RecordFileInfo[];
  integrity: IntegrityProblem[];
}

/** Verifies and adapts one record file into `part`. Pure: bytes in, normalised records and problems out. */
export function adaptRecordFile(part: RecordsPart, file: { path: string; bytes: Buffer }, zone?: string): void {
  const family = familyOf(file.path);
  const text = file.bytes.toString('utf8');
  if (family === 'inspections' && zone !== undefined) {
    // Intact files take the fast path (same result, fewer lines parsed); anything else the full verifier.
    const fast = adaptInspectionFileFast(file.path, text, zone);
    if (fast) {
      part.recordFiles.push({ path: file.path, sha256: createHash('sha256').update(file.bytes).digest('hex'), family, lines: fast.lines, ok: true });
      part.inspections.push(...fast.runs);
      return;
    }
  }
  const v = verifyChain(text);
  const firstBad = v.problems.length ? Math.min(...v.problems.map((p) => p.line)) : Infinity;
  // Every line before the first problem parsed, so index i is line i + 1.
  const lines = (firstBad === Infinity ? v.lines : v.lines.slice(0, firstBad - 1)) as unknown as Record<string, unknown>[];
  for (const p of v.problems) part.integrity.push({ path: file.path, line: p.line, code: p.code, message: p.message });
  part.recordFiles.push({ path: file.path, sha256: createHash('sha256').update(file.bytes).digest('hex'), family, lines: v.lines.length, ok: v.ok });
  if (family === 'gate') part.gateDecisions.push(...adaptGateRecord(file.path, lines));
  else if (family === 'changes') {
    const run = adaptExecutionRecord(file.path, lines);
    if (run) part.executions.push(run);
  } else if (family === 'inspections') part.inspections.push(...adaptInspectionRecord(file.path, lines));
  else if (family === 'backups') part.backups.push(...adaptBackupRecord(file.path, lines));
  else if (family === 'converge') part.converge.push(...adaptConvergeRecord(file.path, lines));
}

export function emptyRecordsPart(): RecordsPart {
  return { gateDecisions: [], executions: [], inspections: [], backups: [], converge: [], recordFiles: [], integrity: [] };
}

/** Reads, verifies and adapts record files, a few at a time so a large year never sits in memory as text. Edge. */
async function readRecordsHere(root: string, paths: readonly string[], zone: string): Promise<RecordsPart> {
  const part = emptyRecordsPart();
  const results: ({ path: string; bytes: Buffer } | undefined)[] = new Array(paths.length);
  let next = 0;
  let done = 0;
  const CONCURRENCY = 16;
  // Files are read concurrently but adapted in path order, so the result does not depend on I/O timing.
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, paths.length) }, async () => {
    while (next < paths.length) {
      const i = next++;
      results[i] = { path: paths[i]!, bytes: await readFile(path.join(root, paths[i]!)) };
      while (done < paths.length && results[done]) {
        const isInspection = results[done]!.path.startsWith('records/inspections/');
        adaptRecordFile(part, results[done]!, zone);
        if (isInspection) pruneInspectionRuns(part.inspections, zone);
        results[done] = undefined;
        done++;
      }
    }
  }));
  return part;
}

/** Inspection records above this many bytes are verified in worker threads, beside the documents. */
const WORKER_MIN_BYTES = 32 * 1024 * 1024;

function mergeParts(parts: RecordsPart[]): RecordsPart {
  const out = emptyRecordsPart();
  for (const p of parts) for (const k of Object.keys(out) as (keyof RecordsPart)[]) (out[k] as unknown[]).push(...(p[k] as unknown[]));
  out.recordFiles.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return out;
}

async function readInWorker(root: string, paths: string[], zone: string): Promise<RecordsPart> {
  const { Worker } = await import('node:worker_threads');
  return new Promise((resolve, reject) => {
    const w = new Worker(codePath('scripts/report/records-worker.mjs'), { workerData: { root, paths, zone } });
    w.once('message', (part: RecordsPart) => {
      resolve(part);
      void w.terminate();
    });
    w.once('error', reject);
    w.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`records worker exited with ${code}`))));
  });
}

/** Threads that verify inspection records when they are large; more would hold more parsed months in memory at once. */
const WORKERS = 1;

/**
 * All record files. When inspections are large, they are verified in worker
 * threads (split by size) while this thread loads the documents and the small
 * gate and execution records; a worker that cannot start falls back to this
 * thread. The result is the same either way.
 */
async function readRecords(root: string, paths: readonly string[], zone: string, workerMinBytes: number, onWorkerError: (e: unknown) => void = () => {}): Promise<RecordsPart> {
  const inspections: { path: string; size: number }[] = [];
  for (const p of paths) if (p.startsWith('records/inspections/')) inspections.push({ path: p, size: (await stat(path.join(root, p)).catch(() => ({ size: 0 }))).size });
  const total = inspections.reduce((a, f) => a + f.size, 0);
  if (paths.length === 0 || total < workerMinBytes) return readRecordsHere(root, paths, zone);
  // Largest first onto the lightest worker: balanced shares.
  const shares: { paths: string[]; size: number }[] = Array.from({ length: WORKERS }, () => ({ paths: [], size: 0 }));
  for (const f of [...inspections].sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1))) {
    const lightest = shares.reduce((m, s) => (s.size < m.size ? s : m));
    lightest.paths.push(f.path);
    lightest.size += f.size;
  }
  const inWorker = (share: string[]) =>
    readInWorker(root, share.sort(), zone).catch((e: unknown) => {
      onWorkerError(e);
      return readRecordsHere(root, share, zone);
    });
  const rest = paths.filter((p) => !p.startsWith('records/inspections/'));
  const parts = await Promise.all([...shares.filter((s) => s.paths.length > 0).map((s) => inWorker(s.paths)), readRecordsHere(root, rest, zone)]);
  const merged = mergeParts(parts);
  pruneInspectionRuns(merged.inspections, zone);
  return merged;
}

/** The organisation's zone, read before the full load so record pruning can start at once; UTC without a readable calendar. */
async function readZone(root: string): Promise<string> {
  try {
    const { load, CORE_SCHEMA } = (await import('js-yaml')).default;
    const data = load(await readFile(path.join(root, 'policies/calendar.yaml'), 'utf8'), { schema: CORE_SCHEMA }) as { timezone?: unknown } | null;
    return typeof data?.timezone === 'string' ? data.timezone : 'UTC';
  } catch {
    return 'UTC';
  }
}

export interface ReadInputOptions {
  /** Inspection records of at least this many bytes are read in a worker thread (default 32 MiB). */
  workerMinBytes?: number;
  /** Told when the worker thread could not be used and records were read on this thread instead. */
  onWorkerError?: (error: unknown) => void;
}

/** Reads the repository at `root` into the report's input. Edge. */
export async function readReportInput(root: string, options: ReadInputOptions = {}): Promise<ReportInput> {
  const workerMinBytes = options.workerMinBytes ?? WORKER_MIN_BYTES;
  const zone = await readZone(root);
  const paths = await listRecordFiles(root);
  const [model, git, first] = await Promise.all([readRepo(root), readGitHistory(root), readRecords(root, paths, zone, workerMinBytes, options.onWorkerError)]);
  const docs = adaptDocuments(model);
  const unloadedFiles = await Promise.all(
    [...new Set(docs.documentProblems.map((d) => d.file))].sort().map(async (p) => ({ path: p, sha256: createHash('sha256').update(await readFile(path.join(root, p)).catch(() => Buffer.alloc(0))).digest('hex') })),
  );
  // The calendar did not load as read ahead (invalid): prune again in the zone the report will use.
  const records = (docs.calendar?.data.timezone ?? 'UTC') === zone ? first : await readRecords(root, paths, docs.calendar?.data.timezone ?? 'UTC', workerMinBytes, options.onWorkerError);
  return {
    ...docs,
    unloadedFiles,
    ...records,
    ...(await readDutiesInput(root, model)),
    git: { commit: git.commit, repositoryUrl: docs.organisation?.data.repository_url ?? git.remoteUrl, files: git.files },
  };
}
