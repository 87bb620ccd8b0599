import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, UsageError } from '../model/errors.ts';
import { verifyChain } from '../records/chain.ts';
import { parseDocumentText } from '../repo/parse-document.ts';
import { readRepo, readSchemas } from '../repo/read-repo.ts';
import { presentSpellings, singletonPath } from '../repo/singleton-path.ts';
import { singletonFileOf } from '../rules/singleton-file.ts';
import { createSchemaValidator } from '../repo/validate-schema.ts';
import { renderDiagnosticsText } from '../render/diagnostics-text.ts';
import { handoverPath, handoverStem, shiftBoundaries } from '../handover/boundaries.ts';
import { boundaryFor, failingSince, prefillHandover, renderHandover } from '../handover/prefill.ts';
import { parseTime } from '../incident/edit.ts';
import { isoLocal } from '../incident/time.ts';
import { setMapping } from '../incident/yaml-edit.ts';
import { readCalendarZone } from '../calendar/read-zone.ts';
import type { CommandContext } from './context.ts';
import { refuse } from './refuse.ts';
import { is, parseSubcommand, type GroupSpec } from './args.ts';
import { appendAll } from '../model/append.ts';

const FOOTER = 'exit codes: 0 written, 2 usage, the document exists already, or the calendar gives no time zone (nothing written), 3 internal error';
/** A calendar that gives no time zone: nothing is written (ARCHITECTURE.md, "The calendar's time zone"). */
const UNKNOWN_ZONE = "the calendar's time zone cannot be told, so no time can be written; nothing was written";
const at = { type: 'string', value: 'TIME', help: 'when (ISO 8601, a local date-time, or HH:MM today; default: now)', check: is.time } as const;

/** `opsgate handover new|ack`: each subcommand declares exactly its options. */
export const ARGS = {
  command: 'handover',
  footer: FOOTER,
  subcommands: {
    new: {
      summary: 'write the shift handover (交接班) at the last shift boundary, pre-filled from the repository',
      usage: 'usage: opsgate handover new [--at TIME] [--rotation ID] [--dry-run]',
      footer: FOOTER,
      options: {
        at: { ...at, help: 'the handover time; the last shift boundary at or before it is used (default: now)' },
        rotation: { type: 'string', value: 'ID', help: 'the rotation in policies/oncall.yaml or .yml (default: handover.rotation, else the first)', check: is.name('a rotation id') },
        'dry-run': { type: 'boolean', help: 'print the document, write nothing' },
      },
    },
    ack: {
      summary: "the incoming person's acknowledgement of a handover",
      usage: 'usage: opsgate handover ack HO-YYYY-MM-DD-HHMM --by PERSON [--at TIME] [--note TEXT]',
      footer: FOOTER,
      positionals: { min: 1, max: 1, name: 'the handover: HO-YYYY-MM-DD-HHMM' },
      options: {
        by: { type: 'string', value: 'PERSON', help: 'the incoming person (required)', check: is.name('a person', /^[a-z][a-z0-9-]*$/) },
        at,
        note: { type: 'string', value: 'TEXT', help: 'a note kept with the acknowledgement', check: is.given('text') },
      },
    },
  },
} as const satisfies GroupSpec;
const USAGE = ARGS.subcommands.ack.usage;

/** `opsgate handover new|ack`: the shift handover (交接班) document, pre-filled, and its acknowledgement. */
export async function handoverCommand(ctx: CommandContext): Promise<number> {
  const { sub, values: v, positionals } = parseSubcommand(ctx.argv, ARGS);
  return sub === 'new' ? newHandover(ctx, v) : ackHandover(ctx, positionals[0]!, v);
}

async function newHandover(ctx: CommandContext, v: { at?: string; rotation?: string; 'dry-run'?: boolean }): Promise<number> {
  const repo = await readRepo(ctx.root);
  const oncall = repo.one('oncall')?.data;
  const oncallFile = singletonFileOf(repo, 'oncall');
  if (!oncall) throw new UsageError(`${oncallFile} is missing or invalid (run opsgate lint)`);
  const calendar = await readCalendarZone(ctx.root);
  if ('problems' in calendar) return refuse(ctx, calendar.problems, UNKNOWN_ZONE);
  const { zone } = calendar;
  const now = ctx.now().getTime();
  const at = v.at ? parseTime(v.at, zone, now) : now;
  const rotation = v.rotation ?? oncall.handover?.rotation ?? oncall.rotations[0]?.id ?? '';
  if (!oncall.rotations.some((r) => r.id === rotation)) throw new UsageError(`no rotation '${rotation}' in ${oncallFile}`);
  const b = boundaryFor(oncall, rotation, at, zone);
  if (!b) throw new UsageError(`no shift boundary of ${rotation} at or before ${isoLocal(at, zone)}`);
  const len = oncall.rotations.find((r) => r.id === rotation)!.shift.hours * 3_600_000;
  const previous = shiftBoundaries(oncall, rotation, b.at - 3 * len, b.at - 1, zone).at(-1)?.at ?? b.at - len;
  const { lines, problems } = await inspectionLines(ctx.root, previous, b.at);
  for (const p of problems) ctx.stderr.write(`opsgate: ${p}; its checks are left out\n`);
  const sla = repo.one('sla')?.data;
  const made = prefillHandover({
    oncall,
    rotation,
    at,
    zone,
    incidents: repo.all('incident'),
    changes: repo.all('change'),
    ...(sla ? { sla } : {}),
    failing: failingSince(lines, previous, b.at),
    now: v.at ? Math.max(at, b.at) : now,
  });
  if (!made) throw new UsageError(`no shift boundary of ${rotation} near ${isoLocal(at, zone)}`);
  const text = renderHandover(made.doc);
  const file = handoverPath(made.doc.id);
  const check = parseDocumentText(text, file, createSchemaValidator(await readSchemas(ctx.root)));
  if (!check.doc) throw new Error(`the handover opsgate wrote does not validate: ${check.diagnostics.map((d) => d.message).join('; ')}`);
  if (v['dry-run']) {
    ctx.stdout.write(text);
    return ExitCode.clean;
  }
  const abs = path.join(ctx.root, file);
  // Either spelling is this id's handover (scripts/repo/kinds.ts): writing .yaml beside a .yml would be two documents with one id.
  const present = presentSpellings(ctx.root, handoverStem(made.doc.id));
  if (present.length) throw new UsageError(`${present.join(' and ')} already exist${present.length > 1 ? '' : 's'}`, 'edit it, or acknowledge it: opsgate handover ack ' + made.doc.id);
  await mkdir(path.dirname(abs), { recursive: true });
  await writeFile(abs, text, { flag: 'wx' });
  ctx.stdout.write(
    `wrote ${file}: ${made.doc.outgoing} → ${made.doc.incoming}, ${made.doc.open_incidents.length} open incident(s), ${made.doc.upcoming_changes.length} change(s) next shift, ${made.doc.failing_checks.length} newly failing check(s)\n`,
  );
  return ExitCode.clean;
}

async function ackHandover(ctx: CommandContext, id: string, v: { by?: string; at?: string; note?: string }): Promise<number> {
  if (!/^HO-\d{4}-\d{2}-\d{2}-\d{4}$/.test(id)) throw new UsageError('name one handover: HO-YYYY-MM-DD-HHMM', USAGE);
  if (!v.by) throw new UsageError('--by PERSON is required (the incoming person)', USAGE);
  const file = singletonPath(ctx.root, handoverStem(id));
  const abs = path.join(ctx.root, file);
  const text = await readFile(abs, 'utf8').catch(() => {
    throw new UsageError(`${file}: no such handover`);
  });
  const validate = createSchemaValidator(await readSchemas(ctx.root));
  const before = parseDocumentText(text, file, validate);
  if (before.doc?.kind !== 'handover') {
    ctx.stderr.write(renderDiagnosticsText(before.diagnostics, { colour: false }));
    return ExitCode.unusable;
  }
  const d = before.doc.data;
  if (d.acknowledgement) throw new UsageError(`already acknowledged by ${d.acknowledgement.by} at ${d.acknowledgement.at}`);
  if (v.by !== d.incoming) throw new UsageError(`${d.incoming} is taking over: only the incoming person acknowledges a handover`);
  const calendar = await readCalendarZone(ctx.root);
  if ('problems' in calendar) return refuse(ctx, calendar.problems, UNKNOWN_ZONE);
  const { zone } = calendar;
  const at = v.at ? parseTime(v.at, zone, ctx.now().getTime()) : ctx.now().getTime();
  const next = setMapping(text, 'acknowledgement', { by: v.by, at: isoLocal(at, zone), ...(v.note ? { note: v.note } : {}) });
  const after = parseDocumentText(next, file, validate);
  if (!after.doc) {
    ctx.stderr.write(renderDiagnosticsText(after.diagnostics, { colour: false }));
    return ExitCode.unusable;
  }
  const tmp = `${abs}.opsgate-${process.pid}.tmp`;
  await writeFile(tmp, next, { flag: 'wx' });
  await rename(tmp, abs);
  ctx.stdout.write(`${file}: acknowledged by ${v.by} at ${isoLocal(at, zone)}\n`);
  return ExitCode.clean;
}

/** Inspection record lines of the months a window touches (UTC month files); broken chains are named, not read. Edge. */
async function inspectionLines(root: string, from: number, to: number): Promise<{ lines: Record<string, unknown>[]; problems: string[] }> {
  const dir = path.join(root, 'records/inspections');
  const months = new Set([new Date(from).toISOString().slice(0, 7), new Date(to).toISOString().slice(0, 7)]);
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.jsonl') && months.has(f.slice(0, 7))).sort();
  const lines: Record<string, unknown>[] = [];
  const problems: string[] = [];
  for (const f of files) {
    const r = verifyChain(await readFile(path.join(dir, f), 'utf8'));
    if (!r.ok) problems.push(`records/inspections/${f}: ${r.problems[0]!.message}`);
    else appendAll(lines, r.lines as unknown as Record<string, unknown>[]);
  }
  return { lines, problems };
}
