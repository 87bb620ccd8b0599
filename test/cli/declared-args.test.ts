/**
 * Every command and subcommand, enumerated from the CLI's own registry (each
 * command's declared `ARGS`, not a hand list), through the shipped bin
 * (scripts/bin/opsgate.mjs, the bundle):
 * - `--help` exits 0 and documents exactly the options that command declares;
 * - an unknown option exits 2, naming it;
 * - an option only another subcommand of the same command takes exits 2, naming
 *   the subcommand that does take it (all of them in one message);
 * - every string option is checked: an empty value exits 2 naming the option,
 *   located by the command path, before anything runs.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGroup, type CommandSpec, type GroupSpec } from '../../scripts/commands/args.ts';
import { commands } from '../../scripts/commands/index.ts';
import { BIN } from '../helpers/bin.ts';

const run = promisify(execFile);
let empty: string;

async function bin(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { cwd: empty, env: { PATH: process.env.PATH, NO_COLOR: '1', HOME: empty, GITHUB_API_URL: 'http://127.0.0.1:9' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

beforeAll(async () => {
  empty = await mkdtemp(path.join(os.tmpdir(), 'og-declared-'));
});
afterAll(async () => {
  if (empty) await rm(empty, { recursive: true, force: true });
});

interface Leaf {
  /** `converge access`, or `lint`. */
  path: string[];
  spec: CommandSpec;
  /** The other subcommands of the same command and their options (none for a command without subcommands). */
  siblings: { path: string; options: CommandSpec['options'] }[];
}

const specs = await Promise.all(Object.entries(commands).map(async ([name, c]) => [name, await c.args()] as const));
const groups = specs.filter((s): s is readonly [string, GroupSpec] => isGroup(s[1]));
const leaves: Leaf[] = specs.flatMap(([name, spec]): Leaf[] =>
  isGroup(spec)
    ? Object.entries(spec.subcommands).map(([sub, s]) => ({
        path: [name, sub],
        spec: s,
        siblings: Object.entries(spec.subcommands)
          .filter(([other]) => other !== sub)
          .map(([other, o]) => ({ path: `${name} ${other}`, options: o.options })),
      }))
    : [{ path: [name], spec, siblings: [] }],
);
const leafCases = leaves.map((l) => [l.path.join(' '), l] as const);

/** The options a help text documents: each line that starts (after indentation) with `--name`. */
function documentedOptions(help: string): string[] {
  return [...new Set([...help.matchAll(/^[ \t]+(?:-[a-zA-Z], )?--([a-z][a-z0-9-]*)/gm)].map((m) => m[1]!))].sort();
}

describe('the registry declares every command', () => {
  it('reads every command of the registry, and the commands with subcommands among them', () => {
    expect(specs.map(([n]) => n)).toEqual(Object.keys(commands));
    // The commands this issue found sharing one option list across their subcommands.
    expect(groups.map(([n]) => n)).toEqual(expect.arrayContaining(['converge', 'incident', 'land', 'handover', 'calendar', 'secrets', 'new', 'backup']));
    expect(leaves.length).toBeGreaterThan(30);
  });

  it.each(groups.map(([n, g]) => [n, g] as const))('%s: an option name means the same in every subcommand that takes it', (_n, g) => {
    const types = new Map<string, string>();
    for (const s of Object.values(g.subcommands))
      for (const [k, o] of Object.entries(s.options)) {
        const t = `${o.type}${o.multiple ? '[]' : ''}`;
        expect(types.get(k) ?? t, `--${k}`).toBe(t);
        types.set(k, t);
      }
  });

  it.each(leafCases)('%s: every string option declares a check', (_p, l) => {
    expect(
      Object.entries(l.spec.options)
        .filter(([, o]) => o.type === 'string' && !o.check)
        .map(([k]) => k),
    ).toEqual([]);
  });
});

describe.concurrent('every command and subcommand through the real bin', () => {
  it.each(leafCases)('%s --help exits 0 and documents exactly its declared options', { timeout: 120_000 }, async (_p, l) => {
    const r = await bin([...l.path, '--help']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^usage: opsgate ${l.path.join(' ')}\\b`));
    expect(documentedOptions(r.stdout)).toEqual(Object.keys(l.spec.options).sort());
    // -h is --help, and wins over anything else.
    const short = await bin([...l.path, '-h', '--og-no-such-option']);
    expect(short.code).toBe(0);
    expect(short.stdout).toBe(r.stdout);
  });

  it.each(leafCases)('%s: an unknown option exits 2, naming it, with the usage', { timeout: 120_000 }, async (_p, l) => {
    const r = await bin([...l.path, '--og-no-such-option']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^opsgate: unknown option '--og-no-such-option'${l.path.length > 1 ? ` for ${l.path.join(' ')}` : ''}`));
    expect(r.stderr).toMatch(new RegExp(`hint: usage: opsgate ${l.path.join(' ')}\\b`));
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.each(leafCases.filter(([, l]) => l.siblings.some((s) => Object.keys(s.options).some((k) => !(k in l.spec.options)))))(
    "%s refuses every other subcommand's options, naming the one that takes each",
    { timeout: 120_000 },
    async (_p, l) => {
      const foreign = new Map<string, { type: string; owners: string[] }>();
      for (const s of l.siblings)
        for (const [k, o] of Object.entries(s.options)) {
          if (k in l.spec.options) continue;
          const f = foreign.get(k) ?? { type: o.type, owners: [] };
          f.owners.push(s.path);
          foreign.set(k, f);
        }
      const argv = [...foreign].map(([k, f]) => (f.type === 'string' ? `--${k}=x` : `--${k}`));
      const r = await bin([...l.path, ...argv]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      for (const [k, f] of foreign) expect(r.stderr).toContain(`unknown option '--${k}' for ${l.path.join(' ')}: it is an option of ${f.owners.join(' and ')}`);
    },
  );

  it.each(leafCases.filter(([, l]) => Object.values(l.spec.options).some((o) => o.type === 'string')))(
    '%s checks every string value before it runs: an empty one exits 2, located',
    { timeout: 120_000 },
    async (_p, l) => {
      const strings = Object.entries(l.spec.options)
        .filter(([, o]) => o.type === 'string')
        .map(([k]) => k);
      const r = await bin([...l.path, ...strings.map((k) => `--${k}=`)]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^opsgate: ${l.path.join(' ')}: `));
      for (const k of strings) expect(r.stderr).toMatch(new RegExp(`(^opsgate: ${l.path.join(' ')}: |; )--${k}[ :]`));
    },
  );

  it.each(groups.map(([n, g]) => [n, g] as const))('%s: --help names every subcommand; none or an unknown one exits 2', { timeout: 120_000 }, async (name, g) => {
    const help = await bin([name, '--help']);
    expect(help.code).toBe(0);
    for (const sub of Object.keys(g.subcommands)) expect(help.stdout).toMatch(new RegExp(`^  ${sub} `, 'm'));
    const none = await bin([name]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^opsgate: missing /);
    const bogus = await bin([name, 'og-bogus']);
    expect(bogus.code).toBe(2);
    expect(bogus.stderr).toMatch(/^opsgate: expected .*, not 'og-bogus'/);
  });
});
