import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import { parseDocumentText } from '../repo/parse-document.ts';
import { readRepo, readSchemas } from '../repo/read-repo.ts';
import { createSchemaValidator } from '../repo/validate-schema.ts';
import { renderDiagnosticsText } from '../render/diagnostics-text.ts';
import { parseAlertPayload, payloadLocator } from '../incident/alertmanager.ts';
import { ackIncident, analyseIncident, CHANNELS, escalateIncident, notifyIncident, NOTIFY_DUTIES, parseTime, resolveIncident, ROLES, type Channel } from '../incident/edit.ts';
import { planAlertIncidents } from '../incident/from-alert.ts';
import { isoLocal } from '../incident/time.ts';
import type { CommandContext } from './context.ts';
import { parseCommandArgs } from './args.ts';

const USAGE = `usage: opsgate incident open --from-alertmanager FILE [--at TIME] [--format text|json] [--dry-run]
       opsgate incident ack|analyse INC-… --by PERSON [--at TIME] [--note TEXT]
       opsgate incident escalate INC-… --role supervisor|leadership|technical|vendor --to ID[,ID] --channel phone|in_person|dingtalk|… --by PERSON [--at TIME] [--ticket T] [--note TEXT]
       opsgate incident notify INC-… --duty update|feedback|… --to ID[,ID] --channel dingtalk|phone|… --by PERSON [--at TIME] [--note TEXT]
       opsgate incident resolve INC-… --by PERSON [--at TIME] [--root-cause TEXT] [--resolution TEXT] [--verified-by PERSON] [--note TEXT]`;

const OPTIONS = {
  'from-alertmanager': { type: 'string' },
  format: { type: 'string', default: 'text' },
  'dry-run': { type: 'boolean', default: false },
  by: { type: 'string' },
  at: { type: 'string' },
  note: { type: 'string' },
  role: { type: 'string' },
  to: { type: 'string' },
  channel: { type: 'string' },
  duty: { type: 'string' },
  ticket: { type: 'string' },
  'root-cause': { type: 'string' },
  resolution: { type: 'string' },
  'verified-by': { type: 'string' },
} as const;

/** `opsgate incident open|ack|escalate|notify|resolve`: quick, in-place edits during an incident. */
export async function incidentCommand(ctx: CommandContext): Promise<number> {
  const parsed = parseCommandArgs(ctx.argv, { usage: USAGE, options: OPTIONS, positionals: { max: 2, name: 'a subcommand' } });
  const { values: v, positionals } = parsed;
  const [action, id, ...extra] = positionals;
  if (action === 'open') return openFromAlert(ctx, v);
  if (!action || !['ack', 'analyse', 'escalate', 'notify', 'resolve'].includes(action)) throw new UsageError(`expected open, ack, analyse, escalate, notify or resolve, got '${action ?? ''}'`, USAGE);
  if (!id || !/^INC-\d{4}-\d{4}$/.test(id) || extra.length) throw new UsageError('name one incident: INC-YYYY-NNNN', USAGE);
  if (!v.by) throw new UsageError('--by PERSON is required (who did it)', USAGE);
  const zone = await timezoneOf(ctx.root);
  const at = v.at ? parseTime(v.at, zone, ctx.now().getTime()) : ctx.now().getTime();
  const file = `incidents/${id.slice(4, 8)}/${id}.yaml`;
  const abs = path.join(ctx.root, file);
  const text = await readFile(abs, 'utf8').catch(() => {
    throw new UsageError(`${file}: no such incident`);
  });
  const validate = await validator(ctx.root);
  const before = parseDocumentText(text, file, validate);
  if (!before.doc) return refuse(ctx, before.diagnostics, `${file} is not a valid incident now; fix it first`);
  const people = [v.by, ...(action === 'resolve' && v['verified-by'] ? [v['verified-by']] : [])];
  for (const p of people) if (!existsSync(path.join(ctx.root, 'policies/access/people', `${p}.yaml`))) throw new UsageError(`no person '${p}' in policies/access/people/`);
  const base = { by: v.by, at, zone, ...(v.note ? { note: v.note } : {}) };
  const list = (s: string | undefined) =>
    (s ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  const channel = (): Channel => {
    if (!v.channel || !CHANNELS.includes(v.channel as Channel)) throw new UsageError(`--channel must be one of ${CHANNELS.join(', ')}`, USAGE);
    return v.channel as Channel;
  };
  let next: string;
  let what: string;
  if (action === 'ack') {
    next = ackIncident(text, base);
    what = 'acknowledged';
  } else if (action === 'analyse') {
    next = analyseIncident(text, base);
    what = 'cause analysed';
  } else if (action === 'escalate') {
    if (!v.role || !(ROLES as readonly string[]).includes(v.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`, USAGE);
    next = escalateIncident(text, { ...base, role: v.role as (typeof ROLES)[number], to: list(v.to), channel: channel(), ...(v.ticket ? { ticket: v.ticket } : {}) });
    what = v.role === 'vendor' ? `vendor ${list(v.to).join(', ')} called` : `escalated (${v.role}) to ${list(v.to).join(', ')}`;
  } else if (action === 'notify') {
    if (!v.duty || !(NOTIFY_DUTIES as readonly string[]).includes(v.duty)) throw new UsageError(`--duty must be one of ${NOTIFY_DUTIES.join(', ')}`, USAGE);
    next = notifyIncident(text, { ...base, duty: v.duty as (typeof NOTIFY_DUTIES)[number], to: list(v.to), channel: channel() });
    what = `${v.duty} notification to ${list(v.to).join(', ')} recorded`;
  } else {
    next = resolveIncident(text, {
      ...base,
      ...(v['root-cause'] ? { rootCause: v['root-cause'] } : {}),
      ...(v.resolution ? { resolution: v.resolution } : {}),
      ...(v['verified-by'] ? { verifiedBy: v['verified-by'] } : {}),
    });
    what = 'resolved';
  }
  const after = parseDocumentText(next, file, validate);
  if (!after.doc) return refuse(ctx, after.diagnostics, 'the edit would make the incident invalid; nothing was written');
  await writeAtomic(abs, next);
  ctx.stdout.write(`${file}: ${what} at ${isoLocal(at, zone)} by ${v.by}\n`);
  return ExitCode.clean;
}

async function openFromAlert(ctx: CommandContext, v: { 'from-alertmanager'?: string; format?: string; 'dry-run'?: boolean; at?: string }): Promise<number> {
  const src = v['from-alertmanager'];
  if (!src) throw new UsageError('--from-alertmanager FILE is required', USAGE);
  if (v.format !== 'text' && v.format !== 'json') throw new UsageError(`--format must be text or json, not '${v.format}'`, USAGE);
  const abs = path.resolve(ctx.root, src);
  const shown = path.relative(ctx.root, abs).startsWith('..') ? abs : path.relative(ctx.root, abs);
  const text = await readFile(abs, 'utf8').catch(() => {
    throw new UsageError(`${src}: cannot read the payload file`);
  });
  const parsed = parseAlertPayload(text, shown);
  if (!parsed.payload) return refuse(ctx, parsed.diagnostics, 'the alert payload is unusable; no incident was opened or updated');
  const repo = await readRepo(ctx.root);
  const sla = repo.one('sla')?.data;
  if (!sla) throw new UsageError('policies/sla.yaml is missing or invalid (run opsgate lint)');
  const zone = repo.one('calendar')?.data.timezone ?? 'Asia/Shanghai';
  const incidents = await Promise.all(repo.all('incident').map(async (i) => ({ id: i.id, file: i.file, data: i.data, text: await readFile(path.join(ctx.root, i.file), 'utf8') })));
  const taken = [...repo.files].map((f) => /INC-\d{4}-\d{4}/.exec(f)?.[0]).filter((x): x is string => !!x);
  const received = v.at ? parseTime(v.at, zone, ctx.now().getTime()) : ctx.now().getTime();
  const plan = planAlertIncidents({
    payload: parsed.payload,
    sla,
    ...(repo.one('oncall') ? { oncall: repo.one('oncall')!.data } : {}),
    hosts: repo.all('host'),
    incidents,
    takenIds: taken,
    now: received,
    zone,
  });
  if (plan.problems.length) {
    const locate = payloadLocator(text);
    const located = plan.problems.map((p) => diagnostic(p.code, { file: shown, ...locate(p.pointer) }, p.message, { pointer: p.pointer, hint: p.hint }));
    return refuse(ctx, located, 'no incident was opened or updated');
  }
  const validate = await validator(ctx.root);
  for (const w of [...plan.opened, ...plan.updated]) {
    const check = parseDocumentText(w.text, w.file, validate);
    if (!check.doc) throw new Error(`the ${w.id} document opsgate wrote does not validate: ${check.diagnostics.map((d) => `${d.code} ${d.pointer ?? ''} ${d.message}`).join('; ')}`);
  }
  if (!v['dry-run']) {
    for (const o of plan.opened) {
      await mkdir(path.dirname(path.join(ctx.root, o.file)), { recursive: true });
      await writeFile(path.join(ctx.root, o.file), o.text, { flag: 'wx' });
    }
    for (const u of plan.updated) await writeAtomic(path.join(ctx.root, u.file), u.text);
  }
  if (v.format === 'json') {
    ctx.stdout.write(
      JSON.stringify(
        {
          branch: alertBranch(parsed.payload),
          opened: plan.opened.map((o) => ({ id: o.id, file: o.file, level: o.level, fingerprint: o.fingerprint })),
          updated: plan.updated.map((u) => ({ id: u.id, file: u.file, fingerprint: u.fingerprint })),
          ignored: plan.ignored,
          dry_run: Boolean(v['dry-run']),
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    const verb = v['dry-run'] ? 'would open' : 'opened';
    for (const o of plan.opened) ctx.stdout.write(`${verb} ${o.file}  level ${o.level} (${o.levelReason})  fingerprint ${o.fingerprint}\n`);
    for (const u of plan.updated) ctx.stdout.write(`${v['dry-run'] ? 'would update' : 'updated'} ${u.file}  fingerprint ${u.fingerprint} (repeated alert)\n`);
    for (const i of plan.ignored) ctx.stdout.write(`ignored fingerprint ${i.fingerprint}: ${i.reason}\n`);
  }
  return ExitCode.clean;
}

/** The pull-request branch of an alert group: repeated notifications of one group land on one branch. */
function alertBranch(p: { groupKey: string; alerts: { fingerprint: string }[] }): string {
  const key =
    p.groupKey ||
    p.alerts
      .map((a) => a.fingerprint)
      .sort()
      .join(',');
  return `opsgate/alert-${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
}

function refuse(ctx: CommandContext, diagnostics: Diagnostic[], summary: string): number {
  ctx.stderr.write(renderDiagnosticsText(diagnostics, { colour: false }));
  ctx.stderr.write(`opsgate: ${summary}\n`);
  return ExitCode.unusable;
}

async function validator(root: string) {
  return createSchemaValidator(await readSchemas(root));
}

async function timezoneOf(root: string): Promise<string> {
  const text = await readFile(path.join(root, 'policies/calendar.yaml'), 'utf8').catch(() => '');
  return /^timezone:\s*([A-Za-z_/+-]+)\s*$/m.exec(text)?.[1] ?? 'Asia/Shanghai';
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.opsgate-${process.pid}.tmp`;
  await writeFile(tmp, text, { flag: 'wx' });
  await rename(tmp, file);
}
