/**
 * Every command through the shipped bin (scripts/bin/opsgate.mjs, the bundle):
 * --help exits 0 and prints that command's usage, unknown options and bad values
 * exit 2 with the usage, never a stack trace.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, splitGlobalArgs } from '../../scripts/bin/run-cli.ts';
import { HelpRequested, integer, is, list, oneOf, parseCommandArgs, parseSubcommand, seconds } from '../../scripts/commands/args.ts';
import { commands } from '../../scripts/commands/index.ts';
import { UsageError } from '../../scripts/model/errors.ts';
import { BIN } from '../helpers/bin.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';
import { capture, discard } from '../helpers/capture.ts';

const run = promisify(execFile);
let empty: string;

async function bin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { cwd: empty, env: { PATH: process.env.PATH, NO_COLOR: '1', HOME: empty } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

beforeAll(async () => {
  empty = await mkdtemp(path.join(os.tmpdir(), 'og-args-'));
});
afterAll(async () => {
  if (empty) await rm(empty, { recursive: true, force: true });
});

const NAMES = Object.keys(commands);

describe('every command through the real bin', () => {
  it('covers the whole registry', () => {
    expect(NAMES).toEqual(expect.arrayContaining(['lint', 'new', 'gate', 'plan', 'apply', 'converge', 'records', 'inspect', 'report', 'demo', 'land', 'secrets', 'doctor', 'calendar']));
  });

  it.each(NAMES)('%s --help exits 0 with its usage on stdout, and does nothing else', async (name) => {
    const r = await bin([name, '--help']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^usage: opsgate ${name}\\b`));
    // demo --help used to run the demo.
    expect(r.stdout).not.toMatch(/━━/);
    const short = await bin([name, '-h', '--no-such-option']);
    expect(short.code).toBe(0);
    expect(short.stdout).toBe(r.stdout);
  });

  it.each(NAMES)('%s with an unknown option exits 2 naming it, with the usage', async (name) => {
    const r = await bin([name, '--no-such-option']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^opsgate: unknown option '--no-such-option'/);
    expect(r.stderr).toMatch(new RegExp(`hint: usage: opsgate ${name}\\b`));
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    [['plan', 'CHG-2026-0001', '--format', 'pdf'], /--format must be one of text, markdown, json, not 'pdf'/],
    [['plan'], /missing the change to plan/],
    [['plan', 'CHG-1', 'CHG-2'], /unexpected argument 'CHG-2'/],
    [['apply', '--due', '--concurrency', '0'], /--concurrency must be a whole number from 1 to 500, not '0'/],
    [['apply', '--due', '--lock-ttl', '5m'], /--lock-ttl must be a whole number/],
    [['apply', 'CHG-1', '--resolve', 'web-01:step:s1=done'], /--resolve only makes sense with --resume/],
    [['apply', 'CHG-1', '--resume', '--resolve', 'x'], /^opsgate: apply: --resolve must be HOST:PHASE:STEP=done\|failed/],
    [['apply', 'CHG-1', '--dry-run=yes'], /option '--dry-run' does not take an argument/i],
    [['converge', 'access', '--concurrency=-1'], /--concurrency must be a whole number/],
    [['converge', 'access', '--hosts', '--check'], /option '--hosts' argument is ambiguous \(a value that starts with - is written --option=VALUE\)$/m],
    [['converge', 'everything'], /expected what to converge: access, baseline or backup, not 'everything'/],
    [['converge', 'access', '--baselines', 'x'], /unknown option '--baselines' for converge access: it is an option of converge baseline/],
    [['converge', 'backup', '--confirm-seconds', '60'], /unknown option '--confirm-seconds' for converge backup: it is an option of converge access and converge baseline/],
    [['incident', 'ack', 'INC-2026-0001', '--by', 'li-lei', '--role', 'vendor'], /unknown option '--role' for incident ack: it is an option of incident escalate/],
    [['calendar', 'export', '--ics', '--year', '2027'], /unknown option '--year' for calendar export: it is an option of calendar sync/],
    [
      ['backup', 'verify', '--concurrency', '0', '--format', 'xml'],
      /^opsgate: backup verify: --format must be one of text, json, github, not 'xml'; --concurrency must be a whole number from 1 to 100, not '0'/,
    ],
    [['incident', 'ack', 'INC-2026-0001', '--by', 'li-lei', '--at', 'yesterday'], /--at 'yesterday' is not a time/],
    [['calendar', 'export', '--ics', '--from', '2026-02-30'], /--from must be a date as YYYY-MM-DD, not '2026-02-30'/],
    [['land', 'lease', '--flow', 'nope', '--run', '1'], /--flow must be one of apply, /],
    [['inspect', '--timeout', '0'], /--timeout must be a positive number of seconds/],
    [['inspect', 'web-01'], /unexpected argument 'web-01'/],
    [['gate', '--pr', 'abc'], /--pr must be a pull request number/],
    [['gate', '--simulate'], /--simulate/],
    [['report', 'audit', '--lang', 'fr'], /--lang must be one of/],
    [['report'], /missing the report kind/],
    [['new', 'change', '--title', 't', '--type', 'weird'], /--type must be one of standard, normal, emergency, not 'weird'/],
    [['new', 'change', '--title', 't', '--level', '2'], /unknown option '--level' for new change: it is an option of new incident/],
    [['records', 'verify', '--json=1'], /does not take an argument/],
    [['records'], /missing a subcommand/],
    [['demo', '2026-13'], /the period must be a month as YYYY-MM/],
    [['lint', '--format'], /argument missing/],
    [['--root'], /--root needs a directory/],
  ])('%j exits 2 with a message', async (args, message) => {
    const r = await bin(args);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('opsgate --help exits 0; opsgate alone exits 2 with the command list', async () => {
    const help = await bin(['--help']);
    expect(help.code).toBe(0);
    for (const name of NAMES) expect(help.stdout).toContain(`  ${name}`);
    const none = await bin([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^usage: opsgate <command>/);
  });
});

describe('the shared parser', () => {
  const spec = {
    usage: 'usage: opsgate x',
    options: { format: { type: 'string' }, flag: { type: 'boolean' }, many: { type: 'string', multiple: true } },
    positionals: { max: 1, name: 'the thing' },
  } as const;

  it('parses values, repeated options and one positional', () => {
    const r = parseCommandArgs(['a', '--format=json', '--flag', '--many', 'x,y', '--many', 'z'], spec);
    expect(r.values).toEqual({ format: 'json', flag: true, many: ['x,y', 'z'] });
    expect(r.positionals).toEqual(['a']);
    expect(list(r.values.many)).toEqual(['x', 'y', 'z']);
  });

  it('--help wins over anything else, but not after --', () => {
    expect(() => parseCommandArgs(['--bogus', '--help'], spec)).toThrow(HelpRequested);
    expect(() => parseCommandArgs(['--', '--help'], spec)).not.toThrow();
  });

  it.each([
    [['--bogus'], /unknown option '--bogus'/],
    [['--flag=1'], /does not take an argument/],
    [['a', 'b'], /unexpected argument 'b'/],
    [['--format'], /argument missing/],
  ])('%j is a UsageError carrying the usage', (argv, message) => {
    let err: unknown;
    try {
      parseCommandArgs(argv, spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(message);
    expect((err as UsageError).hint).toBe('usage: opsgate x');
  });

  it.each([
    ['oneOf', () => oneOf('format', 'xml', ['text', 'json'])],
    ['integer below min', () => integer('n', '0')],
    ['integer above max', () => integer('n', '501', { max: 500 })],
    ['integer with a unit', () => integer('n', '5m')],
    ['integer fraction', () => integer('n', '1.5')],
    ['seconds zero', () => seconds('t', '0')],
    ['seconds word', () => seconds('t', 'soon')],
  ])('%s refuses a bad value', (_name, f) => {
    expect(f).toThrow(UsageError);
  });

  it('accepts good values', () => {
    expect(oneOf('format', 'json', ['text', 'json'])).toBe('json');
    expect(integer('n', '500', { max: 500 })).toBe(500);
    expect(seconds('t', '1.5')).toBe(1500);
    expect(integer('n', undefined)).toBeUndefined();
  });

  it.each([
    [['lint', '--root', 'repo', '--format', 'json'], '/w/repo', false, ['lint', '--format', 'json']],
    [['--debug', 'plan', 'CHG-1', '--root=/abs'], '/abs', true, ['plan', 'CHG-1']],
    [['new', 'change', '--', '--root', 'x'], '/w', false, ['new', 'change', '--', '--root', 'x']],
  ])('global options %j are taken from anywhere', (argv, root, debug, rest) => {
    expect(splitGlobalArgs(argv, '/w')).toEqual({ root, debug, rest });
  });
});

describe('subcommands, each with its own options', () => {
  const group = {
    command: 'x',
    subcommands: {
      a: {
        summary: 'the a',
        usage: 'usage: opsgate x a [--one N]',
        options: { one: { type: 'string', value: 'N', help: 'one', check: is.integer({ max: 9 }) }, both: { type: 'boolean', help: 'both' } },
      },
      b: { summary: 'the b', usage: 'usage: opsgate x b [--two]', positionals: { max: 1 }, options: { two: { type: 'boolean', help: 'two' }, both: { type: 'boolean', help: 'both' } } },
    },
  } as const;
  const usageError = (argv: string[]) => {
    try {
      parseSubcommand(argv, group);
    } catch (e) {
      if (e instanceof UsageError) return e.message;
      throw e;
    }
    throw new Error('no usage error');
  };

  it('finds the subcommand after options, and parses only its options', () => {
    expect(parseSubcommand(['--one', '3', 'a', '--both'], group)).toEqual({ sub: 'a', values: { one: '3', both: true }, positionals: [] });
    expect(parseSubcommand(['b', '--', '--one'], group)).toEqual({ sub: 'b', values: {}, positionals: ['--one'] });
  });

  it("refuses the other subcommand's options and unknown ones, all in one message, naming who takes each", () => {
    expect(usageError(['b', '--one=1', '--zz', '--both'])).toBe("unknown option '--one' for x b: it is an option of x a; unknown option '--zz' for x b");
  });

  it('checks every value and counts arguments, all at once, located by the subcommand', () => {
    expect(usageError(['a', '--one', '10', 'extra'])).toBe("x a: unexpected argument 'extra'; --one must be a whole number from 1 to 9, not '10'");
  });

  it('help: the command lists its subcommands; a subcommand lists exactly its options', () => {
    const help = (argv: string[]) => {
      try {
        parseSubcommand(argv, group);
      } catch (e) {
        if (e instanceof HelpRequested) return e.text;
      }
      throw new Error('no help');
    };
    expect(help(['--help'])).toMatch(/^usage: opsgate x a \[--one N\]\n {7}opsgate x b \[--two\]\n\n {2}a {2}the a\n {2}b {2}the b\n/);
    expect(help(['b', '-h'])).toBe('usage: opsgate x b [--two]\n\n  --two               two\n  --both              both\n');
  });

  it('no subcommand, or an unknown one, names the choices', () => {
    expect(usageError([])).toBe('missing a subcommand: a or b');
    expect(usageError(['c'])).toBe("expected a or b, not 'c'");
  });
});

describe('IntegrityError is unusable input (exit 2), not an internal error', () => {
  it('gate --record onto a tampered decision chain exits 2 and names the file', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'og-integrity-'));
    try {
      for (const dir of ['policies', 'inventory', 'schemas']) await cp(path.join(repoRoot, dir), path.join(root, dir), { recursive: true });
      const sim = path.join(repoRoot, 'test/fixtures/gate/simulate-db-change.json');
      const gate = async () => {
        const err = capture();
        const code = await runCli(['--root', root, 'gate', '--simulate', sim, '--record'], { env: {}, stdout: discard(), stderr: err.stream, cwd: root });
        return { code, err: err.text() };
      };
      const first = await gate();
      expect([0, 1]).toContain(first.code);
      const file = path.join(root, 'records/gate/yunfan/ops/pr-7.jsonl');
      const text = await readFile(file, 'utf8');
      await writeFile(file, text.replace('"gate.decision"', '"gate.decisioN"'));
      const second = await gate();
      expect(second.err).toMatch(/refusing to append to .*pr-7\.jsonl/);
      expect(second.code).toBe(2);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
