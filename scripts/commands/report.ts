import { appendFile, mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DateTime } from 'luxon';
import { ExitCode, UsageError } from '../model/errors.ts';
import { readVersion } from '../model/version.ts';
import { buildReport, type Language, type ReportKind } from '../report/build-report.ts';
import { isPeriodId, parsePeriod } from '../report/period.ts';
import { readReportInput } from '../report/read-input.ts';
import { FORMATS, loadTemplates, renderReport, type Format } from '../report/render/render.ts';
import type { CommandContext } from './context.ts';
import { parseCommandArgs } from './args.ts';

const USAGE = 'usage: opsgate report audit|monthly [--period YYYY-MM] [--lang zh-CN|en] [--format html,md,json] [--out reports/] [--at ISO-8601]';
const KINDS: readonly ReportKind[] = ['audit', 'monthly'];
const LANGUAGES: readonly Language[] = ['zh-CN', 'en'];

const HELP = `${USAGE}

Writes the ITSS quality audit (audit) or the monthly operations report (monthly) as HTML,
Markdown and JSON, every figure traced to evidence (Appendix A and B).

  --period YYYY-MM   the month, in the time zone of policies/calendar.yaml (default: the previous month)
  --lang L           zh-CN or en (default: default_language in policies/organisation.yaml)
  --format F,...     any of html, md, json (default: all three)
  --out DIR          where to write <kind>-<period>.<lang>.<ext> (default: reports/)
  --at ISO-8601      generated-at, with offset (default: the end of the period)

exit codes: 0 written, 1 written but a record failed verification, 2 usage, 3 internal error
`;
const SPEC = {
  usage: USAGE, help: HELP, positionals: { min: 1, max: 1, name: 'the report kind: audit or monthly' },
  options: { period: { type: 'string' }, lang: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, at: { type: 'string' } },
} as const;

/** The file a report is written to: `<out>/<kind>-<period>.<lang>.<ext>`. */
export function reportFileName(kind: ReportKind, period: string, language: Language, format: Format): string {
  return `${kind}-${period}.${language}.${format === 'md' ? 'md' : format}`;
}

/**
 * `opsgate report audit|monthly`: reads documents, records and git history,
 * computes every figure, and writes HTML, Markdown and JSON. Exit 1 when a
 * record file fails verification (the report is still written and says so).
 */
export async function reportCommand(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(ctx.argv, SPEC);
  const kind = positionals[0] as ReportKind;
  if (!KINDS.includes(kind)) throw new UsageError(`expected one report kind: ${KINDS.join(' or ')}, not '${kind}'`, USAGE);
  const formats = (values.format ?? 'html,md,json').split(',').map((f) => f.trim()).filter(Boolean);
  for (const f of formats) if (!FORMATS.includes(f as Format)) throw new UsageError(`--format: '${f}' is not one of ${FORMATS.join(', ')}`, 'e.g. --format html,md');
  if (values.lang !== undefined && !LANGUAGES.includes(values.lang as Language)) throw new UsageError(`--lang must be one of ${LANGUAGES.join(', ')}, not '${values.lang}'`);
  if (values.period !== undefined && !isPeriodId(values.period)) throw new UsageError(`--period must be a month as YYYY-MM (e.g. 2026-11), not '${values.period}'`);
  const rootStat = await stat(ctx.root).catch(() => undefined);
  if (!rootStat?.isDirectory()) throw new UsageError(`repository root ${ctx.root} is not a directory`, 'run from the repository, or pass --root DIR');

  const workerMin = Number(ctx.env.OPSGATE_REPORT_WORKER_MIN_BYTES);
  const input = await readReportInput(ctx.root, {
    ...(Number.isFinite(workerMin) && ctx.env.OPSGATE_REPORT_WORKER_MIN_BYTES ? { workerMinBytes: workerMin } : {}),
    onWorkerError: (e) => {
      if (ctx.debug) ctx.stderr.write(`opsgate: records read on the main thread (worker unavailable: ${e instanceof Error ? e.message : String(e)})\n`);
    },
  });
  const zone = input.calendar?.data.timezone ?? 'UTC';
  const periodId = values.period ?? DateTime.fromJSDate(ctx.now(), { zone }).minus({ months: 1 }).toFormat('yyyy-MM');
  const period = parsePeriod(periodId, zone);
  if (!period) throw new UsageError(`cannot use time zone '${zone}' from policies/calendar.yaml`, 'set timezone to an IANA name such as Asia/Shanghai');
  let generatedAt = period.end;
  if (values.at !== undefined) {
    const at = DateTime.fromISO(values.at, { setZone: true });
    if (!at.isValid || !/(Z|[+-]\d{2}:?\d{2})$/.test(values.at)) throw new UsageError(`--at must be an ISO 8601 date-time with offset, not '${values.at}'`, 'e.g. --at 2026-12-01T09:00:00+08:00');
    generatedAt = at.toISO({ suppressMilliseconds: true })!;
  }
  const language = (values.lang ?? input.organisation?.data.default_language ?? 'en') as Language;
  const report = buildReport(input, { kind, language, period, generatedAt, toolVersion: await readVersion() });
  const templates = loadTemplates();
  const outDir = path.resolve(ctx.root, values.out ?? 'reports');
  await mkdir(outDir, { recursive: true });
  for (const f of formats as Format[]) {
    const file = path.join(outDir, reportFileName(kind, period.id, language, f));
    await writeFile(file, renderReport(report, f, templates));
    const rel = path.relative(ctx.root, file);
    ctx.stdout.write(`wrote ${rel && !rel.startsWith('..') ? rel : file}\n`);
  }
  ctx.stdout.write(`evidence manifest sha256 ${report.evidence_manifest_sha256} (${report.evidence.length} items)\n`);
  if (ctx.env.GITHUB_STEP_SUMMARY && formats.includes('md')) {
    await appendFile(ctx.env.GITHUB_STEP_SUMMARY, renderReport(report, 'md', templates) + '\n');
  }
  if (report.integrity.problems.length > 0) {
    ctx.stderr.write(`opsgate: ${report.integrity.problems.length} record integrity problem(s); they are listed in the report's integrity section\n`);
    for (const p of report.integrity.problems) ctx.stderr.write(`${p.path}:${p.line}  ${p.code}  ${p.message}\n`);
    return ExitCode.findings;
  }
  return ExitCode.clean;
}
