import path from 'node:path';
import { parseArgs } from 'node:util';
import { HelpRequested } from '../commands/args.ts';
import { commands } from '../commands/index.ts';
import { ExitCode, GitHubApiError, IntegrityError, SshError, UsageError } from '../model/errors.ts';
import { describeFileSystemError, FILE_SYSTEM_HINT } from '../model/file-system-error.ts';
import { readVersion } from '../model/version.ts';
import { requireRepositoryRoot } from '../repo/repository-root.ts';
import { checkNowAllowed, NOW_COMMANDS, parseNow } from './now-option.ts';

interface CliIo {
  env: NodeJS.ProcessEnv;
  /** The clock commands read (tests inject one); the machine's clock otherwise. */
  now?: () => Date;
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  cwd: string;
}

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return [
    'usage: opsgate <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'global options: --root DIR (repository root, default: current directory), --debug (stack traces),',
    `  --now ISO-8601 (evaluate at this instant, with offset, instead of the machine's clock; only ${NOW_COMMANDS.join(', ')})`,
    'exit codes: 0 clean, 1 findings, 2 unusable input or usage, 3 internal error',
  ].join('\n');
}

/**
 * Takes the global options (`--root DIR`, `--debug`, `--now ISO`) from anywhere in argv and
 * returns the rest for the command, whose own parser validates it.
 */
export function splitGlobalArgs(argv: readonly string[], cwd: string): { root: string; debug: boolean; now?: Date; rest: string[] } {
  const options = { root: { type: 'string' }, debug: { type: 'boolean' }, now: { type: 'string' } } as const;
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const drop = new Set<number>();
  let root = cwd;
  let debug = false;
  let now: Date | undefined;
  for (const t of tokens) {
    if (t.kind === 'option-terminator') break;
    if (t.kind !== 'option' || !(t.name in options)) continue;
    if (t.rawName !== `--${t.name}`) continue;
    drop.add(t.index);
    if (t.name === 'debug') {
      if (t.inlineValue) throw new UsageError('--debug takes no value');
      debug = true;
      continue;
    }
    if (!t.inlineValue && t.value !== undefined) drop.add(t.index + 1);
    if (t.name === 'now') {
      if (now) throw new UsageError('--now given twice');
      now = parseNow(t.value);
      continue;
    }
    if (t.value === undefined || t.value === '') throw new UsageError('--root needs a directory', 'e.g. --root path/to/repository');
    root = path.resolve(cwd, t.value);
  }
  return { root, debug, ...(now ? { now } : {}), rest: argv.filter((_, i) => !drop.has(i)) };
}

/** Parses global flags, runs one command, and maps every error to an exit code. Never throws. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let root: string;
  let debug: boolean;
  let rest: string[];
  let now: Date | undefined;
  try {
    ({ root, debug, now, rest } = splitGlobalArgs(argv, io.cwd));
  } catch (err) {
    return reportError(err, io, false);
  }
  const [name, ...args] = rest;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? io.stdout : io.stderr).write(usage() + '\n');
    return name ? ExitCode.clean : ExitCode.unusable;
  }
  if (name === '--version') {
    io.stdout.write(`opsgate ${await readVersion()}\n`);
    return ExitCode.clean;
  }
  const entry = commands[name];
  if (!entry) {
    io.stderr.write(`opsgate: unknown command '${name}'. Expected one of: ${Object.keys(commands).join(', ')}\n`);
    return ExitCode.unusable;
  }
  try {
    if (now) checkNowAllowed(name);
    // `init DIR` creates its directory; every other command reads the repository at root.
    if (name !== 'init' && !args.includes('--help') && !args.includes('-h')) await requireRepositoryRoot(root);
    const command = await entry.load();
    const clock = now ? { now: () => new Date(now.getTime()), nowSet: true } : { now: io.now ?? (() => new Date()) };
    if (now) io.stderr.write(`opsgate: evaluating at ${now.toISOString()} (--now), not the machine's clock\n`);
    return await command({ argv: args, root, env: io.env, stdout: io.stdout, stderr: io.stderr, ...clock, debug });
  } catch (err) {
    return reportError(err, io, debug);
  }
}

/** The one place errors become exit codes. */
function reportError(err: unknown, io: CliIo, debug: boolean): number {
  const { stderr } = io;
  if (err instanceof HelpRequested) {
    io.stdout.write(err.text);
    return ExitCode.clean;
  }
  if (err instanceof IntegrityError) {
    // Tampered or truncated evidence is unusable input, not a bug of ours.
    stderr.write(`opsgate: ${err.message}\n`);
    return ExitCode.unusable;
  }
  if (err instanceof UsageError) {
    stderr.write(`opsgate: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
    return ExitCode.unusable;
  }
  if (err instanceof GitHubApiError || err instanceof SshError) {
    stderr.write(`opsgate: ${err.message}\n`);
    if (debug && err.stack) stderr.write(err.stack + '\n');
    return ExitCode.findings;
  }
  const fileSystem = describeFileSystemError(err);
  if (fileSystem) {
    stderr.write(`opsgate: ${fileSystem}\nhint: ${FILE_SYSTEM_HINT}\n`);
    if (debug && err instanceof Error && err.stack) stderr.write(err.stack + '\n');
    return ExitCode.unusable;
  }
  const message = err instanceof Error ? err.message : String(err);
  stderr.write(`opsgate: internal error: ${message}\n`);
  stderr.write(debug && err instanceof Error && err.stack ? err.stack + '\n' : 'run again with --debug for the stack trace\n');
  return ExitCode.internal;
}
