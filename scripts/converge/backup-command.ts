/**
 * `opsgate converge backup`: the wiring (flags, selection, refusals before
 * connecting, --dry-run, output formats, the record). Edge; the converge
 * command hands its `backup` target here.
 */
import { calendarZone } from '../calendar/zone.ts';
import type { CommandContext } from '../model/command-context.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import type { InspectionRow } from '../inspect/model.ts';
import { renderGithub } from '../inspect/render.ts';
import { summarize } from '../inspect/results.ts';
import { sanitizeForLog } from '../render/sanitize.ts';
import { readRepo } from '../repo/read-repo.ts';
import { planBackupHost, secretNamesFor } from './backup-plan.ts';
import { BACKUP_HOST_TIMEOUT_SECONDS, backupPolicyProblems, secretsFrom } from './backup-run.ts';
import { runBackupHosts } from './backup-hosts.ts';
import { backupWindowVerdict, describeWindowRefusal } from './backup-window.ts';
import { convergeFailed, renderConvergeResult, renderConvergeSummary } from './result.ts';

export interface BackupCommandOptions {
  flags: Record<string, string | boolean>;
  usage: string;
  run: string;
  lockScope: string;
  owner: string;
  actor: string;
}

const list = (v: unknown) =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

export async function runConvergeBackup(ctx: CommandContext, o: BackupCommandOptions): Promise<number> {
  const { flags } = o;
  const format = typeof flags.format === 'string' ? flags.format : 'text';
  if (!['text', 'json', 'github'].includes(format)) throw new UsageError(`--format must be text, json or github, not '${format}'`, o.usage);
  const mode = flags.check === true ? 'check' : 'apply';
  if (format !== 'text' && mode !== 'check') throw new UsageError('--format json|github is for --check (the findings as inspection rows)', o.usage);
  const repo = await readRepo(ctx.root);
  const all = repo.all('backup-policy');
  const wanted = list(flags.policies);
  for (const id of wanted ?? [])
    if (!all.some((p) => p.id === id)) throw new UsageError(`no backup policy '${id}' in policies/backup/ (there are: ${all.map((p) => p.id).join(', ') || 'none'})`, o.usage);
  const docs = wanted ? all.filter((p) => wanted.includes(p.id)) : all;
  const hostsSel = list(flags.hosts);
  const groupsSel = list(flags.groups);
  for (const id of hostsSel ?? []) if (!repo.get('host', id)) throw new UsageError(`no host '${id}' in inventory/hosts/`, o.usage);
  const hosts = hostsSel || groupsSel ? repo.resolveTargets({ ...(hostsSel ? { hosts: hostsSel } : {}), ...(groupsSel ? { groups: groupsSel } : {}) }) : repo.all('host');
  if (hosts.length === 0) throw new UsageError('no host matches', o.usage);

  const problems = await backupPolicyProblems(repo, docs);
  if (problems.length) {
    for (const d of problems) ctx.stderr.write(sanitizeForLog(`${d.file}:${d.line}:${d.col}  ${d.code}  ${d.message}`) + '\n' + (d.hint ? `  hint: ${sanitizeForLog(d.hint)}\n` : ''));
    ctx.stderr.write('opsgate: converge backup refused before connecting to any host; nothing was written\n');
    return ExitCode.unusable;
  }
  const policies = docs.map((d) => d.data);
  const timezone = calendarZone(repo); // an IANA zone: backupPolicyProblems refused a calendar that gives none
  const secret = secretsFrom(ctx.env);
  const inScope = hosts.filter((h) => policies.some((p) => planBackupHost(h, [p], timezone, () => 'x').length > 0));
  if (mode === 'apply') {
    const missing = [...new Set(inScope.flatMap((h) => policies.flatMap((p) => (planBackupHost(h, [p], timezone, () => 'x').length ? secretNamesFor(p, h) : []))).filter((n) => !secret(n)))];
    if (missing.length) {
      ctx.stderr.write(`opsgate: the runner's environment has no ${missing.join(', ')} (the repository password or backend credentials the policies name); nothing was written\n`);
      return ExitCode.unusable;
    }
  }

  // converge.maintenance_window: a host is changed only inside one of its windows (--check changes nothing, so it always runs).
  const calendar = repo.one('calendar');
  const now = ctx.now();
  const refusal = (h: (typeof hosts)[number]) => {
    const v = backupWindowVerdict({ calendar: calendar?.data, calendarFile: calendar?.file, host: h, policies, now, spanMs: BACKUP_HOST_TIMEOUT_SECONDS * 1000 });
    return v.ok ? undefined : v;
  };

  if (flags['dry-run']) {
    for (const h of hosts) {
      const rendered = planBackupHost(h, policies, timezone, (n) => (secret(n) ? '***' : undefined));
      const refused = refusal(h);
      ctx.stdout.write(
        `${h.id}:${rendered.length ? '' : ' no backup policy applies (any opsgate-backup job found there is removed)'}${refused ? ` ${refused.code}: ${sanitizeForLog(describeWindowRefusal(refused))}` : ''}\n`,
      );
      for (const p of rendered) {
        ctx.stdout.write(
          `  ${p.policy}: repository ${sanitizeForLog(p.repository)}${p.init ? ' (created if missing)' : ''}; ${p.schedules.map((s) => `${s.kind} "${s.cron}" → ${s.onCalendar.join(' + ')}`).join('; ')}\n`,
        );
        for (const f of [...p.common, ...p.systemd, ...p.cron]) {
          const where = f.role === 'service' || f.role === 'timer' ? ' (systemd hosts)' : f.role === 'cron' ? ' (hosts without systemd as PID 1)' : '';
          ctx.stdout.write(
            `    ${f.path} ${f.mode.padStart(4, '0')} root${where}${f.secret ? `: secret (${f.role === 'env' ? `variables ${p.envNames.join(', ')}` : 'the repository password'})` : ':'}\n`,
          );
          if (!f.secret) for (const l of f.content.split('\n').filter(Boolean)) ctx.stdout.write(`      ${sanitizeForLog(l)}\n`);
        }
        if (p.missingSecrets.length) ctx.stdout.write(`    problem: the runner's environment has no ${p.missingSecrets.join(', ')}\n`);
      }
    }
    return ExitCode.clean;
  }

  const refused = new Map(
    mode === 'apply'
      ? hosts.flatMap((h) => {
          const v = refusal(h);
          return v ? [[h.id, v] as const] : [];
        })
      : [],
  );
  const { results, record, secrets } = await runBackupHosts({
    root: ctx.root,
    env: ctx.env,
    now: ctx.now,
    repo,
    hosts,
    policies,
    timezone,
    scope: wanted ?? 'all',
    mode,
    secret,
    refused,
    ...(typeof flags.identity === 'string' ? { identityFile: flags.identity } : {}),
    concurrency: Number(flags.concurrency ?? 20),
    run: o.run,
    lockScope: o.lockScope,
    owner: o.owner,
    actor: o.actor,
  });

  const redact = (t: string) => secrets.reduce((acc, s) => (s.length >= 4 ? acc.split(s).join('***') : acc), t);
  if (mode === 'check' && format !== 'text') {
    const rows: InspectionRow[] = results.flatMap((r) => r.rows ?? []);
    const unreachable = results.filter((r) => r.outcome === 'unreachable' || (r.outcome === 'failed' && !r.rows)).length;
    const summary = summarize(rows, unreachable, results.length);
    const at = ctx.now().toISOString();
    if (format === 'json')
      ctx.stdout.write(
        redact(
          JSON.stringify(
            { run_id: o.run, at, mode, summary, hosts: results.map((r) => ({ host: r.host, outcome: r.outcome, error: r.error ?? null, attention: r.attention })), results: rows },
            null,
            2,
          ),
        ) + '\n',
      );
    else {
      const g = renderGithub({
        runId: o.run,
        at,
        hosts: results.map((r) => ({
          host: r.host,
          reachable: r.outcome !== 'unreachable',
          ...(r.error ? { error: { phase: 'converge', message: r.error } } : {}),
          durationMs: 0,
          rows: r.rows ?? [],
        })),
        rows,
        summary,
        previousRun: null,
      });
      ctx.stdout.write(redact(g.annotations));
      if (ctx.env.GITHUB_STEP_SUMMARY) await import('node:fs/promises').then((f) => f.appendFile(ctx.env.GITHUB_STEP_SUMMARY!, redact(g.summary)));
    }
    return results.some(convergeFailed) ? ExitCode.findings : ExitCode.clean;
  }
  if (record) ctx.stdout.write(`record: ${record}\n`);
  for (const r of results) {
    // A host held to its maintenance window: nothing ran there; the refusal names the next window.
    const lines = r.outcome === 'not_started' ? [`${sanitizeForLog(r.host)}: ${sanitizeForLog(r.error ?? 'not started')}`] : renderConvergeResult(r);
    for (const l of lines) ctx.stdout.write(redact(l) + '\n');
  }
  const held = results.filter((r) => r.outcome === 'not_started').length;
  const summary = renderConvergeSummary(results, mode) + (held ? `, ${held} not started (outside the maintenance window their policies require)` : '');
  const unchanged = mode === 'apply' && results.length > 0 && results.every((r) => r.outcome === 'succeeded' && r.changes.length === 0);
  ctx.stdout.write(`${summary}${unchanged ? '; nothing changed: every host was already in line' : ''}\n`);
  return results.some(convergeFailed) ? ExitCode.findings : ExitCode.clean;
}
