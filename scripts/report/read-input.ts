/**
 * Edge: reads everything a report is computed from — documents through the
 * repository loader, every record file under records/ (each chain verified),
 * and git history — and hands it to the adapters. A record file whose chain
 * is broken is listed as an integrity problem and only its lines before the
 * first problem are used.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { verifyChain } from '../records/chain.ts';
import { readRepo } from '../repo/read-repo.ts';
import { adaptBackupRecord } from './adapters/backup-records.ts';
import { adaptDocuments } from './adapters/documents.ts';
import { adaptExecutionRecord } from './adapters/execution-records.ts';
import { adaptGateRecord } from './adapters/gate-records.ts';
import { adaptInspectionRecord } from './adapters/inspection-records.ts';
import { readGitHistory } from './git-history.ts';
import type { IntegrityProblem, RecordFileInfo, ReportInput } from './types.ts';

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
  return top === 'gate' || top === 'changes' || top === 'inspections' || top === 'backups' ? top : 'other';
}

export interface RecordsPart {
  gateDecisions: ReportInput['gateDecisions'];
  executions: ReportInput['executions'];
  inspections: ReportInput['inspections'];
  backups: ReportInput['backups'];
  recordFiles: RecordFileInfo[];
  integrity: IntegrityProblem[];
}

/** Verifies and adapts one record file into `part`. Pure: bytes in, normalised records and problems out. */
export function adaptRecordFile(part: RecordsPart, file: { path: string; bytes: Buffer }): void {
  const v = verifyChain(file.bytes.toString('utf8'));
  const firstBad = v.problems.length ? Math.min(...v.problems.map((p) => p.line)) : Infinity;
  // Every line before the first problem parsed, so index i is line i + 1.
  const lines = (firstBad === Infinity ? v.lines : v.lines.slice(0, firstBad - 1)) as unknown as Record<string, unknown>[];
  for (const p of v.problems) part.integrity.push({ path: file.path, line: p.line, code: p.code, message: p.message });
  const family = familyOf(file.path);
  part.recordFiles.push({ path: file.path, sha256: createHash('sha256').update(file.bytes).digest('hex'), family, lines: v.lines.length, ok: v.ok });
  if (family === 'gate') part.gateDecisions.push(...adaptGateRecord(file.path, lines));
  else if (family === 'changes') {
    const run = adaptExecutionRecord(file.path, lines);
    if (run) part.executions.push(run);
  } else if (family === 'inspections') part.inspections.push(...adaptInspectionRecord(file.path, lines));
  else if (family === 'backups') part.backups.push(...adaptBackupRecord(file.path, lines));
}

export function emptyRecordsPart(): RecordsPart {
  return { gateDecisions: [], executions: [], inspections: [], backups: [], recordFiles: [], integrity: [] };
}

/** Reads, verifies and adapts every record file, a few at a time so a large year never sits in memory as text. Edge. */
async function readRecords(root: string, paths: readonly string[]): Promise<RecordsPart> {
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
        adaptRecordFile(part, results[done]!);
        results[done] = undefined;
        done++;
      }
    }
  }));
  return part;
}

/** Reads the repository at `root` into the report's input. Edge. */
export async function readReportInput(root: string): Promise<ReportInput> {
  const [model, git, records] = await Promise.all([readRepo(root), readGitHistory(root), listRecordFiles(root).then((paths) => readRecords(root, paths))]);
  const docs = adaptDocuments(model);
  return {
    ...docs,
    ...records,
    git: { commit: git.commit, repositoryUrl: docs.organisation?.data.repository_url ?? git.remoteUrl, files: git.files },
  };
}
