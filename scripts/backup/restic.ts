/**
 * How opsgate invokes restic on a host. Pure; shared by `backup verify`, the
 * `backup_fresh` precheck and (issue 17) `converge backup`.
 *
 * Contract:
 * - the repository password never appears on a command line or in a file: it is
 *   the first line of the command's stdin, read by a constant script
 *   (RESTIC_WITH_PASSWORD) into RESTIC_PASSWORD of restic's own environment;
 * - every other value (repository, snapshot id, paths, hosts, tags) is one
 *   separate argument, quoted by the SSH edge's one quoting function; values
 *   that would be read as options are refused, and the repository travels as
 *   `--repo=VALUE` so it can never be taken for another flag;
 * - restic runs as root (`sudo -n`) unless told otherwise: it reads what root
 *   backed up and writes restores with their owners;
 * - `--no-cache`: nothing of a verification stays on the host.
 */
import { rendered, type RenderedCommand } from '../remote/commands.ts';
import { quoteArgv } from '../ssh/quote.ts';

/** Reads the password line from stdin, exports it for restic alone, then runs "$@". Never echoes it. */
export const RESTIC_WITH_PASSWORD = [
  'IFS= read -r RESTIC_PASSWORD || { echo "opsgate: no repository password on stdin" >&2; exit 97; }',
  'export RESTIC_PASSWORD',
  'unset RESTIC_PASSWORD_FILE RESTIC_PASSWORD_COMMAND RESTIC_REPOSITORY RESTIC_REPOSITORY_FILE',
  'exec "$@"',
].join('\n');

/** Exit status of RESTIC_WITH_PASSWORD when stdin held no password line. */
export const NO_PASSWORD_EXIT = 97;

export interface ResticTarget {
  /** Repository as restic understands it (path, sftp:, rest:, s3:, …). */
  repository: string;
  /** Name of the runner's environment variable holding the password. */
  passwordEnv: string;
}

export interface ResticOptions {
  /** Run as the login instead of root. */
  noSudo?: boolean;
  /** `--no-lock` (read-only commands on a repository another process may hold). */
  noLock?: boolean;
}

export class ResticArgumentError extends TypeError {}

function operand(value: string, what: string): string {
  if (value.length === 0) throw new ResticArgumentError(`${what} is empty`);
  if (value.startsWith('-')) throw new ResticArgumentError(`${what} '${value}' starts with '-' and could be read as an option`);
  if (/[\0\r\n]/.test(value)) throw new ResticArgumentError(`${what} contains a line break or NUL`);
  return value;
}

/** `restic --repo=REPO --no-cache [--no-lock] SUBCOMMAND ARGS…`; every value checked by `operand`. */
export function resticArgv(repository: string, subcommand: string, args: readonly string[], options: ResticOptions = {}): string[] {
  operand(repository, 'repository');
  if (!/^[a-z][a-z-]*$/.test(subcommand)) throw new ResticArgumentError(`'${subcommand}' is not a restic subcommand`);
  return ['restic', `--repo=${repository}`, '--no-cache', ...(options.noLock ? ['--no-lock'] : []), subcommand, ...args];
}

/** A filter flag with its value as one argument (`--host=web-01`), the value checked. */
export function flag(name: string, value: string): string {
  if (!/^--[a-z][a-z-]*$/.test(name)) throw new ResticArgumentError(`'${name}' is not a long option`);
  if (/[\0\r\n]/.test(value) || value.length === 0) throw new ResticArgumentError(`${name} needs a one-line value`);
  return `${name}=${value}`;
}

/** A snapshot id: hex (8 or 64), or `latest`. */
export function snapshotOperand(id: string): string {
  if (id !== 'latest' && !/^[0-9a-f]{8,64}$/.test(id)) throw new ResticArgumentError(`'${id}' is not a snapshot id`);
  return id;
}

/** An absolute path operand. */
export function pathOperand(p: string): string {
  if (!p.startsWith('/')) throw new ResticArgumentError(`path '${p}' is not absolute`);
  return operand(p, 'path');
}

/** The command that runs `argv` with the password on stdin; `argv[0]` is restic or a constant script. */
export function renderWithPassword(argv: readonly string[], options: ResticOptions = {}): RenderedCommand {
  return rendered(['sh', '-c', RESTIC_WITH_PASSWORD, 'opsgate-restic', ...argv], !options.noSudo);
}

/** One restic invocation, ready for the SSH edge: the rendered command and what goes on stdin. */
export function renderRestic(target: ResticTarget, subcommand: string, args: readonly string[], options: ResticOptions = {}): RenderedCommand {
  return renderWithPassword(resticArgv(target.repository, subcommand, args, options), options);
}

/** The stdin of a rendered restic command: the password line. A password with a line break cannot be passed this way. */
export function passwordStdin(password: string): string {
  if (/[\r\n]/.test(password)) throw new ResticArgumentError('the repository password contains a line break; restic reads one line');
  return `${password}\n`;
}

/** The evidence string a record shows for a command: restic's argv as a person would type it, without sudo and the password wrapper. */
export function evidenceOf(argv: readonly string[]): string {
  return quoteArgv(argv);
}
