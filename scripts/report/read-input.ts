/**
 * Edge: reads everything a report is computed from — documents through the
 * repository loader, every record file under records/ (read-records.ts: each
 * chain verified and each file checked against its committed versions), git
 * history, and the working tree's state against the commit the cover cites —
 * and hands it to the adapters.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { locateRewrite, type HistoryProblem } from '../records/history.ts';
import { checkCitations } from '../records/check-cited-commits.ts';
import { readBlob, readRecordHistory, readWorkingTreeState } from '../records/git-versions.ts';
import { DOCUMENT_ROOTS } from '../repo/kinds.ts';
import { readRepo } from '../repo/read-repo.ts';
import { adaptDocuments } from './adapters/documents.ts';
import { readDutiesInput } from './adapters/duties-input.ts';
import { checkRecordAnchors } from './anchors.ts';
import { readGitHistory } from './git-history.ts';
import { listRecordFiles, readRecords, WORKER_MIN_BYTES, type VersionsByPath } from './read-records.ts';
import type { ReportInput } from './types.ts';

export { adaptRecordFile, emptyRecordsPart, type RecordsPart } from './read-records.ts';

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
  /** The report's period (YYYY-MM): only its first inspection run keeps its rows besides each month's last (memory). */
  period?: string;
}

/** Names the first changed line of each rewritten record file, reading the contradicted blob (rare). Edge. */
async function locateRewrites(root: string, problems: HistoryProblem[], versions: VersionsByPath): Promise<HistoryProblem[]> {
  return Promise.all(problems.map(async (p) => {
    if (p.code !== 'record.history.rewritten' || !versions) return p;
    const v = versions.versions[p.path]?.find((x) => x.commit === p.commit);
    const [committed, working] = await Promise.all([v ? readBlob(root, v.blob) : undefined, readFile(path.join(root, p.path), 'utf8').catch(() => '')]);
    return committed === undefined ? p : locateRewrite(p, committed, working);
  }));
}

/** Reads the repository at `root` into the report's input. Edge. */
export async function readReportInput(root: string, options: ReadInputOptions = {}): Promise<ReportInput> {
  const workerMinBytes = options.workerMinBytes ?? WORKER_MIN_BYTES;
  const evidenceRoots = ['records', ...DOCUMENT_ROOTS];
  const [zone, paths, history, working] = await Promise.all([readZone(root), listRecordFiles(root), readRecordHistory(root), readWorkingTreeState(root, evidenceRoots)]);
  const versions: VersionsByPath = history.head
    ? { versions: Object.fromEntries(history.versions), modified: (working?.modified ?? []).filter((p) => p.startsWith('records/')), rewrites: Object.fromEntries(history.rewrites) }
    : undefined;
  const [model, git, first] = await Promise.all([readRepo(root), readGitHistory(root), readRecords(root, paths, zone, workerMinBytes, options.onWorkerError, versions, options.period)]);
  const docs = adaptDocuments(model);
  const unloadedFiles = await Promise.all(
    [...new Set(docs.documentProblems.map((d) => d.file))].sort().map(async (p) => ({ path: p, sha256: createHash('sha256').update(await readFile(path.join(root, p)).catch(() => Buffer.alloc(0))).digest('hex') })),
  );
  // The calendar did not load as read ahead (invalid): prune again in the zone the report will use.
  const records = (docs.calendar?.data.timezone ?? 'UTC') === zone ? first : await readRecords(root, paths, docs.calendar?.data.timezone ?? 'UTC', workerMinBytes, options.onWorkerError, versions, options.period);
  const listed = new Set(paths);
  const deleted: HistoryProblem[] = versions
    ? Object.entries(versions.versions).filter(([p, vs]) => vs.length > 0 && !listed.has(p) && p.endsWith('.jsonl')).map(([p, vs]) => ({ path: p, line: 1, code: 'record.history.deleted' as const, commit: vs[0]!.commit, message: `${p} is in commit ${vs[0]!.commit.slice(0, 10)} but missing from the working tree` }))
    : [];
  for (const [p, commit] of history.deleted) if (!listed.has(p) && p.endsWith('.jsonl')) deleted.push({ path: p, line: 1, code: 'record.history.deleted', commit, message: `${p} was deleted in commit ${commit.slice(0, 10)}: committed evidence is gone` });
  const { anchors, tails, citations, ...recordsRead } = records;
  // Every commit a record cites must be one an auditor can open (the check records verify runs); a miss is an integrity failure.
  const [anchorProblems, cited] = await Promise.all([checkRecordAnchors(root, anchors, listed, tails), checkCitations(root, citations)]);
  const citationProblems = cited.findings.filter((f) => f.severity === 'error').map((f) => ({ path: f.file, line: f.line, code: f.code, message: f.message }));
  const historyProblems = [...(await locateRewrites(root, records.history, versions)), ...deleted].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line));
  return {
    ...docs,
    unloadedFiles,
    ...recordsRead,
    ...(await readDutiesInput(root, model)),
    integrity: [...recordsRead.integrity, ...anchorProblems, ...citationProblems].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line)),
    history: historyProblems,
    provenance: { git: history.head !== undefined, head: history.head ?? null, modified: history.head ? working?.modified ?? [] : [], deleted: history.head ? working?.deleted ?? [] : [], untracked: history.head ? working?.untracked ?? [] : [], epoch: history.epoch ?? null, restarts: [...history.restarts].filter(([p]) => listed.has(p)).map(([path, commit]) => ({ path, commit })).sort((a, b) => (a.path < b.path ? -1 : 1)) },
    git: { commit: git.commit, repositoryUrl: docs.organisation?.data.repository_url ?? git.remoteUrl, files: git.files },
  };
}
