import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DateTime } from 'luxon';
import { changesNamedBy, latestApprovals, type DecisionLine } from '../calendar/approvals.ts';
import { changeCalendar } from '../calendar/export-changes.ts';
import type { ExportContext, IcsFile } from '../calendar/export-common.ts';
import { dutyCalendars } from '../calendar/export-duty.ts';
import { maintenanceCalendar } from '../calendar/export-maintenance.ts';
import { renderIcs } from '../calendar/ics.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import { hasErrors } from '../model/diagnostic.ts';
import { readRecordFile } from '../records/writer.ts';
import { readRepo } from '../repo/read-repo.ts';
import { singletonFileOf } from '../rules/singleton-file.ts';
import { renderDiagnosticsText } from '../render/diagnostics-text.ts';
import type { CommandContext } from './context.ts';
import { appendAll, minOf } from '../model/append.ts';

const USAGE = 'usage: opsgate calendar export --ics [--out DIR] [--from YYYY-MM-DD] [--until YYYY-MM-DD]';

async function jsonlFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) appendAll(out, await jsonlFiles(p));
    else if (e.isFile() && e.name.endsWith('.jsonl')) out.push(p);
  }
  return out.sort();
}

/** Gate decisions and which pull request merged each executed change, from records/. Lines after a broken chain are not used. Edge. */
async function readApprovalFacts(root: string): Promise<{ decisions: DecisionLine[]; prOfChange: Map<string, number>; broken: string[] }> {
  const rel = (f: string) => path.relative(root, f).split(path.sep).join('/');
  const decisions: DecisionLine[] = [];
  const prOfChange = new Map<string, number>();
  const broken: string[] = [];
  const verified = async (f: string) => {
    const v = await readRecordFile(f);
    if (!v.ok) broken.push(rel(f));
    const firstBad = v.problems.length ? minOf(v.problems.map((p) => p.line)) : Infinity;
    return v.lines.filter((l) => l.seq < firstBad);
  };
  for (const f of await jsonlFiles(path.join(root, 'records/gate'))) {
    for (const l of await verified(f)) {
      if (l.type !== 'gate.decision') continue;
      decisions.push({
        record: `${rel(f)}:${l.seq}`,
        status: String(l.status),
        at: typeof l.evaluated_at === 'string' ? l.evaluated_at : l.at,
        changes: changesNamedBy(l),
        ...(typeof l.pr === 'number' ? { pr: l.pr } : {}),
        ...(typeof l.summary === 'string' ? { summary: l.summary } : {}),
      });
    }
  }
  for (const f of await jsonlFiles(path.join(root, 'records/changes'))) {
    for (const l of await verified(f)) if (l.type === 'run.planned' && typeof l.change === 'string' && typeof l.pr === 'number') prOfChange.set(l.change, l.pr);
  }
  return { decisions, prOfChange, broken };
}

function dayStart(iso: string, zone: string, flag: string): number {
  const d = DateTime.fromISO(iso, { zone });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso) || !d.isValid) throw new UsageError(`${flag} must be a date as YYYY-MM-DD, not '${iso}'`, USAGE);
  return d.toMillis();
}

/** `opsgate calendar export --ics`: writes the maintenance, change and duty calendars as .ics files. Exit 1 when a gate record does not verify (the calendars are still written). */
export async function exportCommand(ctx: CommandContext, values: { ics?: boolean; out?: string; from?: string; until?: string }): Promise<number> {
  if (!values.ics) throw new UsageError('name the format: --ics (RFC 5545 iCalendar)', USAGE);
  const repo = await readRepo(ctx.root);
  const loadErrors = repo.diagnostics.filter((d) => /^policies\/(calendar|oncall)\.ya?ml$/.test(d.file)); // either spelling lint accepts
  const cal = repo.one('calendar');
  if (!cal || hasErrors(loadErrors)) {
    ctx.stderr.write(renderDiagnosticsText(loadErrors, { colour: false }));
    throw new UsageError(`${singletonFileOf(repo, 'calendar')} is missing or invalid: run opsgate lint`);
  }
  const zone = cal.data.timezone;
  const now = ctx.now();
  const oncallDoc = repo.one('oncall');
  const oncall = oncallDoc?.data;
  const changes = repo.all('change').map((d) => ({ id: d.id, data: d.data }));
  const years = [
    ...(cal.data.holidays ?? []).map((h) => h.date),
    ...(cal.data.makeup_workdays ?? []).map((h) => h.date),
    ...(cal.data.freezes ?? []).flatMap((f) => [f.start, f.end]),
    ...changes.flatMap((c) => [c.data.window.start, c.data.window.end]),
    ...(oncall?.rotations ?? []).map((r) => r.shift.start),
    ...(oncall?.overrides ?? []).map((o) => o.end),
  ].map((s) => Number(s.slice(0, 4)));
  const nowYear = DateTime.fromJSDate(now, { zone }).year;
  const fromMs = values.from ? dayStart(values.from, zone, '--from') : DateTime.fromObject({ year: Math.min(nowYear, ...years) }, { zone }).toMillis();
  const untilMs = values.until
    ? dayStart(values.until, zone, '--until') + 86_400_000
    : Math.max(DateTime.fromObject({ year: Math.max(nowYear, ...years) + 1 }, { zone }).toMillis(), now.getTime() + 180 * 86_400_000);
  if (untilMs <= fromMs) throw new UsageError('--until must be after --from', USAGE);
  const org = repo.one('organisation')?.data;
  const slug = org?.repository_url ? new URL(org.repository_url).pathname.replace(/^\/|\.git$/g, '').replace(/[^A-Za-z0-9-]+/g, '.') : (org?.id ?? 'local');
  const ex: ExportContext = { zone, fromMs, toMs: untilMs, uidDomain: `${slug}.opsgate`, now };

  const facts = await readApprovalFacts(ctx.root);
  const names = new Map(repo.all('person').map((p) => [p.id, p.data.name]));
  const files: IcsFile[] = [maintenanceCalendar(ex, cal.data, cal.file), changeCalendar(ex, changes, latestApprovals(facts.decisions, facts.prOfChange))];
  if (oncallDoc) appendAll(files, dutyCalendars(ex, oncallDoc.data, oncallDoc.file, names));

  const out = path.resolve(ctx.root, values.out ?? 'calendars');
  await mkdir(out, { recursive: true });
  for (const f of files) {
    const target = path.join(out, f.name);
    const tmp = `${target}.tmp-${process.pid}`;
    await writeFile(tmp, renderIcs(f.content));
    await rename(tmp, target);
    const events = (f.content.components ?? []).filter((c) => c.type === 'VEVENT').length;
    ctx.stdout.write(`wrote ${path.relative(ctx.root, target) || target}  ${events} event(s)\n`);
  }
  for (const b of facts.broken) ctx.stderr.write(`opsgate: ${b} does not verify (opsgate records verify): decisions after the break are not used\n`);
  return facts.broken.length ? ExitCode.findings : ExitCode.clean;
}
