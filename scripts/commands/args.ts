/**
 * The one argument parser every command uses: node:util parseArgs, strict, with
 * `--help`/`-h` on every command. Unknown options, missing values and bad values
 * are UsageErrors (exit 2) carrying the command's usage; `--help` throws a
 * HelpRequested that the entry point prints to stdout with exit 0.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../model/errors.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandSpec<O extends Options> {
  /** `usage: opsgate NAME ...` lines. */
  usage: string;
  /** The full help: usage, what it does, each option. Defaults to usage. */
  help?: string;
  options: O;
  /** How many positionals the command takes (default: none), and what they are called in messages. */
  positionals?: { min?: number; max?: number; name?: string };
}

/** `--help` was given: the entry point prints `text` to stdout and exits 0. */
export class HelpRequested extends Error {
  override readonly name = 'HelpRequested';
  constructor(readonly text: string) {
    super('help requested');
  }
}

/** Parses a command's argv; never returns on `--help` (which wins over any other argument) or on a usage error. */
export function parseCommandArgs<O extends Options>(argv: readonly string[], spec: CommandSpec<O>) {
  const end = argv.indexOf('--');
  if ((end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h')) throw new HelpRequested((spec.help ?? spec.usage).replace(/\n*$/, '\n'));
  let parsed;
  try {
    parsed = parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>({ args: [...argv], options: spec.options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(plainParseError(e as Error), spec.usage);
  }
  const { min = 0, max = 0, name = 'argument' } = spec.positionals ?? {};
  const n = parsed.positionals.length;
  if (n > max) throw new UsageError(`unexpected argument${n - max > 1 ? 's' : ''} '${parsed.positionals.slice(max).join(' ')}'`, spec.usage);
  if (n < min) throw new UsageError(`missing ${name}`, spec.usage);
  return parsed;
}

/** parseArgs' messages name the API ("To specify a positional argument starting with a '-'..."); keep the first sentence. */
function plainParseError(e: Error): string {
  const code = (e as NodeJS.ErrnoException).code;
  const first = e.message.split('\n')[0]!.split('. ')[0]!.replace(/\.$/, '');
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return first.replace(/^Unknown option/, 'unknown option');
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return first.replace(/^Option/, 'option') + (/ambiguous/.test(first) ? ' (a value that starts with - is written --option=VALUE)' : '');
  return first;
}

/** One of a fixed set of values, or a UsageError naming them. */
export function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[], usage?: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, not '${value}'`, usage);
  return value as T;
}

/** A whole number in [min, max], or a UsageError. */
export function integer(flag: string, value: string | undefined, { min = 1, max = Number.MAX_SAFE_INTEGER }: { min?: number; max?: number } = {}, usage?: string): number | undefined {
  if (value === undefined) return undefined;
  const n = /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${flag} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}, not '${value}'`, usage);
  return n;
}

/** A positive number of seconds, returned in milliseconds. */
export function seconds(flag: string, value: string | undefined, usage?: string): number | undefined {
  if (value === undefined) return undefined;
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!(n > 0)) throw new UsageError(`--${flag} must be a positive number of seconds, not '${value}'`, usage);
  return Math.round(n * 1000);
}

/** A comma-separated list (repeatable options are joined first); empty items dropped. */
export function list(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value])
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}
