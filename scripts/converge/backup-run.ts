/**
 * converge backup: refuses what restic cannot honour or what would not parse
 * (located, before anything connects; calendar expressions also through the
 * controller's `systemd-analyze calendar` when it has one), renders each
 * host's jobs, runs the all-or-nothing script as root under the host lock and
 * the step runner (backup-script.ts), and reports per host in the shape every
 * converge capability shares; --check adds inspection rows. Edge.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import type { BackupPolicyDocument } from '../model/documents.generated.ts';
import type { InspectionRow } from '../inspect/model.ts';
import { renderRootScript } from '../remote/commands.ts';
import type { RepoModel } from '../repo/repo-model.ts';
import type { Fleet } from '../ssh/fleet.ts';
import type { ConnectOptions, SshTarget } from '../ssh/types.ts';
import { planBackupHost, planInitWaves, recordedPolicy, secretNamesFor, type PlanHostInput } from './backup-plan.ts';
import type { RenderedPolicy } from './backup-render.ts';
import { describeApplied, describeFailures, isBackupFailure, parseBackupOutput, policyFindings, staleFiles } from './backup-report.ts';
import { backupRows, staleRow } from './backup-rows.ts';
import { renderBackupScript, type BackupMode } from './backup-script.ts';
import { parsedSchedules, validateBackupPolicy } from './backup-validate.ts';
import { toOnCalendar } from './backup-schedule.ts';
import type { ConvergeHostResult } from './result.ts';
import type { ConvergeHooks } from './run-access.ts';
import { calendarZone } from '../calendar/zone.ts';
import { zoneProblems } from '../rules/calendar-zone.ts';
import { runHostScript } from './run-on-host.ts';

const run = promisify(execFile);

type PolicyDoc = { file: string; data: BackupPolicyDocument; locate: (pointer: string) => { line: number; col: number } };

/** Located problems of the policies in scope (schema problems of their files included); none means converge may connect. */
export async function backupPolicyProblems(repo: RepoModel, policies: readonly PolicyDoc[], o: { localCalendarCheck?: boolean } = {}): Promise<Diagnostic[]> {
  const out: Diagnostic[] = repo.diagnostics.filter((d) => d.severity === 'error' && /^(policies\/backup\/|inventory\/)/.test(d.file));
  // Schedules run in the calendar's zone: one it does not give converges nowhere (ARCHITECTURE.md, "The calendar's time zone").
  out.push(...zoneProblems(repo));
  for (const p of policies) {
    for (const x of validateBackupPolicy(p.data)) {
      if (x.severity === 'warning') continue;
      out.push(diagnostic(x.code, { file: p.file, ...p.locate(x.pointer) }, x.message, { pointer: x.pointer, hint: x.hint }));
    }
  }
  if (out.length === 0 && o.localCalendarCheck !== false) {
    const zone = calendarZone(repo);
    for (const p of policies) {
      for (const s of parsedSchedules(p.data)) {
        const bad = await rejectedCalendars(toOnCalendar(s.spec, zone));
        for (const b of bad)
          out.push(
            diagnostic(
              'backup.schedule-invalid',
              { file: p.file, ...p.locate(`/schedule/${s.kind}`) },
              `${s.kind} schedule '${s.spec.text}' becomes '${b.expr}', which systemd-analyze calendar rejects: ${b.message}`,
              { pointer: `/schedule/${s.kind}`, hint: 'simplify the cron expression' },
            ),
          );
      }
    }
  }
  return out;
}

/** Expressions the controller's systemd-analyze rejects (none when it has no systemd-analyze). */
async function rejectedCalendars(exprs: readonly string[]): Promise<Array<{ expr: string; message: string }>> {
  const bad: Array<{ expr: string; message: string }> = [];
  for (const expr of exprs) {
    try {
      await run('systemd-analyze', ['calendar', expr], { timeout: 10_000 });
    } catch (e) {
      const err = e as { code?: unknown; stderr?: string; message: string };
      if (err.code === 'ENOENT') return [];
      bad.push({ expr, message: (err.stderr ?? err.message).trim().split('\n')[0] ?? 'rejected' });
    }
  }
  return bad;
}

/** Runner secrets: the environment, then OPSGATE_SECRETS_JSON (local runs). */
export function secretsFrom(env: NodeJS.ProcessEnv): (name: string) => string | undefined {
  let json: Record<string, unknown> = {};
  try {
    const v = JSON.parse(env.OPSGATE_SECRETS_JSON ?? '{}') as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) json = v as Record<string, unknown>;
  } catch {
    /* not JSON: ignored, like apply */
  }
  return (name) => {
    const v = env[name] ?? json[name];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
}

/** Every secret value the policies in scope use on these hosts (for redaction). */
export function secretValues(hosts: readonly PlanHostInput[], policies: readonly BackupPolicyDocument[], secret: (name: string) => string | undefined): string[] {
  const names = new Set(hosts.flatMap((h) => policies.flatMap((p) => secretNamesFor(p, h))));
  return [...names].map(secret).filter((v): v is string => Boolean(v));
}

/** How long the host script may run (the span a maintenance window must still hold). */
export const BACKUP_HOST_TIMEOUT_SECONDS = 300;

export interface BackupRunOptions {
  hosts: readonly PlanHostInput[];
  policies: readonly BackupPolicyDocument[];
  timezone: string;
  /** 'all' when no --policies: every opsgate-backup file not declared is removed. */
  scope: 'all' | readonly string[];
  targets: readonly SshTarget[];
  fleet: Fleet;
  connect: ConnectOptions;
  mode: BackupMode;
  secret: (name: string) => string | undefined;
  owner: string;
  lockScope: string;
  run: string;
  hooks?: ConvergeHooks;
  timeoutSeconds?: number;
}

export interface BackupHostResult extends ConvergeHostResult {
  rows?: InspectionRow[];
}

const sha = (t: string) => createHash('sha256').update(t).digest('hex');

export async function convergeBackup(o: BackupRunOptions): Promise<BackupHostResult[]> {
  const byHost = new Map<string, BackupHostResult>();
  // Apply only: --check never creates a repository.
  for (const wave of o.mode === 'apply' ? planInitWaves(o.hosts, o.policies) : [o.hosts]) {
    for (const r of await Promise.all(wave.map((h) => convergeBackupHost(o, h)))) byHost.set(r.host, r);
  }
  return o.hosts.map((h) => byHost.get(h.id)!);
}

async function convergeBackupHost(o: BackupRunOptions, h: PlanHostInput): Promise<BackupHostResult> {
  {
    const rendered = planBackupHost(h, o.policies, o.timezone, o.secret);
    const base = { host: h.id, target: 'backup' as const, changes: [] as string[], attention: [] as string[], detail: { policies: rendered.map(recordedPolicy) } as Record<string, unknown> };
    const missing = [...new Set(rendered.flatMap((r) => r.missingSecrets))];
    if (o.mode === 'apply' && missing.length) return { ...base, outcome: 'failed', error: `the runner's environment has no ${missing.join(', ')}: nothing was installed` };
    const script = renderBackupScript(rendered, { mode: o.mode, scope: o.scope });
    // The script carries secrets: its record hash is of the same script with every secret replaced.
    const redacted = renderBackupScript(
      planBackupHost(h, o.policies, o.timezone, () => '***'),
      { mode: o.mode, scope: o.scope },
    );
    await o.hooks?.before?.(h.id, { command: renderRootScript().command, mode: o.mode, script_sha256: sha(redacted), policies: rendered.map(recordedPolicy), scope: o.scope });
    const target = o.targets.find((t) => t.id === h.id)!;
    const r = await runHostScript({
      fleet: o.fleet,
      target,
      connect: o.connect,
      scope: o.lockScope,
      run: o.run,
      owner: o.owner,
      script,
      apply: o.mode === 'apply',
      confirmSeconds: 60,
      timeoutSeconds: o.timeoutSeconds ?? BACKUP_HOST_TIMEOUT_SECONDS,
    });
    let result: BackupHostResult;
    if ('error' in r) result = { ...base, outcome: r.unreachable ? 'unreachable' : 'failed', error: r.error };
    else result = judge(h.id, base, rendered, parseBackupOutput(r.stdout), r, o.mode, missing);
    await o.hooks?.after?.(h.id, result);
    return result;
  }
}

function judge(
  host: string,
  base: Omit<BackupHostResult, 'outcome'>,
  rendered: readonly RenderedPolicy[],
  lines: ReturnType<typeof parseBackupOutput>,
  r: { code: number | null; state?: string; stderr: string },
  mode: BackupMode,
  missing: readonly string[],
): BackupHostResult {
  const init = lines.find((l) => l.type === 'init');
  const daemon = lines.find((l) => l.type === 'cron-daemon');
  const findings = rendered.map((p) => policyFindings(lines, p, missingEnvNames(p, missing)));
  const stale = staleFiles(lines);
  const failures = describeFailures(lines, rendered);
  const failed = lines.some(isBackupFailure) || (r.code !== 0 && r.code !== null) || (r.state !== undefined && r.state !== 'ended');
  const detail = { ...base.detail, init: init?.type === 'init' ? init.init : undefined, ...(daemon?.type === 'cron-daemon' ? { cron_daemon: daemon.name } : {}), findings, stale, exit_code: r.code };
  const why = failed && failures.length === 0 ? `exit ${r.code}${r.state && r.state !== 'ended' ? ` (${r.state})` : ''}: ${r.stderr.trim().slice(0, 300)}` : undefined;
  const attention: string[] = [];
  if (daemon?.type === 'cron-daemon' && daemon.name === 'none' && rendered.length)
    attention.push('systemd is not PID 1 and no cron daemon (cron, crond, busybox) was found: the cron entries are installed, but nothing runs them');
  if (missing.length) attention.push(`not compared: the runner's environment has no ${missing.join(', ')}`);
  if (mode === 'check') {
    const changes = [
      ...findings.flatMap((f) => f.drift.map((d) => `${f.policy}: ${d.what}`)),
      ...stale.map((s) => `${s}: no policy declares it here any more`),
      ...failures.filter((x) => x !== 'nothing was installed'),
    ];
    const rows = [...findings.flatMap((f) => backupRows(host, f)), staleRow(host, stale)];
    const drift = rows.some((x) => x.status === 'fail' && !x.check.endsWith('.last-run'));
    const lastFailed = rows.some((x) => x.status === 'fail' && x.check.endsWith('.last-run'));
    const outcome = r.code === null && !r.state ? 'unreachable' : failed && !lines.some((l) => l.type === 'repo') ? 'failed' : drift || lastFailed || failures.length ? 'drift' : 'succeeded';
    return {
      ...base,
      outcome,
      changes: [...changes, ...findings.flatMap((f) => (f.lastRun?.state === 'failed' ? [`${f.policy}: the last ${f.lastRun.kind} run failed (exit ${f.lastRun.rc}) at ${f.lastRun.time}`] : []))],
      attention,
      rows,
      detail: { ...detail, rows },
      ...(why ? { error: why } : {}),
    };
  }
  const changes = failed ? [] : describeApplied(lines);
  const outcome = r.code === null && !r.state ? 'unreachable' : failed ? 'failed' : 'succeeded';
  return { ...base, outcome, changes: failed ? failures : changes, attention, detail, ...(failed ? { error: why ?? 'nothing was installed' } : {}) };
}

/** Environment variables of a policy whose secret the runner lacks (their lines are not compared). */
function missingEnvNames(p: RenderedPolicy, missing: readonly string[]): string[] {
  return missing.length ? p.envNames.filter((n) => !['RESTIC_REPOSITORY', 'RESTIC_PASSWORD_FILE', 'RESTIC_CACHE_DIR'].includes(n)) : [];
}
