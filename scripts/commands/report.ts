import { appendFile, mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DateTime } from 'luxon';
import { ExitCode, UsageError } from '../model/errors.ts';
import { readVersion } from '../model/version.ts';
import { buildReport, needsAttention, type Language, type ReportKind } from '../report/build-report.ts';
import { isPeriodId, parsePeriod } from '../report/period.ts';
import { readReportInput } from '../report/read-input.ts';
import type { ReportInput } from '../report/types.ts';
import { FORMATS, loadTemplates, renderReport, type Format } from '../report/render/render.ts';
import type { CommandContext } from './context.ts';
import { is, parseCommandArgs, type CommandSpec } from './args.ts';
import { FIRST_YEAR } from '../model/era.ts';
import { declaredZone } from '../calendar/zone.ts';

const USAGE = 'usage: opsgate report audit|monthly [--period YYYY-MM] [--lang zh-CN|en] [--format html,md,json] [--out reports/] [--at ISO-8601]';
const KINDS: readonly ReportKind[] = ['audit', 'monthly'];
const LANGUAGES: readonly Language[] = ['zh-CN', 'en'];

const HELP = `${USAGE}

Writes the ITSS quality audit (audit) or the monthly operations report (monthly) as HTML,
Markdown and JSON, every figure traced to evidence (Appendix A and B).

  --period YYYY-MM   the month, in the time zone of policies/calendar.yaml or .yml (default: the previous month)
  --lang L           zh-CN or en (default: default_language in policies/organisation.yaml or .yml)
  --format F,...     any of html, md, json (default: all three)
  --out DIR          where to write <kind>-<period>.<lang>.<ext> (default: reports/)
  --at ISO-8601      generated-at, with offset (default: the end of the period)

exit codes: 0 written, 1 written but a record failed verification, 2 usage, 3 internal error
`;
export const ARGS = {
  usage: USAGE,
  help: HELP,
  positionals: { min: 1, max: 1, name: 'the report kind: audit or monthly' },
  options: {
    period: { type: 'string', check: is.month },
    lang: { type: 'string', check: is.oneOf(LANGUAGES) },
    format: { type: 'string', check: is.someOf(FORMATS) },
    out: { type: 'string', check: is.given('a directory') },
    at: { type: 'string', check: is.instant },
  },
} as const satisfies CommandSpec;

/** The file a report is written to: `<out>/<kind>-<period>.<lang>.<ext>`. */
export function reportFileName(kind: ReportKind, period: string, language: Language, format: Format): string {
  return `${kind}-${period}.${language}.${format === 'md' ? 'md' : format}`;
}

/**
 * The output folder: created when missing; an existing file, or a place that
 * cannot hold files, is a usage error (exit 2), decided before anything is read.
 */
async function prepareOutDir(dir: string, shown: string): Promise<void> {
  const s = await stat(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : e));
  if (s instanceof Error) throw new UsageError(`--out ${shown}: cannot use it (${s.code ?? s.message})`, 'name a directory the report may write into');
  if (s && !s.isDirectory()) throw new UsageError(`--out ${shown} is an existing file, not a directory`, 'name a directory (it is created when missing), e.g. --out reports/');
  if (!s) {
    await makeDirs(dir).catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`--out ${shown}: cannot create the directory (${e.code ?? e.message})`, 'name a directory the report may write into');
    });
  }
}

/**
 * mkdir -p, one level at a time from the nearest existing ancestor. Node's
 * own `mkdir(…, { recursive: true })` never settles for a path under /proc
 * (each level it tries answers ENOENT, and it keeps retrying).
 */
async function makeDirs(dir: string): Promise<void> {
  const missing: string[] = [];
  let cur = dir;
  while (!(await stat(cur).catch(() => undefined))) {
    missing.unshift(cur);
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  for (const d of missing) await mkdir(d).catch((e: NodeJS.ErrnoException) => (e.code === 'EEXIST' ? undefined : Promise.reject(e)));
}

async function writeOutput(file: string, text: string): Promise<void> {
  await writeFile(file, text).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot write ${file} (${e.code ?? e.message})`, 'name a writable directory with --out');
  });
}

/** Generated-at: --at; else the period's end; else, for a period not yet ended, now (to the second, in the period's zone). */
function generatedAtOf(at: string | undefined, period: { end: string; endMs: number; timezone: string }, now: Date): string {
  if (at !== undefined) {
    const t = DateTime.fromISO(at, { setZone: true });
    if (!t.isValid || !/(Z|[+-]\d{2}:?\d{2})$/.test(at)) throw new UsageError(`--at must be an ISO 8601 date-time with offset, not '${at}'`, 'e.g. --at 2026-12-01T09:00:00+08:00');
    return t.toISO({ suppressMilliseconds: true })!;
  }
  if (now.getTime() >= period.endMs) return period.end;
  return DateTime.fromMillis(Math.floor(now.getTime() / 1000) * 1000, { zone: period.timezone }).toISO({ suppressMilliseconds: true })!;
}

/**
 * `opsgate report audit|monthly`: reads documents, records and git history,
 * computes every figure, and writes HTML, Markdown and JSON. Exit 1 when the
 * report is written but cannot be signed as is: a record failed verification
 * or contradicts git history, an input is missing (incomplete figures), or
 * the evidence differs from the commit the cover cites.
 */
export async function reportCommand(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(ctx.argv, ARGS);
  const kind = positionals[0] as ReportKind;
  if (!KINDS.includes(kind)) throw new UsageError(`expected one report kind: ${KINDS.join(' or ')}, not '${kind}'`, USAGE);
  const formats = (values.format ?? 'html,md,json')
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  for (const f of formats) if (!FORMATS.includes(f as Format)) throw new UsageError(`--format: '${f}' is not one of ${FORMATS.join(', ')}`, 'e.g. --format html,md');
  if (values.lang !== undefined && !LANGUAGES.includes(values.lang as Language)) throw new UsageError(`--lang must be one of ${LANGUAGES.join(', ')}, not '${values.lang}'`);
  if (values.period !== undefined && !isPeriodId(values.period)) throw new UsageError(`--period must be a month as YYYY-MM from ${FIRST_YEAR}-01 on (e.g. 2026-11), not '${values.period}'`);
  if (values.out !== undefined && values.out.trim() === '') throw new UsageError('--out needs a directory', USAGE);
  const rootStat = await stat(ctx.root).catch(() => undefined);
  if (!rootStat?.isDirectory()) throw new UsageError(`repository root ${ctx.root} is not a directory`, 'run from the repository, or pass --root DIR');
  const outDir = path.resolve(ctx.root, values.out ?? 'reports');
  await prepareOutDir(outDir, values.out ?? 'reports');

  const workerMin = Number(ctx.env.OPSGATE_REPORT_WORKER_MIN_BYTES);
  let input: ReportInput | undefined = await readReportInput(ctx.root, {
    ...(values.period ? { period: values.period } : {}),
    ...(Number.isFinite(workerMin) && ctx.env.OPSGATE_REPORT_WORKER_MIN_BYTES ? { workerMinBytes: workerMin } : {}),
    onWorkerError: (e) => {
      if (ctx.debug) ctx.stderr.write(`opsgate: records read on the main thread (worker unavailable: ${e instanceof Error ? e.message : String(e)})\n`);
    },
  });
  const zone = declaredZone(input.calendar?.data);
  const periodId = values.period ?? DateTime.fromJSDate(ctx.now(), { zone }).minus({ months: 1 }).toFormat('yyyy-MM');
  const period = parsePeriod(periodId, zone);
  if (!period) throw new UsageError(`cannot use time zone '${zone}' from ${input.calendar?.file ?? 'policies/calendar.yaml'}`, 'set timezone to an IANA name such as Asia/Shanghai');
  const generatedAt = generatedAtOf(values.at, period, ctx.now());
  const language = (values.lang ?? input.organisation?.data.default_language ?? 'en') as Language;
  const report = buildReport(input, { kind, language, period, generatedAt, toolVersion: await readVersion() });
  // The report holds everything it prints: let a year of parsed records go before rendering (peak memory).
  // eslint-disable-next-line no-useless-assignment -- dropping the reference is the point (garbage collection)
  input = undefined;
  const templates = loadTemplates();
  for (const f of formats as Format[]) {
    const file = path.join(outDir, reportFileName(kind, period.id, language, f));
    await writeOutput(file, renderReport(report, f, templates));
    const rel = path.relative(ctx.root, file);
    ctx.stdout.write(`wrote ${rel && !rel.startsWith('..') ? rel : file}\n`);
  }
  ctx.stdout.write(`evidence manifest sha256 ${report.evidence_manifest_sha256} (${report.evidence.length} items)\n`);
  if (ctx.env.GITHUB_STEP_SUMMARY && formats.includes('md')) {
    await appendFile(ctx.env.GITHUB_STEP_SUMMARY, renderReport(report, 'md', templates) + '\n');
  }
  if (report.status.provisional) ctx.stderr.write(`opsgate: ${period.id} has not ended (generated at ${generatedAt}): the report is provisional\n`);
  if (!needsAttention(report)) return ExitCode.clean;
  const p = report.status.provenance;
  for (const x of report.integrity.problems) ctx.stderr.write(`${x.path}:${x.line}  ${x.code}  ${x.message}\n`);
  for (const x of report.integrity.history) ctx.stderr.write(`${x.path}:${x.line}  ${x.code}  ${x.message}\n`);
  for (const g of report.status.gaps) ctx.stderr.write(`${g.path ?? '-'}  ${g.code}  ${g.detail}\n`);
  if (!p.git) ctx.stderr.write('opsgate: not a git repository: the evidence cannot be checked against history\n');
  for (const [what, list] of [
    ['modified', p.modified],
    ['deleted', p.deleted],
    ['untracked', p.untracked],
  ] as const)
    for (const f of list) ctx.stderr.write(`${f}  evidence.${what}  differs from the commit the report cites\n`);
  ctx.stderr.write('opsgate: the report is written, but it cannot be signed as is: see the banner on its cover\n');
  return ExitCode.findings;
}
