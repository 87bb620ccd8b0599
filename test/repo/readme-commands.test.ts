import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { commands } from '../../scripts/commands/index.ts';

/**
 * The README's command reference, checked against the CLI: every documented command
 * exists and every command is documented, every documented subcommand is named in
 * the command's --help, every documented option is accepted, and the --dry-run
 * sentence is true both ways (the mutating commands it names take --dry-run; the
 * ones it says have none reject it).
 *
 * An option is probed as `opsgate CMD [SUB] --option --og-probe --og-probe`: the
 * parser stops at the first option it does not know, so the error calls `--option`
 * unknown exactly when the command does not accept it (a string option takes or refuses the
 * first probe as its value; the second is then unknown). Every probe is a usage
 * error (exit 2): nothing runs.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
const scratch = mkdtempSync(path.join(os.tmpdir(), 'og-readme-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Documented {
  command: string;
  subcommands: string[];
  options: string[];
  synopsis: string;
}

/** The command reference: the first cell of each row of the table under `## Commands`, one entry per code span. */
function documentedCommands(text: string): Documented[] {
  const section = text.slice(text.indexOf('\n## Commands'), text.indexOf('\n### Exit codes'));
  const rows = section.split('\n').filter((l) => l.startsWith('| `'));
  return rows.flatMap((row) => {
    const cell = row.slice(1, row.search(/[^\\]\|/) + 1);
    return [...cell.matchAll(/`([^`]+)`/g)].map((m) => {
      const synopsis = m[1]!.replace(/\\\|/g, '|');
      const [command, second] = synopsis.split(/\s+/);
      const subcommands = second && /^[a-z]+(\|[a-z]+)*$/.test(second) ? second.split('|') : [];
      const options = [...new Set([...synopsis.matchAll(/--[a-z][a-z-]*/g)].map((o) => o[0]))];
      return { command: command!, subcommands, options, synopsis };
    });
  });
}

/** The commands the README's --dry-run sentence lists as having it, and (in parentheses) as having none. */
function dryRunClaims(text: string): { have: string[]; none: string[] } {
  const flat = text.replace(/\s+/g, ' ');
  const have = /have `--dry-run`[^:]*:(.*?);/.exec(flat);
  const none = /\(([^()]*)\) have none/.exec(flat);
  if (!have || !none) throw new Error('README: the --dry-run sentences under the command reference were not found');
  const spans = (s: string) => [...s.matchAll(/`([^`]+)`/g)].map((x) => x[1]!);
  return { have: spans(have[1]!), none: spans(none[1]!) };
}

function sink(): Writable & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(c, _e, cb) {
      chunks.push(String(c));
      cb();
    },
  }) as Writable & { text: () => string };
  w.text = () => chunks.join('');
  return w;
}

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = sink();
  const stderr = sink();
  // An empty directory, no credentials, GitHub at a closed loopback port: should anything run, it finds nothing to act on.
  const env = { PATH: process.env.PATH ?? '', HOME: scratch, NO_COLOR: '1', GITHUB_API_URL: 'http://127.0.0.1:9' };
  const code = await runCli(argv, { env, stdout, stderr, cwd: scratch, now: () => new Date('2026-11-30T00:00:00Z') });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** Whether `argv` (a command, maybe a subcommand) accepts `option`; the probe never gets past the parser. */
async function accepts(argv: string[], option: string): Promise<boolean> {
  const r = await cli([...argv, option, '--og-probe', '--og-probe']);
  expect(r.code, `${argv.join(' ')} ${option}: ${r.stderr}`).toBe(2);
  return !r.stderr.toLowerCase().includes(`unknown option '${option}'`);
}

const documented = documentedCommands(readme);

describe('the README command reference', () => {
  it('reads the table (the parser itself)', () => {
    expect(documented.length).toBeGreaterThanOrEqual(Object.keys(commands).length);
    expect(documented.find((d) => d.command === 'backup')).toMatchObject({ subcommands: ['verify'], options: expect.arrayContaining(['--restore-test', '--due', '--record']) });
    expect(documented.find((d) => d.command === 'apply')?.options).toEqual(['--due', '--dry-run', '--resume']);
  });

  it('documents every command there is, and no command that is not', () => {
    expect([...new Set(documented.map((d) => d.command))].sort()).toEqual(Object.keys(commands).sort());
  });

  it.each(documented.filter((d) => d.subcommands.length > 0).map((d) => [d.synopsis, d] as const))("`%s`: each subcommand is named in the command's --help", async (_s, d) => {
    const help = await cli([d.command, '--help']);
    expect(help.code).toBe(0);
    expect(d.subcommands.filter((s) => !new RegExp(`\\b${s}\\b`).test(help.stdout))).toEqual([]);
  });

  it.each(documented.filter((d) => d.options.length > 0).map((d) => [d.synopsis, d] as const))('`%s`: every documented option is accepted', async (_s, d) => {
    const argv = [d.command, ...d.subcommands.slice(0, 1)];
    const refused: string[] = [];
    for (const o of d.options) if (!(await accepts(argv, o))) refused.push(o);
    expect(refused).toEqual([]);
  });

  it('the probe tells an unknown option from a known one', async () => {
    expect(await accepts(['lint'], '--format')).toBe(true);
    expect(await accepts(['apply'], '--dry-run')).toBe(true);
    expect(await accepts(['lint'], '--dry-run')).toBe(false);
    expect(await accepts(['backup', 'verify'], '--hosts')).toBe(true);
    expect(await accepts(['backup', 'verify'], '--dry-run')).toBe(false);
  });

  describe('--dry-run, as the README says', () => {
    const claims = dryRunClaims(readme);
    /** `converge` (all three targets) stands for each documented subcommand. */
    const expand = (claim: string) => {
      const [command, sub] = claim.split(/\s+/);
      if (sub?.startsWith('--') || sub === undefined) {
        const subs = documented.find((d) => d.command === command)?.subcommands ?? [];
        return subs.length ? subs.map((s) => [command!, s]) : [command!].map((c) => [c]);
      }
      return [[command!, sub]];
    };

    it('names the commands on both sides', () => {
      expect(claims.have).toEqual(expect.arrayContaining(['apply', 'converge', 'calendar sync', 'land push']));
      expect(claims.none).toEqual(expect.arrayContaining(['report', 'init']));
    });

    it.each(claims.have.flatMap(expand).map((a) => [a.join(' '), a] as const))('%s takes --dry-run', async (_n, argv) => {
      expect(await accepts(argv, '--dry-run')).toBe(true);
    });

    it.each(claims.none.flatMap(expand).map((a) => [a.join(' '), a] as const))('%s has none', async (_n, argv) => {
      expect(await accepts(argv, '--dry-run')).toBe(false);
    });
  });
});
