/**
 * The ONE quoting function for remote commands. Every argument that reaches a
 * remote shell goes through `quoteArg`; no YAML value is ever pasted into a
 * shell string. Pure.
 */

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** POSIX single-quote one argument: `it's` → `'it'\''s'`. NUL bytes cannot be passed in argv and are refused. */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) throw new TypeError('an argument for a remote command cannot contain a NUL byte');
  if (arg.length > 0 && SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Quotes an argument list into one command line for `sh -c`. The list must not be empty. */
export function quoteArgv(argv: readonly string[]): string {
  if (argv.length === 0) throw new TypeError('an empty argument list is not a command');
  return argv.map(quoteArg).join(' ');
}

/**
 * Refuses a value that would be read as an option where a positional operand is
 * expected (`-rf`, `--help`). Use for values that come from documents.
 */
export function assertOperand(value: string, what: string): string {
  if (value.startsWith('-')) throw new TypeError(`${what} '${value}' starts with '-' and could be read as an option`);
  return value;
}
