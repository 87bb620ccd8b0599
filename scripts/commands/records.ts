import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from './context.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import { checkAnchors } from '../records/anchor.ts';
import { verifyChain, type RecordLine } from '../records/chain.ts';
import { checkAgainstHistory, readRecordHistory } from '../records/git-history.ts';
import { parseCommandArgs } from './args.ts';
import { checkCitedCommits } from '../records/check-cited-commits.ts';
import { sanitizeForLog, sanitizeJson } from '../render/sanitize.ts';

const USAGE = 'usage: opsgate records verify [PATH...] [--json]';
const HELP = `${USAGE}

Verifies the hash chain of every evidence file (JSON Lines) under records/, or under each
PATH, and that each extends what git committed; names each edited, removed, reordered or
truncated line as file:line  code  message.

  --json   print the files, line count, problems and notices as JSON

exit codes: 0 every chain verifies, 1 a problem, 2 usage, 3 internal error
`;
const SPEC = { usage: USAGE, help: HELP, options: { json: { type: 'boolean' } }, positionals: { min: 1, max: Infinity, name: 'a subcommand: verify' } } as const;

async function collect(p: string, out: string[]): Promise<void> {
  const s = await stat(p).catch(() => undefined);
  if (!s) throw new UsageError(`${p} does not exist`, USAGE);
  if (s.isFile()) { out.push(p); return; }
  for (const e of (await readdir(p, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const child = path.join(p, e.name);
    if (e.isDirectory()) await collect(child, out);
    else if (e.isFile() && e.name.endsWith('.jsonl')) out.push(child);
  }
}

/** Verifies hash chains; names every tampered, removed or truncated line. Exit 1 on any problem. */
export const recordsCommand: Command = async (ctx) => {
  const { values, positionals } = parseCommandArgs(ctx.argv, SPEC);
  const [sub, ...targets] = positionals;
  if (sub !== 'verify') throw new UsageError(`unknown records subcommand '${sub}'`, USAGE);
  const wantJson = values.json === true;
  const files: string[] = [];
  const recordsDir = path.join(ctx.root, 'records');
  if (targets.length === 0) { if (await stat(recordsDir).catch(() => undefined)) await collect(recordsDir, files); }
  else for (const t of targets) await collect(path.resolve(ctx.root, t), files);
  let lines = 0;
  const problems: Array<{ file: string; line: number; code: string; message: string }> = [];
  const notices: typeof problems = [];
  const texts = new Map<string, string | undefined>();
  const verified = new Map<string, RecordLine[]>();
  for (const f of files) {
    const text = await readFile(f, 'utf8');
    const v = verifyChain(text);
    lines += v.lines.length;
    const rel = path.relative(ctx.root, f).split(path.sep).join('/');
    texts.set(rel, text);
    verified.set(rel, v.lines);
    for (const p of v.problems) problems.push({ file: rel, line: p.line, code: p.code, message: p.message });
  }
  // Heads anchored in the next record, and every file against what git committed (append-only everywhere).
  problems.push(...checkAnchors(verified));
  const scopes = (targets.length ? targets : ['records']).map((t) => path.relative(ctx.root, path.resolve(ctx.root, t)).split(path.sep).join('/'));
  const inScope = (p: string) => scopes.some((s) => p === s || p.startsWith(`${s}/`));
  const history = await readRecordHistory(ctx.root);
  if (history) {
    for (const p of history.head.keys()) if (inScope(p) && !texts.has(p)) texts.set(p, undefined);
    for (const h of checkAgainstHistory(history, texts, inScope)) (h.severity === 'error' ? problems : notices).push({ file: h.file, line: h.line, code: h.code, message: h.message });
    if (history.reset) notices.unshift({ file: 'records', line: 1, code: 'record.history-reset', message: `history compared since commit ${history.reset.commit.slice(0, 12)} (Records-Reset: ${history.reset.reason})` });
  }
  // Every commit a record cites must be one an auditor can open: here, or in a history bundle under records/history/.
  const cited = await checkCitedCommits(ctx.root, verified);
  for (const c of cited.findings) (c.severity === 'error' ? problems : notices).push({ file: c.file, line: c.line, code: c.code, message: c.message });
  problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  if (wantJson) ctx.stdout.write(sanitizeJson(JSON.stringify({ files: files.length, lines, problems, notices, git: Boolean(history), cited_commits: cited.summary }, null, 2)) + '\n');
  else {
    // File names and messages carry text a pull request controls (names, commit messages): visible escapes.
    for (const p of problems) ctx.stdout.write(`${sanitizeForLog(`${p.file}:${p.line}  ${p.code}  ${p.message}`)}\n`);
    for (const p of notices) ctx.stdout.write(`${sanitizeForLog(`${p.file}:${p.line}  ${p.code}  ${p.message}`)}\n`);
    if (cited.summary) ctx.stdout.write(`cited commits: ${cited.summary.found} of ${cited.summary.cited} found${cited.summary.in_bundles ? ` (${cited.summary.in_bundles} in ${cited.summary.bundles.join(', ')})` : ''}\n`);
    ctx.stdout.write(`${files.length} record file(s), ${lines} line(s): ${problems.length === 0 ? `every chain verifies${history ? ' and extends what git committed' : ' (not a git work tree: not compared with history)'}` : `${problems.length} problem(s)`}${notices.some((n) => n.code === 'record.uncommitted') ? `; ${notices.filter((n) => n.code === 'record.uncommitted').length} file(s) with uncommitted lines` : ''}\n`);
  }
  return problems.length === 0 ? ExitCode.clean : ExitCode.findings;
};
