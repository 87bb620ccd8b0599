import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from './context.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import { checkAnchors } from '../records/anchor.ts';
import { verifyChain, type RecordLine } from '../records/chain.ts';
import { checkMissingRecords, checkRecordHistory, historyFactsFor, type HistoryProblem } from '../records/history.ts';
import { locateRewrites, readRecordHistory, readWorkingTreeState } from '../records/git-versions.ts';
import { parseSubcommand, type GroupSpec } from './args.ts';
import { checkCitedCommits } from '../records/check-cited-commits.ts';
import { sanitizeForLog, sanitizeJson } from '../render/sanitize.ts';
import { appendAll } from '../model/append.ts';

const USAGE = 'usage: opsgate records verify [PATH...] [--json]';
/** `opsgate records verify`. */
export const ARGS = {
  command: 'records',
  subcommands: {
    verify: {
      summary: 'verify the hash chain of every evidence file, and that each extends what git committed',
      usage: USAGE,
      about: `Verifies the hash chain of every evidence file (JSON Lines) under records/, or under each
PATH, and that each extends what git committed; names each edited, removed, reordered or
truncated line as file:line  code  message.`,
      footer: 'exit codes: 0 every chain verifies, 1 a problem, 2 usage, 3 internal error',
      positionals: { max: Infinity },
      options: { json: { type: 'boolean', help: 'print the files, line count, problems and notices as JSON' } },
    },
  },
} as const satisfies GroupSpec;

async function collect(p: string, out: string[]): Promise<void> {
  const s = await stat(p).catch(() => undefined);
  if (!s) throw new UsageError(`${p} does not exist`, USAGE);
  if (s.isFile()) {
    out.push(p);
    return;
  }
  for (const e of (await readdir(p, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const child = path.join(p, e.name);
    if (e.isDirectory()) await collect(child, out);
    else if (e.isFile() && e.name.endsWith('.jsonl')) out.push(child);
  }
}

/** Verifies hash chains; names every tampered, removed or truncated line. Exit 1 on any problem. */
export const recordsCommand: Command = async (ctx) => {
  const { values, positionals: targets } = parseSubcommand(ctx.argv, ARGS);
  const wantJson = values.json === true;
  const files: string[] = [];
  const recordsDir = path.join(ctx.root, 'records');
  if (targets.length === 0) {
    if (await stat(recordsDir).catch(() => undefined)) await collect(recordsDir, files);
  } else for (const t of targets) await collect(path.resolve(ctx.root, t), files);
  let lines = 0;
  const problems: Array<{ file: string; line: number; code: string; message: string }> = [];
  const notices: typeof problems = [];
  const texts = new Map<string, string>();
  const verified = new Map<string, RecordLine[]>();
  for (const f of files) {
    const text = await readFile(f, 'utf8');
    const v = verifyChain(text);
    lines += v.lines.length;
    const rel = path.relative(ctx.root, f).split(path.sep).join('/');
    texts.set(rel, text);
    verified.set(rel, v.lines);
    for (const p of v.problems) problems.push({ file: rel, line: p.line, code: p.code, message: p.message });
    if (v.problemsNotListed > 0)
      problems.push({
        file: rel,
        line: v.problems.at(-1)!.line,
        code: 'record.more',
        message: `and ${v.problemsNotListed} more problems in this file after line ${v.problems.at(-1)!.line}, not listed`,
      });
  }
  // Heads anchored in the next record, and every file against what git committed (append-only everywhere).
  appendAll(problems, checkAnchors(verified));
  const scopes = (targets.length ? targets : ['records']).map((t) => path.relative(ctx.root, path.resolve(ctx.root, t)).split(path.sep).join('/'));
  const inScope = (p: string) => scopes.some((s) => p === s || p.startsWith(`${s}/`));
  // The same reader and judge as the report's (scripts/records/git-versions.ts, history.ts): one answer to "was it rewritten".
  const history = await readRecordHistory(ctx.root);
  const inGit = history.head !== undefined;
  if (inGit) {
    const modified = new Set((await readWorkingTreeState(ctx.root, ['records']))?.modified ?? []);
    const found: HistoryProblem[] = [];
    for (const [rel, text] of texts) appendAll(found, checkRecordHistory(rel, history.versions.get(rel) ?? [], Buffer.from(text), historyFactsFor(history, rel, modified.has(rel))).problems);
    appendAll(
      found,
      checkMissingRecords(history, (p) => texts.has(p), inScope),
    );
    // Lines after the last commit, and files not committed yet, are reported without failing: CI commits what it wrote.
    for (const h of await locateRewrites(ctx.root, found, history, async (p) => texts.get(p) ?? ''))
      (h.code === 'record.history.uncommitted' || h.code === 'record.history.untracked' ? notices : problems).push({ file: h.path, line: h.line, code: h.code, message: h.message });
    const e = history.epoch;
    if (e)
      notices.unshift({
        file: 'records',
        line: 1,
        code: 'record.history-reset',
        message: `history compared since commit ${e.commit.slice(0, 12)} (${e.reason !== undefined ? `Records-Reset: ${e.reason}` : 'the commit that emptied records/'})`,
      });
  }
  // Every commit a record cites must be one an auditor can open: here, or in a history bundle under records/history/.
  const cited = await checkCitedCommits(ctx.root, verified);
  for (const c of cited.findings) (c.severity === 'error' ? problems : notices).push({ file: c.file, line: c.line, code: c.code, message: c.message });
  problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  if (wantJson) ctx.stdout.write(sanitizeJson(JSON.stringify({ files: files.length, lines, problems, notices, git: inGit, cited_commits: cited.summary }, null, 2)) + '\n');
  else {
    // File names and messages carry text a pull request controls (names, commit messages): visible escapes.
    for (const p of problems) ctx.stdout.write(`${sanitizeForLog(`${p.file}:${p.line}  ${p.code}  ${p.message}`)}\n`);
    for (const p of notices) ctx.stdout.write(`${sanitizeForLog(`${p.file}:${p.line}  ${p.code}  ${p.message}`)}\n`);
    if (cited.summary)
      ctx.stdout.write(
        `cited commits: ${cited.summary.found} of ${cited.summary.cited} found${cited.summary.in_bundles ? ` (${cited.summary.in_bundles} in ${cited.summary.bundles.join(', ')})` : ''}\n`,
      );
    ctx.stdout.write(
      `${files.length} record file(s), ${lines} line(s): ${problems.length === 0 ? `every chain verifies${inGit ? ' and extends what git committed' : ' (not a git work tree: not compared with history)'}` : `${problems.length} problem(s)`}${notices.some((n) => n.code.startsWith('record.history.un')) ? `; ${notices.filter((n) => n.code.startsWith('record.history.un')).length} file(s) with uncommitted lines` : ''}\n`,
    );
  }
  return problems.length === 0 ? ExitCode.clean : ExitCode.findings;
};
