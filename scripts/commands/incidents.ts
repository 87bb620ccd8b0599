import { ExitCode, UsageError } from '../model/errors.ts';
import { readWatchRepo } from '../notify/load.ts';
import { sanitizeForLog } from '../render/sanitize.ts';
import { renderDiagnosticsText } from '../render/diagnostics-text.ts';
import { runWatch, type WatchOutcome } from '../notify/watch.ts';
import { parseTime } from '../incident/edit.ts';
import { singletonFileOf } from '../rules/singleton-file.ts';
import type { CommandContext } from './context.ts';
import { is, parseSubcommand, type GroupSpec } from './args.ts';
import { calendarZone, declaredZone } from '../calendar/zone.ts';

const USAGE = 'usage: opsgate incidents watch [--dry-run] [--at TIME] [--format text|json] [--retry-channel ID]...';

/** `opsgate incidents watch`. */
export const ARGS = {
  command: 'incidents',
  subcommands: {
    watch: {
      summary: 'notify every duty that is due or overdue, once',
      usage: USAGE,
      about: 'Notifies every duty of the open incidents that is due or overdue, once, through the channels of\npolicies/sla.yaml (or .yml); hash-chained records under records/notifications/.',
      footer: 'exit codes: 0 done, 1 a notification failed or a channel is disabled, 2 usage or broken records, 3 internal error',
      options: {
        'dry-run': { type: 'boolean', help: 'print what would be sent, send nothing' },
        at: { type: 'string', value: 'TIME', help: 'the time to watch at (ISO 8601 or HH:MM; default: now)', check: is.time },
        format: { type: 'string', value: 'F', help: 'text (default) or json', check: is.oneOf(['text', 'json']) },
        'retry-channel': { type: 'string', multiple: true, value: 'ID', help: 'send again on a channel held as disabled, after fixing it (repeatable)', check: is.name('a channel id') },
      },
    },
  },
} as const satisfies GroupSpec;

/** `opsgate incidents watch`: notify every duty that is due or overdue, once. */
export async function incidentsCommand(ctx: CommandContext): Promise<number> {
  const { values: parsed } = parseSubcommand(ctx.argv, ARGS);
  const values = { ...parsed, format: parsed.format ?? 'text', 'dry-run': parsed['dry-run'] === true };
  const repo = await readWatchRepo(ctx.root);
  const zone = calendarZone(repo);
  // Watching goes on (a duty missed is worse than a time in UTC), but not silently (ARCHITECTURE.md, "The calendar's time zone").
  const declared = declaredZone(repo.one('calendar')?.data);
  if (declared !== zone) ctx.stderr.write(`opsgate: ${singletonFileOf(repo, 'calendar')}: timezone '${sanitizeForLog(declared)}' is not an IANA time zone; times are read and written in ${zone}\n`);
  const at = values.at ? parseTime(values.at, zone) : undefined;
  const clockStart = Date.now();
  const now = at === undefined ? () => ctx.now().getTime() : () => at + (Date.now() - clockStart);
  const broken = repo.diagnostics.filter((d) => d.severity === 'error' && (d.file.startsWith('incidents/') || d.file.startsWith('policies/')));
  if (broken.length) ctx.stderr.write(`opsgate: these documents did not load and are not watched:\n${renderDiagnosticsText(broken, { colour: false, documents: repo.documents.length })}`);
  const slaFile = singletonFileOf(repo, 'sla');
  if (!repo.one('sla')?.data.notify) {
    ctx.stdout.write(`no notify channels in ${slaFile}: nothing to do\n`);
    return ExitCode.clean;
  }
  const retryChannels = values['retry-channel'] ?? [];
  const unknown = retryChannels.filter((id) => !repo.one('sla')!.data.notify!.channels.some((c) => c.id === id));
  if (unknown.length) throw new UsageError(`--retry-channel: no channel ${unknown.join(', ')} in ${slaFile} notify.channels`, USAGE);
  const outcome = await runWatch({ root: ctx.root, repo, now, env: ctx.env, dryRun: values['dry-run'], retryChannels });
  if (outcome.brokenRecords.length) {
    for (const p of outcome.brokenRecords) ctx.stderr.write(`${p.path}:${p.line}  record.broken  ${p.message}\n`);
    ctx.stderr.write('opsgate: refusing to notify: without an intact record a duty could be notified twice (run `opsgate records verify`)\n');
    return ExitCode.unusable;
  }
  if (values.format === 'json') ctx.stdout.write(JSON.stringify(renderJson(outcome), null, 2) + '\n');
  else ctx.stdout.write(renderText(outcome, values['dry-run'], slaFile));
  // A disabled channel is a finding on every run until someone fixes it: the duties routed to it reach nobody there.
  return outcome.results.some((r) => r.outcome === 'failed') || outcome.disabled.length || broken.length ? ExitCode.findings : ExitCode.clean;
}

function renderJson(o: WatchOutcome) {
  return {
    planned: o.planned.length,
    /** Due on a disabled channel: not sent. A run with the secrets may find the channel changed, so the workflow counts these too. */
    held: o.results.filter((r) => r.outcome === 'held').length,
    results: o.results.map((r) => ({ key: r.n.key, channel: r.n.channel, outcome: r.outcome, detail: r.detail, recipients: r.n.recipients, attempts: r.result?.attempts.length ?? 0 })),
    in_doubt: o.inDoubt,
    disabled: o.disabled.map((d) => ({ channel: d.channel, type: d.type, since: d.block.at, code: d.block.code, message: d.block.message, key: d.block.key })),
  };
}

/** `slaFile`: the SLA policy as the repository spells it, where a disabled channel's entry is. */
function renderText(o: WatchOutcome, dryRun: boolean, slaFile: string): string {
  const lines: string[] = [];
  for (const r of o.results) {
    const what = r.outcome === 'held' ? 'held' : dryRun ? 'would send' : r.outcome;
    lines.push(`${what.padEnd(10)} ${r.n.incident}  ${r.n.duty} ${r.n.stage}  → ${r.n.channel} (${r.n.recipients.join(', ') || 'channel'})${dryRun ? '' : `  ${sanitizeForLog(r.detail)}`}`);
  }
  for (const k of o.inDoubt) lines.push(`in doubt   ${k}: a send started and never finished; not repeated (check the channel; the record keeps it)`);
  for (const d of o.disabled) {
    lines.push(`disabled   ${d.channel} (${d.type}) since ${d.block.at}: ${sanitizeForLog(`${d.block.code}: ${d.block.message}`)}`);
    lines.push(`           nothing is sent to it until its entry in ${slaFile} or its secrets change; after fixing the robot itself, run with --retry-channel ${d.channel}`);
  }
  const sent = o.results.filter((r) => r.outcome === 'sent').length;
  const failed = o.results.filter((r) => r.outcome === 'failed').length;
  const held = o.results.filter((r) => r.outcome === 'held').length;
  const heldText = held ? `, ${held} held on disabled channel(s)` : '';
  lines.push(dryRun ? `${o.planned.length} notification(s) would be sent${heldText}` : `${sent} sent, ${failed} failed, ${o.results.length - sent - failed - held} skipped${heldText}`);
  return lines.join('\n') + '\n';
}
