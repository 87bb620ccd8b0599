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

/** Verifies and adapts record file texts. Pure: texts in, normalised records and problems out. */
export function adaptRecords(files: readonly { path: string; bytes: Buffer }[]): RecordsPart {
  const part: RecordsPart = { gateDecisions: [], executions: [], inspections: [], backups: [], recordFiles: [], integrity: [] };
  for (const f of files) {
    const text = f.bytes.toString('utf8');
    const v = verifyChain(text);
    const firstBad = v.problems.length ? Math.min(...v.problems.map((p) => p.line)) : Infinity;
    // Every line before the first problem parsed, so index i is line i + 1.
    const lines = (firstBad === Infinity ? v.lines : v.lines.slice(0, firstBad - 1)) as unknown as Record<string, unknown>[];
    for (const p of v.problems) part.integrity.push({ path: f.path, line: p.line, code: p.code, message: p.message });
    const family = familyOf(f.path);
    part.recordFiles.push({ path: f.path, sha256: createHash('sha256').update(f.bytes).digest('hex'), family, lines: v.lines.length, ok: v.ok });
    if (family === 'gate') part.gateDecisions.push(...adaptGateRecord(f.path, lines));
    else if (family === 'changes') {
      const run = adaptExecutionRecord(f.path, lines);
      if (run) part.executions.push(run);
    } else if (family === 'inspections') {
      part.inspections.push(...adaptInspectionRecord(f.path, lines));
    } else if (family === 'backups') part.backups.push(...adaptBackupRecord(f.path, lines));
  }
  return part;
}

/** Reads the repository at `root` into the report's input. Edge. */
export async function readReportInput(root: string): Promise<ReportInput> {
  const [model, git, recordPaths] = await Promise.all([readRepo(root), readGitHistory(root), listRecordFiles(root)]);
  const files = await Promise.all(recordPaths.map(async (p) => ({ path: p, bytes: await readFile(path.join(root, p)) })));
  const docs = adaptDocuments(model);
  return {
    ...docs,
    ...adaptRecords(files),
    git: { commit: git.commit, repositoryUrl: docs.organisation?.data.repository_url ?? git.remoteUrl, files: git.files },
  };
}
