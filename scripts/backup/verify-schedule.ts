/**
 * Which backup policies the scheduled workflows verify, and how often: read
 * from the workflow files themselves, so the schedule cannot drift from the
 * policies (lint: backup.verify-unscheduled, backup.verify-schedule-sparse). Pure.
 *
 * A scheduled workflow verifies a policy when one of its jobs calls the
 * reusable workflow `reusable-backup-verify.yml` (here by path, or another
 * repository's by `OWNER/REPO/.github/workflows/…@REF`) with `restore-test`
 * `due` or `all` (default due) and `policies` empty or naming it; or when one
 * of its `run:` steps runs `opsgate backup verify --record` with `--due` or
 * `--restore-test`, without `--hosts`, and `--policies` empty or naming it.
 * With `--due`, a daily schedule holds every cadence; the rule is that the
 * longest time between two firings (GitHub's cron: UTC) is at most the policy's
 * `verification.restore_test_every_days`.
 */
import { createRequire } from 'node:module';
import type * as YamlLib from 'yaml';
import { cronDay, parseCron, type CronSpec } from '../converge/backup-schedule.ts';

export interface WorkflowText {
  file: string;
  text: string;
}

export interface VerifySchedule {
  file: string;
  /** 1-based line of the first cron of the workflow. */
  line: number;
  crons: string[];
  /** Policies verified; null = every policy. */
  policies: string[] | null;
  /** Longest time between two firings, in hours; null when a cron does not parse (see `problems`). */
  maxGapHours: number | null;
}

export interface ScheduleRead {
  schedules: VerifySchedule[];
  problems: Array<{ file: string; line: number; message: string }>;
}

type Doc = Record<string, unknown>;
const REUSABLE = /(^|\/)reusable-backup-verify\.yml(@\S+)?$/;
const list = (v: unknown) =>
  String(v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** The policies one `opsgate backup verify …` line verifies on a schedule, or undefined when it does not count. */
export function policiesOfCommand(line: string): string[] | null | undefined {
  const m = /opsgate\s+backup\s+verify\b([^\n;&|]*)/.exec(line);
  if (!m) return undefined;
  const args = m[1]!.trim().split(/\s+/).filter(Boolean);
  const has = (f: string) => args.some((a) => a === f || a.startsWith(`${f}=`));
  if (!has('--record') || has('--hosts') || !(has('--due') || has('--restore-test'))) return undefined;
  const i = args.findIndex((a) => a === '--policies' || a.startsWith('--policies='));
  if (i < 0) return null;
  const v = args[i]!.includes('=') ? args[i]!.slice(args[i]!.indexOf('=') + 1) : args[i + 1];
  return list(v?.replace(/^["']|["']$/g, ''));
}

/** Longest gap between firings of the crons (UTC) over two years from `from`, in hours. */
export function maxGapHours(specs: readonly CronSpec[], from: Date): number {
  const start = Date.UTC(from.getUTCFullYear(), 0, 1);
  const times: number[] = [];
  for (let d = 0; d < 731; d++) {
    const day = new Date(start + d * 86_400_000);
    for (const s of specs) {
      if (!s.months.includes(day.getUTCMonth() + 1) || !cronDay(s, day.getUTCMonth() + 1, day.getUTCDate(), day.getUTCDay())) continue;
      for (const h of s.hours) for (const m of s.minutes) times.push(start + d * 86_400_000 + h * 3_600_000 + m * 60_000);
    }
  }
  if (times.length < 2) return Infinity;
  times.sort((a, b) => a - b);
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return gap / 3_600_000;
}

function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  return i < 0 ? 1 : text.slice(0, i).split('\n').length;
}

// The `yaml` library (~0.1 s to load) only when there are workflows to read: lint of a
// repository without them, or whose documents all read on the fast path, never loads it.
const requireLazy = createRequire(import.meta.url);
let parse: typeof YamlLib.parse | undefined;

export function readVerifySchedules(workflows: readonly WorkflowText[], now: Date): ScheduleRead {
  const schedules: VerifySchedule[] = [];
  const problems: ScheduleRead['problems'] = [];
  const byName = new Map(workflows.map((w) => [w.file.split('/').pop()!, w]));
  for (const w of workflows) {
    let doc: Doc;
    try {
      parse ??= (requireLazy('yaml') as typeof YamlLib).parse;
      doc = (parse(w.text) ?? {}) as Doc;
    } catch {
      continue;
    }
    const on = (doc.on ?? doc[true as unknown as string]) as Doc | undefined;
    const crons = Array.isArray(on?.schedule) ? (on!.schedule as Doc[]).map((s) => String(s?.cron ?? '')) : [];
    if (crons.length === 0) continue;
    const verified: Array<string[] | null> = [];
    for (const job of Object.values((doc.jobs ?? {}) as Record<string, Doc>)) {
      if (typeof job?.uses === 'string' && REUSABLE.test(job.uses)) {
        const w2 = (job.with ?? {}) as Doc;
        const rt = String(w2['restore-test'] ?? 'due');
        if (rt === 'due' || rt === 'all') verified.push(list(w2.policies).length ? list(w2.policies) : null);
      }
      // A run step of this workflow, or of a local reusable workflow it calls.
      const local = typeof job?.uses === 'string' && job.uses.startsWith('./') ? byName.get(job.uses.split('/').pop()!) : undefined;
      const runs = [...((job?.steps ?? []) as Doc[]).map((s) => String(s?.run ?? '')), ...(local && !REUSABLE.test(String(job.uses)) ? [local.text] : [])];
      for (const r of runs)
        for (const l of r.split('\n')) {
          const p = policiesOfCommand(l);
          if (p !== undefined) verified.push(p);
        }
    }
    if (verified.length === 0) continue;
    const specs: CronSpec[] = [];
    let bad = false;
    for (const c of crons) {
      const p = parseCron(c);
      if (p.ok) specs.push(p.spec);
      else {
        bad = true;
        problems.push({ file: w.file, line: lineOf(w.text, c), message: `schedule cron '${c}' of the backup verification does not parse: ${p.message}` });
      }
    }
    const policies = verified.includes(null) ? null : [...new Set(verified.flat() as string[])].sort();
    schedules.push({ file: w.file, line: lineOf(w.text, crons[0]!), crons, policies, maxGapHours: bad ? null : maxGapHours(specs, now) });
  }
  return { schedules, problems };
}
