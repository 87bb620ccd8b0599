/**
 * Edge: reads everything a report is computed from — documents through the
 * repository loader, every record file under records/ (read-records.ts: each
 * chain verified and each file checked against its committed versions), git
 * history, and the working tree's state against the commit the cover cites —
 * and hands it to the adapters.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { calendarZone, DEFAULT_ZONE, zoneFromCalendarText } from '../calendar/zone.ts';
import { singletonSpellings } from '../repo/singleton-path.ts';
import { checkMissingRecords } from '../records/history.ts';
import { checkCitations } from '../records/check-cited-commits.ts';
import { locateRewrites, readRecordHistory, readWorkingTreeState } from '../records/git-versions.ts';
import { DOCUMENT_ROOTS } from '../repo/kinds.ts';
import { readRepo } from '../repo/read-repo.ts';
import { adaptDocuments } from './adapters/documents.ts';
import { readDutiesInput } from './adapters/duties-input.ts';
import { checkRecordAnchors } from './anchors.ts';
import { readGitHistory } from './git-history.ts';
import { listRecordFiles, readRecords, WORKER_MIN_BYTES, type VersionsByPath } from './read-records.ts';
import type { ReportInput } from './types.ts';

export { adaptRecordFile, emptyRecordsPart, type RecordsPart } from './read-records.ts';

/**
 * The organisation's zone, read before the full load so record pruning can start at once: only ever an IANA zone,
 * DEFAULT_ZONE without a readable calendar or one whose zone cannot be told (zone.ts). A calendar it cannot read is
 * reported (located) by the full load, which then prunes again in calendarZone's answer; report.ts refuses a zone
 * that is not an IANA zone.
 */
async function readZone(root: string): Promise<string> {
  const file = singletonSpellings('policies/calendar', (f) => existsSync(path.join(root, f))).file;
  const bytes = await readFile(path.join(root, file)).catch(() => undefined);
  const answer = zoneFromCalendarText(bytes, file);
  return 'zone' in answer ? answer.zone : DEFAULT_ZONE;
}

/**
 * The commit the evidence is read at: the last commit on HEAD's history that changed records/ or a document. A commit
 * that touched none of them (code, the generated reports) changes no figure, so the report it gives cites the same
 * commit and is byte-identical (test/report/sample-reports.test.ts holds the committed sample to that). Its tree pins
 * every evidence file as HEAD's does, and the working tree is checked against it. Undefined outside git or when no
 * commit holds evidence yet (HEAD is cited then).
 */
async function readEvidenceCommit(root: string, evidenceRoots: readonly string[]): Promise<string | undefined> {
  try {
    const { stdout } = await promisify(execFile)('git', ['-C', root, 'log', '-1', '--format=%H', 'HEAD', '--', ...evidenceRoots], { encoding: 'utf8' });
    return /^[0-9a-f]{40,64}$/.test(stdout.trim()) ? stdout.trim() : undefined;
  } catch {
    return undefined;
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

/** Reads the repository at `root` into the report's input. Edge. */
export async function readReportInput(root: string, options: ReadInputOptions = {}): Promise<ReportInput> {
  const workerMinBytes = options.workerMinBytes ?? WORKER_MIN_BYTES;
  const evidenceRoots = ['records', ...DOCUMENT_ROOTS];
  // The git processes start first and run while this thread walks records/ (a synchronous walk would otherwise delay their spawn).
  const gitReads = Promise.all([readRecordHistory(root), readWorkingTreeState(root, evidenceRoots)]);
  const gitHistory = readGitHistory(root);
  const evidenceCommit = readEvidenceCommit(root, evidenceRoots);
  const [zone, paths] = await Promise.all([readZone(root), listRecordFiles(root)]);
  const [history, working] = await gitReads;
  const versions: VersionsByPath = history.head
    ? { versions: Object.fromEntries(history.versions), modified: (working?.modified ?? []).filter((p) => p.startsWith('records/')), rewrites: Object.fromEntries(history.rewrites) }
    : undefined;
  // This thread joins the worker on the inspection files once the documents are loaded.
  const loading = readRepo(root);
  const [model, git, first] = await Promise.all([loading, gitHistory, readRecords(root, paths, zone, workerMinBytes, options.onWorkerError, versions, options.period, loading)]);
  const docs = adaptDocuments(model);
  const unloadedFiles = await Promise.all(
    [...new Set(docs.documentProblems.map((d) => d.file))].sort().map(async (p) => ({
      path: p,
      sha256: createHash('sha256')
        .update(await readFile(path.join(root, p)).catch(() => Buffer.alloc(0)))
        .digest('hex'),
    })),
  );
  // The calendar did not load as read ahead (invalid): prune again in the zone the report will use.
  const records = calendarZone(model) === zone ? first : await readRecords(root, paths, calendarZone(model), workerMinBytes, options.onWorkerError, versions, options.period);
  const listed = new Set(paths);
  // Committed record files gone from the working tree, or deleted and written again (the judge records verify uses).
  const missing = history.head ? checkMissingRecords(history, (p) => listed.has(p)) : [];
  const { anchors, tails, citations, ...recordsRead } = records;
  // Every commit a record cites must be one an auditor can open (the check records verify runs); a miss is an integrity failure.
  const [anchorProblems, cited] = await Promise.all([checkRecordAnchors(root, anchors, listed, tails), checkCitations(root, citations)]);
  const citationProblems = cited.findings.filter((f) => f.severity === 'error').map((f) => ({ path: f.file, line: f.line, code: f.code, message: f.message }));
  const historyProblems = [...(await locateRewrites(root, records.history, history, (p) => readFile(path.join(root, p), 'utf8'))), ...missing].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line,
  );
  const atCommit = history.head ? ((await evidenceCommit) ?? history.head) : undefined;
  return {
    ...docs,
    unloadedFiles,
    ...recordsRead,
    ...(await readDutiesInput(root, model)),
    integrity: [...recordsRead.integrity, ...anchorProblems, ...citationProblems].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line)),
    history: historyProblems,
    provenance: {
      git: history.head !== undefined,
      head: atCommit ?? null,
      modified: history.head ? (working?.modified ?? []) : [],
      deleted: history.head ? (working?.deleted ?? []) : [],
      untracked: history.head ? (working?.untracked ?? []) : [],
      epoch: history.epoch ?? null,
      restarts: [...history.restarts]
        .filter(([p]) => listed.has(p))
        .map(([path, commit]) => ({ path, commit }))
        .sort((a, b) => (a.path < b.path ? -1 : 1)),
    },
    git: { commit: git.commit === undefined ? undefined : (atCommit ?? git.commit), repositoryUrl: docs.organisation?.data.repository_url ?? git.remoteUrl, files: git.files },
  };
}
