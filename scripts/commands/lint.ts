import { appendFile, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { renderAnnotations, renderLintSummary } from '../actions/annotations.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import { is, oneOf, parseCommandArgs, type CommandSpec } from './args.ts';
import { hasErrors, type Diagnostic } from '../model/diagnostic.ts';
import { readNotificationRecords } from '../notify/records.ts';
import type { RuleInput } from '../rules/rule-context.ts';
import { readRepo } from '../repo/read-repo.ts';
import { statRepoFile } from '../repo/repo-file.ts';
import { renderDiagnosticsText } from '../render/diagnostics-text.ts';
import { lintRepo as lintRules, referencedRepoFiles } from '../rules/index.ts';
import { readChangeRuns } from '../repo/read-change-runs.ts';
import { readRestoreTests } from '../backup/record.ts';
import { readVerifySchedules } from '../backup/verify-schedule.ts';
import { loadOfficialSchedule } from '../calendar/official-source.ts';
import type { CommandContext } from './context.ts';

const FORMATS = ['text', 'json', 'github'] as const;
type Format = (typeof FORMATS)[number];

const USAGE = 'usage: opsgate lint [PATH...] [--format text|json|github] [--changed-since REF]';
const HELP = `${USAGE}

Validates every document: schemas, references and governance rules. Every problem is
printed as file:line:col  CODE  message, with a fix hint; all are collected before the exit.

  PATH...              only report problems in these files or folders (the whole repository is still read)
  --format F           text (default), json, github (annotations + job summary; default under GITHUB_ACTIONS)
  --changed-since REF  only report problems in files changed since the git ref REF

exit codes: 0 clean, 1 errors found, 2 usage or unusable input, 3 internal error
`;
export const ARGS = {
  usage: USAGE,
  help: HELP,
  options: { format: { type: 'string', check: is.oneOf(FORMATS) }, 'changed-since': { type: 'string', check: is.notOption('a git ref', /^\S+$/) } },
  positionals: { max: Infinity },
} as const satisfies CommandSpec;

/** `opsgate lint [PATH...] [--format text|json|github] [--changed-since REF]` */
export async function lintCommand(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(ctx.argv, ARGS);
  const format: Format = oneOf('format', values.format, FORMATS, USAGE) ?? (ctx.env.GITHUB_ACTIONS === 'true' ? 'github' : 'text');
  const rootStat = await stat(ctx.root).catch(() => undefined);
  if (!rootStat?.isDirectory()) throw new UsageError(`repository root ${ctx.root} is not a directory`, 'run from the repository, or pass --root DIR');
  const only = await resolvePaths(ctx.root, positionals);

  const now = ctx.now();
  const { repo, diagnostics: all } = await lintTree(ctx.root, now);
  let diagnostics = all;
  if (only) diagnostics = diagnostics.filter((d) => only.some((p) => d.file === p || d.file.startsWith(p + '/') || p === '.'));
  if (values['changed-since']) {
    // Loaded only here: git-changes needs node:child_process, which a plain lint never starts.
    const { findingsOfChange } = await import('../repo/git-changes.ts');
    diagnostics = await findingsOfChange(ctx.root, values['changed-since'], diagnostics, async (base) => (await lintTree(base, now)).diagnostics);
  }
  write(ctx, format, diagnostics, repo.documents.length);
  if (format === 'github' && ctx.env.GITHUB_STEP_SUMMARY) await appendFile(ctx.env.GITHUB_STEP_SUMMARY, renderLintSummary(diagnostics, repo.documents.length) + '\n');
  return hasErrors(diagnostics) ? ExitCode.findings : ExitCode.clean;
}

/** Everything lint finds in the tree at `root` (the checkout, or a copy of the merge base for --changed-since). */
async function lintTree(root: string, now: Date) {
  const repo = await readRepo(root);
  // The other inputs of the rules, read side by side (each is a few files; in turn, their waits added up).
  const [{ existing: existingFiles, refused: refusedFiles }, changeRuns, notificationRecords, backupRestoreTests, backupVerifySchedules] = await Promise.all([
    existingInsideRepo(root, referencedRepoFiles(repo)),
    readChangeRuns(root),
    readNotificationRecords(root).catch(() => undefined),
    readRestoreTests(root),
    readWorkflowSchedules(root, now),
  ]);
  // Notification channels refused for good (records/notifications/), for notify.channel-disabled.
  const notificationBlocks = notificationRecords?.state.blocked;
  const lintRepo = (input: RuleInput) => lintRules({ ...input, ...(notificationBlocks ? { notificationBlocks } : {}) });
  return {
    repo,
    diagnostics: lintRepo({ repo, now, existingFiles, refusedFiles, changeRuns, official: loadOfficialSchedule(), backupRestoreTests, ...(backupVerifySchedules ? { backupVerifySchedules } : {}) }),
  };
}

/** The scheduled backup verification of .github/workflows/ (undefined without that folder: nothing to compare). */
async function readWorkflowSchedules(root: string, now: Date) {
  const dir = path.join(root, '.github', 'workflows');
  const names = await readdir(dir).catch(() => undefined);
  if (!names) return undefined;
  const files = await Promise.all(
    names
      .filter((n) => /\.ya?ml$/.test(n))
      .sort()
      .map(async (n) => ({ file: `.github/workflows/${n}`, text: await readFile(path.join(dir, n), 'utf8').catch(() => '') })),
  );
  return readVerifySchedules(files, now);
}

function write(ctx: CommandContext, format: Format, diagnostics: Diagnostic[], documents: number): void {
  if (format === 'json') {
    ctx.stdout.write(JSON.stringify({ documents, diagnostics }, null, 2) + '\n');
    return;
  }
  if (format === 'github') {
    const annotations = renderAnnotations(diagnostics);
    if (annotations) ctx.stdout.write(annotations + '\n');
  }
  ctx.stdout.write(renderDiagnosticsText(diagnostics, { colour: format === 'text' && Boolean(ctx.stdout.isTTY) && !ctx.env.NO_COLOR, documents }));
}

/** Maps PATH arguments to repository-relative prefixes; a path outside the repository is a usage error. */
async function resolvePaths(root: string, paths: string[]): Promise<string[] | undefined> {
  if (paths.length === 0) return undefined;
  const realRoot = await realpath(root);
  return Promise.all(
    paths.map(async (p) => {
      const abs = path.resolve(root, p);
      const real = await realpath(abs).catch(() => {
        throw new UsageError(`${p}: no such file or directory`);
      });
      if (real !== realRoot && !real.startsWith(realRoot + path.sep)) throw new UsageError(`${p} is outside the repository ${root}`);
      return path.relative(realRoot, real).split(path.sep).join('/') || '.';
    }),
  );
}

/** Which of the referenced paths are regular files inside the repository (no `..`, no link out). Edge. */
/** Which referenced paths are regular files inside the repository reached through no link, and why the others are refused. */
async function existingInsideRepo(root: string, rels: string[]): Promise<{ existing: Set<string>; refused: Map<string, string> }> {
  const existing = new Set<string>();
  const refused = new Map<string, string>();
  await Promise.all(
    rels.map(async (rel) => {
      const r = await statRepoFile(root, rel);
      if (r.kind === 'file') existing.add(rel);
      else if (r.kind !== 'missing') refused.set(rel, r.why);
    }),
  );
  return { existing, refused };
}
