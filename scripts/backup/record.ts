/**
 * Backup verification records: hash-chained JSON Lines under records/backups/
 * (one chain per calendar month, UTC: `records/backups/YYYY-MM.jsonl`).
 * Written only by `opsgate backup verify --record`. One run appends, in order:
 *
 *   { type: "backup.verify.started", run_id, scope: { policies: [id…], hosts: [id…], restore_test: "all"|"due"|"none" } }
 *   { type: "backup.check", run_id, policy, host, repository, status, read_data_subset, errors: [line…], duration_ms, evidence }
 *                                                   (once per repository; host = where restic ran)
 *   { type: "backup.snapshots", run_id, policy, host, executor, repository, status, count, rpo_hours,
 *     newest: { id, time, age_hours } | null, snapshots: [ { id, time } … ], reason, evidence }
 *   { type: "backup.retention", run_id, policy, host, executor, repository, status, retention: { keep_*… },
 *     kept, would_remove: [ { id, time } … ], missing: [ { rule, missing: [bucket…] } … ], reason, evidence }
 *   { type: "backup.restore_test", run_id, policy, host, executor, repository, status, content, snapshot_id,
 *     snapshot_time, sample_paths, files_expected, files_restored, bytes_expected, mismatches: [ { path, problem } … ],
 *     mismatch_count, duration_ms, rto_hours, rto_met, scratch_removed, reason, evidence }
 *   { type: "backup.verify.completed", run_id, summary }
 *
 * status is pass | fail | error (error: could not be evaluated, always with a reason).
 * A restore test passes only when the content matched, the restore met the RTO and the
 * scratch directory is gone. Secrets are redacted before writing (edge).
 */
import type { ScoredCheckResult } from '../model/outcome.ts';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { verifyChain } from '../records/chain.ts';
import { RecordWriter } from '../records/writer.ts';
import { redactDeep } from '../ssh/redact.ts';
import type { VerifyResults } from './types.ts';

export const BACKUP_RECORDS = path.join('records', 'backups');

export function backupRecordFile(root: string, at: Date): string {
  return path.join(root, BACKUP_RECORDS, `${at.toISOString().slice(0, 7)}.jsonl`);
}

export interface VerifySummary {
  checks: Record<ScoredCheckResult, number>;
  snapshots: Record<ScoredCheckResult, number>;
  retention: Record<ScoredCheckResult, number>;
  restore_tests: Record<ScoredCheckResult, number>;
}

const tally = (xs: Array<{ status: ScoredCheckResult }>) => ({
  pass: xs.filter((x) => x.status === 'pass').length,
  fail: xs.filter((x) => x.status === 'fail').length,
  error: xs.filter((x) => x.status === 'error').length,
});

export function summarizeVerify(r: VerifyResults): VerifySummary {
  return {
    checks: tally(r.checks),
    snapshots: tally(r.hosts.map((h) => h.snapshots)),
    retention: tally(r.hosts.map((h) => h.retention)),
    restore_tests: tally(r.hosts.flatMap((h) => (h.restore ? [h.restore] : []))),
  };
}

export async function writeVerifyRecord(input: {
  file: string;
  runId: string;
  at: () => string;
  scope: { policies: string[]; hosts: string[]; restore_test: 'all' | 'due' | 'none' };
  results: VerifyResults;
  secrets: string[];
}): Promise<void> {
  const r = redactDeep(input.results, input.secrets);
  const w = await RecordWriter.open(input.file);
  const run_id = input.runId;
  try {
    await w.append({ at: input.at(), type: 'backup.verify.started', run_id, scope: input.scope });
    for (const c of r.checks) await w.append({ at: input.at(), type: 'backup.check', run_id, ...c });
    for (const h of r.hosts) {
      const base = { run_id, policy: h.policy, host: h.host, executor: h.executor, repository: h.repository };
      await w.append({ at: input.at(), type: 'backup.snapshots', ...base, ...h.snapshots });
      await w.append({ at: input.at(), type: 'backup.retention', ...base, ...h.retention });
      if (h.restore) await w.append({ at: input.at(), type: 'backup.restore_test', ...base, ...h.restore });
    }
    await w.append({ at: input.at(), type: 'backup.verify.completed', run_id, summary: summarizeVerify(r) });
  } finally {
    await w.close();
  }
}

export interface RecordedRestoreTest {
  policy: string;
  host: string;
  at: string;
  status: string;
  file: string;
  line: number;
}

/**
 * Every restore test in records/backups/ (verified chains only: lines after a break are not
 * used, and the broken file is named in `problems`). Edge: reads the files.
 */
export async function readRestoreTests(root: string): Promise<{ tests: RecordedRestoreTest[]; problems: string[] }> {
  const dir = path.join(root, BACKUP_RECORDS);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.jsonl')).sort();
  const tests: RecordedRestoreTest[] = [];
  const problems: string[] = [];
  for (const n of names) {
    const file = path.join(BACKUP_RECORDS, n).split(path.sep).join('/');
    const v = verifyChain(await readFile(path.join(dir, n), 'utf8'));
    if (!v.ok) problems.push(`${file}: ${v.problems[0]!.message}`);
    // Every line before the first problem parsed and chained; nothing after it is used.
    for (const l of v.ok ? v.lines : v.lines.slice(0, v.problems[0]!.line - 1)) {
      if (l.type !== 'backup.restore_test' || typeof l.policy !== 'string' || typeof l.host !== 'string') continue;
      tests.push({ policy: l.policy, host: l.host, at: l.at, status: String(l.status), file, line: l.seq });
    }
  }
  return { tests, problems };
}

/** The newest passing restore test per `policy\u0000host`. Pure. */
export function lastPassingTests(tests: readonly RecordedRestoreTest[]): Map<string, RecordedRestoreTest> {
  const out = new Map<string, RecordedRestoreTest>();
  for (const t of tests) {
    if (t.status !== 'pass') continue;
    const k = `${t.policy}\u0000${t.host}`;
    const prev = out.get(k);
    if (!prev || Date.parse(t.at) > Date.parse(prev.at)) out.set(k, t);
  }
  return out;
}
