import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { diagnostic } from '../model/diagnostic.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import { parseDocumentText } from '../repo/parse-document.ts';
import { readRepo, readSchemas } from '../repo/read-repo.ts';
import { presentSpellings, singletonPath } from '../repo/singleton-path.ts';
import { singletonFileOf } from '../rules/singleton-file.ts';
import { createSchemaValidator } from '../repo/validate-schema.ts';
import { parseAlertPayload, payloadLocator } from '../incident/alertmanager.ts';
import { ackIncident, analyseIncident, CHANNELS, escalateIncident, notifyIncident, NOTIFY_DUTIES, parseTime, resolveIncident, ROLES, type Channel } from '../incident/edit.ts';
import { planAlertIncidents } from '../incident/from-alert.ts';
import { isoLocal } from '../incident/time.ts';
import { readCalendarZone } from '../calendar/read-zone.ts';
import type { CommandContext } from './context.ts';
import { refuse } from './refuse.ts';
import { is, parseSubcommand, type GroupSpec } from './args.ts';

const FOOTER = 'exit codes: 0 written, 2 usage, the edit would make the incident invalid, or the calendar gives no time zone (nothing written), 3 internal error';
const UNKNOWN_ZONE = "the calendar's time zone cannot be told, so no time can be written";
const INCIDENT = { min: 1, max: 1, name: 'the incident: INC-YYYY-NNNN' } as const;
const PERSON = /^[a-z][a-z0-9-]*$/;
const by = { type: 'string', value: 'PERSON', help: 'who did it (a person id under policies/access/people/; required)', check: is.name('a person', PERSON) } as const;
const at = { type: 'string', value: 'TIME', help: 'when (ISO 8601, a local date-time, or HH:MM today; default: now)', check: is.time } as const;
const note = { type: 'string', value: 'TEXT', help: 'a note kept with the entry', check: is.given('text') } as const;
const to = { type: 'string', value: 'ID[,ID]', help: 'whom: people, contacts or names, comma-separated', check: is.recipients('people, contacts or names') } as const;
const channel = { type: 'string', value: 'C', help: `how: ${CHANNELS.join(', ')}`, check: is.oneOf(CHANNELS) } as const;

/** `opsgate incident open|ack|analyse|escalate|notify|resolve`: each subcommand declares exactly its options. */
export const ARGS = {
  command: 'incident',
  footer: FOOTER,
  subcommands: {
    open: {
      summary: 'open (or update) incidents from an Alertmanager webhook payload',
      usage: 'usage: opsgate incident open --from-alertmanager FILE [--at TIME] [--format text|json] [--dry-run]',
      footer: FOOTER,
      options: {
        'from-alertmanager': { type: 'string', value: 'FILE', help: 'the Alertmanager webhook payload (JSON; required)', check: is.given('a file') },
        at: { ...at, help: 'when the alert was received (default: now)' },
        format: { type: 'string', value: 'F', help: 'text (default) or json', check: is.oneOf(['text', 'json']) },
        'dry-run': { type: 'boolean', help: 'print what would be opened or updated, write nothing' },
      },
    },
    ack: { summary: 'acknowledge an incident', usage: 'usage: opsgate incident ack INC-… --by PERSON [--at TIME] [--note TEXT]', footer: FOOTER, positionals: INCIDENT, options: { by, at, note } },
    analyse: {
      summary: 'record that the cause was analysed',
      usage: 'usage: opsgate incident analyse INC-… --by PERSON [--at TIME] [--note TEXT]',
      footer: FOOTER,
      positionals: INCIDENT,
      options: { by, at, note },
    },
    escalate: {
      summary: 'record an escalation (or a vendor called)',
      usage: `usage: opsgate incident escalate INC-… --role ${ROLES.join('|')} --to ID[,ID] --channel C --by PERSON [--at TIME] [--ticket T] [--note TEXT]`,
      footer: FOOTER,
      positionals: INCIDENT,
      options: {
        role: { type: 'string', value: 'R', help: `to whom: ${ROLES.join(', ')} (required)`, check: is.oneOf(ROLES) },
        to,
        channel,
        by,
        at,
        ticket: { type: 'string', value: 'T', help: "the vendor's ticket number", check: is.given('the ticket number') },
        note,
      },
    },
    notify: {
      summary: 'record a notification duty done',
      usage: `usage: opsgate incident notify INC-… --duty ${NOTIFY_DUTIES.join('|')} --to ID[,ID] --channel C --by PERSON [--at TIME] [--note TEXT]`,
      footer: FOOTER,
      positionals: INCIDENT,
      options: { duty: { type: 'string', value: 'D', help: `which duty: ${NOTIFY_DUTIES.join(', ')} (required)`, check: is.oneOf(NOTIFY_DUTIES) }, to, channel, by, at, note },
    },
    resolve: {
      summary: 'resolve an incident',
      usage: 'usage: opsgate incident resolve INC-… --by PERSON [--at TIME] [--root-cause TEXT] [--resolution TEXT] [--verified-by PERSON] [--note TEXT]',
      footer: FOOTER,
      positionals: INCIDENT,
      options: {
        by,
        at,
        'root-cause': { type: 'string', value: 'TEXT', help: 'the root cause', check: is.given('text') },
        resolution: { type: 'string', value: 'TEXT', help: 'what resolved it', check: is.given('text') },
        'verified-by': { type: 'string', value: 'PERSON', help: 'who verified the service is back', check: is.name('a person', PERSON) },
        note,
      },
    },
  },
} as const satisfies GroupSpec;
/** `opsgate incident open|ack|analyse|escalate|notify|resolve`: quick, in-place edits during an incident. */
export async function incidentCommand(ctx: CommandContext): Promise<number> {
  const { sub: action, values: v, positionals } = parseSubcommand(ctx.argv, ARGS);
  if (action === 'open') return openFromAlert(ctx, { ...v, format: v.format ?? 'text' });
  const usage = ARGS.subcommands[action].usage;
  const id = positionals[0]!;
  if (!/^INC-\d{4}-\d{4}$/.test(id)) throw new UsageError(`incident ${action}: name one incident as INC-YYYY-NNNN, not '${id}'`, usage);
  if (!v.by) throw new UsageError('--by PERSON is required (who did it)', usage);
  const calendar = await readCalendarZone(ctx.root);
  if ('problems' in calendar) return refuse(ctx, calendar.problems, `${UNKNOWN_ZONE}; nothing was written`);
  const { zone } = calendar;
  const at = v.at ? parseTime(v.at, zone, ctx.now().getTime()) : ctx.now().getTime();
  const file = singletonPath(ctx.root, `incidents/${id.slice(4, 8)}/${id}`);
  const abs = path.join(ctx.root, file);
  const text = await readFile(abs, 'utf8').catch(() => {
    throw new UsageError(`${file}: no such incident`);
  });
  const validate = await validator(ctx.root);
  const before = parseDocumentText(text, file, validate);
  if (!before.doc) return refuse(ctx, before.diagnostics, `${file} is not a valid incident now; fix it first`);
  const people = [v.by, ...(action === 'resolve' && v['verified-by'] ? [v['verified-by']] : [])];
  for (const p of people) if (!presentSpellings(ctx.root, `policies/access/people/${p}`).length) throw new UsageError(`no person '${p}' in policies/access/people/`);
  const base = { by: v.by, at, zone, ...(v.note ? { note: v.note } : {}) };
  const list = (s: string | undefined) =>
    (s ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
  const channel = (): Channel => {
    if (!v.channel || !CHANNELS.includes(v.channel as Channel)) throw new UsageError(`--channel must be one of ${CHANNELS.join(', ')}`, usage);
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
    if (!v.role || !(ROLES as readonly string[]).includes(v.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`, usage);
    next = escalateIncident(text, { ...base, role: v.role as (typeof ROLES)[number], to: list(v.to), channel: channel(), ...(v.ticket ? { ticket: v.ticket } : {}) });
    what = v.role === 'vendor' ? `vendor ${list(v.to).join(', ')} called` : `escalated (${v.role}) to ${list(v.to).join(', ')}`;
  } else if (action === 'notify') {
    if (!v.duty || !(NOTIFY_DUTIES as readonly string[]).includes(v.duty)) throw new UsageError(`--duty must be one of ${NOTIFY_DUTIES.join(', ')}`, usage);
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
  if (!src) throw new UsageError('--from-alertmanager FILE is required', ARGS.subcommands.open.usage);
  if (v.format !== 'text' && v.format !== 'json') throw new UsageError(`--format must be text or json, not '${v.format}'`, ARGS.subcommands.open.usage);
  const abs = path.resolve(ctx.root, src);
  const shown = path.relative(ctx.root, abs).startsWith('..') ? abs : path.relative(ctx.root, abs);
  const text = await readFile(abs, 'utf8').catch(() => {
    throw new UsageError(`${src}: cannot read the payload file`);
  });
  const parsed = parseAlertPayload(text, shown);
  if (!parsed.payload) return refuse(ctx, parsed.diagnostics, 'the alert payload is unusable; no incident was opened or updated');
  const repo = await readRepo(ctx.root);
  const sla = repo.one('sla')?.data;
  const slaFile = singletonFileOf(repo, 'sla');
  if (!sla) throw new UsageError(`${slaFile} is missing or invalid (run opsgate lint)`);
  const calendar = await readCalendarZone(ctx.root);
  if ('problems' in calendar) return refuse(ctx, calendar.problems, `${UNKNOWN_ZONE}; no incident was opened or updated`);
  const { zone } = calendar;
  const incidents = await Promise.all(repo.all('incident').map(async (i) => ({ id: i.id, file: i.file, data: i.data, text: await readFile(path.join(ctx.root, i.file), 'utf8') })));
  const taken = [...repo.files].map((f) => /INC-\d{4}-\d{4}/.exec(f)?.[0]).filter((x): x is string => !!x);
  const received = v.at ? parseTime(v.at, zone, ctx.now().getTime()) : ctx.now().getTime();
  const plan = planAlertIncidents({
    payload: parsed.payload,
    sla,
    slaFile,
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

async function validator(root: string) {
  return createSchemaValidator(await readSchemas(root));
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.opsgate-${process.pid}.tmp`;
  await writeFile(tmp, text, { flag: 'wx' });
  await rename(tmp, file);
}
