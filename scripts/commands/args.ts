/**
 * The one argument parser every command uses: node:util parseArgs, strict, with
 * `--help`/`-h` on every command and subcommand. A command declares its options
 * (type, value name, one help line, a value check); a command with subcommands
 * declares each subcommand's own options, and an option only another subcommand
 * takes is refused naming the one that does. Unknown options, missing values and
 * bad values are UsageErrors (exit 2) carrying the usage, all of them at once;
 * `--help` throws a HelpRequested that the entry point prints to stdout with exit 0.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../model/errors.ts';
import type { ValueCheck } from './args-checks.ts';

export { is, type ValueCheck } from './args-checks.ts';

export interface OptionDecl {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** The value's name in help: FILE, N, a,b. */
  value?: string;
  /** What the option does, for the generated --help (a '\n' continues the text on the next line). */
  help?: string;
  /** Run on every value before the command starts. */
  check?: ValueCheck;
}
export type Options = Readonly<Record<string, Readonly<OptionDecl>>>;

export interface CommandSpec<O extends Options = Options> {
  /** `usage: opsgate NAME ...` lines. */
  usage: string;
  /** The full help, written by hand; otherwise generated from usage, about, the options and footer. */
  help?: string;
  /** A paragraph for the generated help. */
  about?: string;
  /** The last lines of the generated help (exit codes). */
  footer?: string;
  options: O;
  /** How many positionals the command takes (default: none), and what they are called in messages. */
  positionals?: { min?: number; max?: number; name?: string };
}

export interface SubcommandSpec<O extends Options = Options> extends CommandSpec<O> {
  /** One line for the command's own --help. */
  summary: string;
}

/** A command made of subcommands (`converge access|baseline|backup`): each declares exactly its own options. */
export interface GroupSpec<S extends Readonly<Record<string, SubcommandSpec>> = Readonly<Record<string, SubcommandSpec>>> {
  command: string;
  /** What the subcommand names, for messages: 'what to converge', 'the report kind'. */
  what?: string;
  about?: string;
  footer?: string;
  subcommands: S;
}

export type ArgsSpec = CommandSpec | GroupSpec;

type ValueOf<D> = D extends { type: 'boolean' } ? (D extends { multiple: true } ? boolean[] : boolean) : D extends { multiple: true } ? string[] : string;
export type Values<O extends Options> = { -readonly [K in keyof O]?: ValueOf<O[K]> };
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
type AllOptions<S extends Readonly<Record<string, SubcommandSpec>>> = UnionToIntersection<S[keyof S]['options']> & Options;

/** `--help` was given: the entry point prints `text` to stdout and exits 0. */
export class HelpRequested extends Error {
  override readonly name = 'HelpRequested';
  constructor(readonly text: string) {
    super('help requested');
  }
}

export function isGroup(spec: ArgsSpec): spec is GroupSpec {
  return 'subcommands' in spec;
}

/** The help a command prints: its own text, or one generated from what it declares. */
export function renderHelp(spec: CommandSpec): string {
  if (spec.help) return spec.help.replace(/\n*$/, '\n');
  const entries = Object.entries(spec.options).map(([k, o]) => [`--${k}${o.value ? ` ${o.value}` : ''}`, o.help ?? ''] as const);
  const width = Math.max(18, ...entries.map(([l]) => l.length)) + 2;
  const lines = entries.map(([l, h]) => `  ${l.padEnd(width)}${h.split('\n').join(`\n  ${' '.repeat(width)}`)}`.trimEnd());
  return [spec.usage, ...(spec.about ? ['', spec.about] : []), ...(lines.length ? ['', ...lines] : ['', '  (no options)']), ...(spec.footer ? ['', spec.footer] : [])].join('\n') + '\n';
}

/** The help of a command made of subcommands: each subcommand's usage and summary. */
export function renderGroupHelp(group: GroupSpec): string {
  const subs = Object.entries(group.subcommands);
  const width = Math.max(...subs.map(([n]) => n.length)) + 2;
  return (
    [
      ...subs.map(([, s]) => s.usage.replace(/^usage: /, '       ')).map((l, i) => (i === 0 ? l.replace(/^ {7}/, 'usage: ') : l)),
      ...(group.about ? ['', group.about] : []),
      '',
      ...subs.map(([n, s]) => `  ${n.padEnd(width)}${s.summary}`),
      '',
      `Each subcommand takes its own options: opsgate ${group.command} ${subs[0]![0]} --help`,
      ...(group.footer ? ['', group.footer] : []),
    ].join('\n') + '\n'
  );
}

const wantsHelp = (argv: readonly string[]) => {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
};

/** Parses a command's argv; never returns on `--help` (which wins over any other argument) or on a usage error. */
export function parseCommandArgs<O extends Options>(argv: readonly string[], spec: CommandSpec<O>): { values: Values<O>; positionals: string[] } {
  return parseLeaf(argv, spec, undefined, {});
}

/**
 * Parses `opsgate COMMAND SUB [options]`: SUB is the first argument that is not an
 * option; the rest is parsed against SUB's own options only.
 */
export function parseSubcommand<S extends Readonly<Record<string, SubcommandSpec>>>(
  argv: readonly string[],
  group: GroupSpec<S>,
): { sub: keyof S & string; values: Values<AllOptions<S>>; positionals: string[] } {
  const names = Object.keys(group.subcommands);
  const choices = names.join(', ').replace(/, ([^,]*)$/, ' or $1');
  const expected = `${group.what ?? 'a subcommand'}: ${choices}`;
  const groupUsage = renderGroupHelp(group).split('\n\n')[0]!;
  const all = Object.assign({}, ...Object.values(group.subcommands).map((s) => s.options)) as Options;
  const { tokens } = parseArgs({ args: [...argv], options: { ...parserOptions(all), help: { type: 'boolean', short: 'h' } }, strict: false, allowPositionals: true, tokens: true });
  const first = tokens.find((t) => t.kind === 'positional' || t.kind === 'option-terminator');
  if (first?.kind !== 'positional') {
    if (wantsHelp(argv)) throw new HelpRequested(renderGroupHelp(group));
    const unknown = tokens.find((t) => t.kind === 'option' && !Object.hasOwn(all, t.name));
    throw new UsageError(`${unknown?.kind === 'option' ? `unknown option '${unknown.rawName}'; ` : ''}missing ${expected}`, groupUsage);
  }
  const sub = first.value;
  if (!Object.hasOwn(group.subcommands, sub)) throw new UsageError(`expected ${group.what ? expected : choices}, not '${sub}'`, groupUsage);
  const rest = argv.filter((_, i) => i !== first.index);
  const siblings = Object.fromEntries(
    Object.entries(group.subcommands)
      .filter(([n]) => n !== sub)
      .map(([n, s]) => [`${group.command} ${n}`, s.options]),
  );
  const { values, positionals } = parseLeaf(rest, group.subcommands[sub]!, `${group.command} ${sub}`, siblings);
  return { sub, values: values as Values<AllOptions<S>>, positionals };
}

/** The options as parseArgs takes them (without value names, help and checks). */
function parserOptions(options: Options) {
  return Object.fromEntries(Object.entries(options).map(([k, o]) => [k, { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}) }])) as Record<
    string,
    { type: 'string' | 'boolean'; multiple?: boolean; short?: string }
  >;
}

function parseLeaf<O extends Options>(argv: readonly string[], spec: CommandSpec<O>, name: string | undefined, siblings: Record<string, Options>): { values: Values<O>; positionals: string[] } {
  if (wantsHelp(argv)) throw new HelpRequested(renderHelp(spec));
  const usage = name ? `${spec.usage}\n(opsgate ${name} --help lists its options)` : spec.usage;
  const where = `${name ?? /^usage: opsgate (\S+)/.exec(spec.usage)?.[1] ?? 'opsgate'}: `;
  // First every option that is not this command's: all of them in one message, each with who takes it.
  const known = { ...Object.assign({}, ...Object.values(siblings)), ...spec.options } as Options;
  const { tokens } = parseArgs({ args: [...argv], options: parserOptions(known), strict: false, allowPositionals: true, tokens: true });
  const foreign: string[] = [];
  for (const t of tokens) {
    if (t.kind !== 'option' || Object.hasOwn(spec.options, t.name)) continue;
    const owners = Object.entries(siblings)
      .filter(([, o]) => Object.hasOwn(o, t.name) && t.rawName === `--${t.name}`)
      .map(([n]) => n);
    const text = `unknown option '${t.rawName}'${name ? ` for ${name}` : ''}${owners.length ? `: it is an option of ${owners.join(' and ')}` : ''}`;
    if (!foreign.includes(text)) foreign.push(text);
  }
  if (foreign.length) throw new UsageError(foreign.join('; '), usage);
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: parserOptions(spec.options), allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(where + plainParseError(e as Error), usage);
  }
  // Then every argument count and value problem, all at once, each naming the option.
  const bad: string[] = [];
  const { min = 0, max = 0, name: what = 'argument' } = spec.positionals ?? {};
  const n = parsed.positionals.length;
  if (n > max) bad.push(`unexpected argument${n - max > 1 ? 's' : ''} '${parsed.positionals.slice(max).join(' ')}'`);
  if (n < min) bad.push(`missing ${what}`);
  for (const [k, o] of Object.entries(spec.options)) {
    const v = parsed.values[k];
    if (!o.check || v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) {
      const problem = typeof one === 'string' ? o.check(one) : undefined;
      if (problem) bad.push(`--${k}${problem.startsWith(':') ? '' : ' '}${problem}`);
    }
  }
  if (bad.length) throw new UsageError(where + bad.join('; '), usage);
  return { values: parsed.values as Values<O>, positionals: parsed.positionals };
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
