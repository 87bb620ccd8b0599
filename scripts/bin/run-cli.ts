import path from 'node:path';
import { commands } from '../commands/index.ts';
import { ExitCode, GitHubApiError, SshError, UsageError } from '../model/errors.ts';
import { readVersion } from '../model/version.ts';

interface CliIo {
  env: NodeJS.ProcessEnv;
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
    'global options: --root DIR (repository root, default: current directory), --debug (stack traces)',
    'exit codes: 0 clean, 1 findings, 2 unusable input or usage, 3 internal error',
  ].join('\n');
}

/** Parses global flags, runs one command, and maps every error to an exit code. Never throws. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const rest: string[] = [];
  let root = io.cwd;
  let debug = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--debug') debug = true;
    else if (a === '--root') root = path.resolve(io.cwd, argv[++i] ?? '.');
    else if (a.startsWith('--root=')) root = path.resolve(io.cwd, a.slice(7));
    else rest.push(a);
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
    const command = await entry.load();
    return await command({ argv: args, root, env: io.env, stdout: io.stdout, stderr: io.stderr, now: () => new Date(), debug });
  } catch (err) {
    return reportError(err, io.stderr, debug);
  }
}

function reportError(err: unknown, stderr: NodeJS.WritableStream, debug: boolean): number {
  if (err instanceof UsageError) {
    stderr.write(`opsgate: ${err.message}\n${err.hint ? `hint: ${err.hint}\n` : ''}`);
    return ExitCode.unusable;
  }
  if (err instanceof GitHubApiError || err instanceof SshError) {
    stderr.write(`opsgate: ${err.message}\n`);
    if (debug && err.stack) stderr.write(err.stack + '\n');
    return ExitCode.findings;
  }
  const message = err instanceof Error ? err.message : String(err);
  stderr.write(`opsgate: internal error: ${message}\n`);
  stderr.write(debug && err instanceof Error && err.stack ? err.stack + '\n' : 'run again with --debug for the stack trace\n');
  return ExitCode.internal;
}
