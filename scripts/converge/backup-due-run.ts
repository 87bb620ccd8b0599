/**
 * `opsgate apply --due`'s converge of backup jobs: the due hosts (backup-due.ts)
 * converged with every policy, as `opsgate converge backup --hosts …` would,
 * under the same host lock scope, into the same records. Policies with
 * problems converge nowhere (nothing connects). Edge.
 */
import { calendarZone } from '../calendar/zone.ts';
import type { CommandContext } from '../model/command-context.ts';
import type { Diagnostic } from '../model/diagnostic.ts';
import { zoneProblems } from '../rules/calendar-zone.ts';
import { newRunId } from '../remote/recorder.ts';
import { ExitCode } from '../model/errors.ts';
import { sanitizeForLog } from '../render/sanitize.ts';
import type { RepoModel } from '../repo/repo-model.ts';
import { readBackupHistory, selectDueBackup } from './backup-due.ts';
import { runBackupHosts } from './backup-hosts.ts';
import { BACKUP_HOST_TIMEOUT_SECONDS, backupPolicyProblems, secretsFrom } from './backup-run.ts';
import { describeWindowRefusal } from './backup-window.ts';
import { convergeFailed, renderConvergeResult, renderConvergeSummary } from './result.ts';

export interface DueBackupOptions {
  /** The committed tree's model, as apply reads it: the schedule converges what is merged. */
  repo: RepoModel;
  dryRun: boolean;
  identityFile?: string;
  concurrency?: number;
  /** The host lock scope of converge backup (`<repository>/converge-backup`), shared with the command. */
  lockScope: string;
}

/** The hosts the schedule would converge now (for the lease `land lease --if-due` takes). */
export async function dueBackupHosts(root: string, repo: RepoModel, now: Date): Promise<string[]> {
  return selectDue(root, repo, now).then((w) => w.due);
}

async function selectDue(root: string, repo: RepoModel, now: Date) {
  const cal = repo.one('calendar');
  return selectDueBackup({
    hosts: repo.all('host'),
    policies: repo.all('backup-policy').map((d) => d.data),
    timezone: calendarZone(repo),
    calendar: cal?.data,
    calendarFile: cal?.file,
    now,
    spanMs: BACKUP_HOST_TIMEOUT_SECONDS * 1000,
    attempts: await readBackupHistory(root),
  });
}

/** Policy or calendar problems: converge connects nowhere and says why (exit 1, as a finding). */
function refusePolicies(ctx: CommandContext, problems: readonly Diagnostic[]): number {
  for (const d of problems) ctx.stderr.write(sanitizeForLog(`${d.file}:${d.line}:${d.col}  ${d.code}  ${d.message}`) + '\n');
  ctx.stderr.write('opsgate: converge backup refused before connecting to any host; nothing was written\n');
  return ExitCode.findings;
}

export async function runDueBackupConverge(ctx: CommandContext, o: DueBackupOptions): Promise<number> {
  const say = (t: string) => ctx.stdout.write(t.split('\n').map(sanitizeForLog).join('\n'));
  const docs = o.repo.all('backup-policy');
  const hosts = o.repo.all('host');
  const policies = docs.map((d) => d.data);
  // Due times are in the calendar's zone: one it does not give converges nowhere, as a policy problem does (ARCHITECTURE.md, "The calendar's time zone").
  const zoneRefused = zoneProblems(o.repo);
  if (zoneRefused.length) return refusePolicies(ctx, zoneRefused);
  const timezone = calendarZone(o.repo);
  const now = ctx.now();
  const work = await selectDue(ctx.root, o.repo, now);
  let exit: number = ExitCode.clean;
  for (const w of work.waiting) say(`converge backup: ${w.host} waits: ${describeWindowRefusal(w.verdict)}\n`);
  for (const p of work.personDecides) {
    say(`converge backup: ${p.host} skipped: run ${p.run} ended ${p.outcome} for the backup jobs declared now; a person decides: 'opsgate converge backup --hosts ${p.host}' to try again\n`);
    exit = ExitCode.findings;
  }
  if (work.due.length === 0) {
    if (work.waiting.length === 0 && work.personDecides.length === 0) say('converge backup: every host has the backup jobs its policies declare (records/converge/backup/)\n');
    return exit;
  }
  for (const h of work.due) say(`converge backup: ${h} is due: ${work.why[h]}\n`);
  if (o.dryRun) return exit;

  const problems = await backupPolicyProblems(o.repo, docs);
  if (problems.length) return refusePolicies(ctx, problems);
  const due = hosts.filter((h) => work.due.includes(h.id));
  const actor = ctx.env.GITHUB_ACTOR ?? ctx.env.USER ?? 'unknown';
  const { results, record, secrets } = await runBackupHosts({
    root: ctx.root,
    env: ctx.env,
    now: ctx.now,
    repo: o.repo,
    hosts: due,
    policies,
    timezone,
    scope: 'all',
    mode: 'apply',
    secret: secretsFrom(ctx.env),
    refused: new Map(),
    ...(o.identityFile ? { identityFile: o.identityFile } : {}),
    concurrency: o.concurrency ?? 20,
    run: newRunId(now),
    lockScope: o.lockScope,
    owner: `scheduled converge backup by ${actor} (pid ${process.pid})`,
    actor,
  });
  const redact = (t: string) => secrets.reduce((acc, s) => (s.length >= 4 ? acc.split(s).join('***') : acc), t);
  if (record) say(`converge backup: record: ${record}\n`);
  for (const r of results) for (const l of renderConvergeResult(r)) ctx.stdout.write(redact(l) + '\n');
  say(`converge backup: ${renderConvergeSummary(results, 'apply')}\n`);
  return results.some(convergeFailed) ? ExitCode.findings : exit;
}
