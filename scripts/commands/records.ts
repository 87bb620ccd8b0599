import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from './context.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import { readRecordFile } from '../records/writer.ts';
import { parseCommandArgs } from './args.ts';

const USAGE = 'usage: opsgate records verify [PATH...] [--json]';
const HELP = `${USAGE}

Verifies the hash chain of every evidence file (JSON Lines) under records/, or under each
PATH, and names each edited, removed, reordered or truncated line as file:line  code  message.

  --json   print the files, line count and problems as JSON

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
  for (const f of files) {
    const v = await readRecordFile(f);
    lines += v.lines.length;
    const rel = path.relative(ctx.root, f).split(path.sep).join('/');
    for (const p of v.problems) problems.push({ file: rel, line: p.line, code: p.code, message: p.message });
  }
  if (wantJson) ctx.stdout.write(JSON.stringify({ files: files.length, lines, problems }, null, 2) + '\n');
  else {
    for (const p of problems) ctx.stdout.write(`${p.file}:${p.line}  ${p.code}  ${p.message}\n`);
    ctx.stdout.write(`${files.length} record file(s), ${lines} line(s): ${problems.length === 0 ? 'every chain verifies' : `${problems.length} problem(s)`}\n`);
  }
  return problems.length === 0 ? ExitCode.clean : ExitCode.findings;
};
