/**
 * The sample organisation is a snapshot of 2026-12-01 (scripts/demo/sample-clock.ts):
 * its advisories fall due, its waivers expire and its runbook reviews lapse as the real
 * calendar moves on, exactly as a real organisation's would. So the suite, CI and the demo
 * read it as of its snapshot date, on any machine date, while lint on the real clock still
 * goes red (the product working). The global `--now` that makes this possible is honoured
 * only by the commands that evaluate and change nothing; everything that acts or writes
 * evidence refuses it.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { NOW_COMMANDS } from '../../scripts/bin/now-option.ts';
import { commands } from '../../scripts/commands/index.ts';
import { SAMPLE_AS_OF } from '../../scripts/demo/sample-clock.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';

/** Machine dates after the sample's advisories, waivers, contracts and reviews fall due (measured with faketime). */
const LATER = ['2026-12-22T10:00:00Z', '2027-01-15T10:00:00Z', '2027-06-01T10:00:00Z', '2028-03-01T10:00:00Z', '2031-01-01T00:00:00Z'];

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'og-sample-clock-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Runs the CLI in process on the repository's own sample with the machine's clock at `machine`. */
async function cli(argv: string[], machine: string, cwd = repoRoot) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += String(d)));
  stderr.on('data', (d) => (err += String(d)));
  const code = await runCli(argv, { env: {}, stdout, stderr, cwd, now: () => new Date(machine) });
  return { code, out, err };
}

const errorsOf = (out: string) => (JSON.parse(out) as { diagnostics: { severity: string; code: string; file: string }[] }).diagnostics.filter((d) => d.severity === 'error');

describe('the sample organisation on any machine date', () => {
  it.each(LATER)('lints clean as of its snapshot date with the machine clock at %s', async (machine) => {
    const r = await cli(['--now', SAMPLE_AS_OF, 'lint', '--format', 'json'], machine);
    expect(errorsOf(r.out)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/evaluating at 2026-11-30T16:00:00\.000Z \(--now\)/);
  });

  it('on the real clock it goes red once its advisories are overdue: the rules are not weakened', async () => {
    const r = await cli(['lint', '--format', 'json'], '2027-01-15T10:00:00Z');
    expect(r.code).toBe(1);
    const codes = errorsOf(r.out).map((d) => `${d.file} ${d.code}`);
    expect(codes).toContain('policies/advisories/cve-2023-48795.yaml advisory.overdue');
    expect(codes).toContain('policies/advisories/cve-2025-26465.yaml advisory.overdue');
    expect(codes).toContain('policies/backup/db-mysql.yaml backup.verification-overdue');
  });

  it('--now is what lint evaluates at: a later instant finds what falls due by then, whatever the machine clock', async () => {
    const r = await cli(['lint', '--format', 'json', '--now=2027-01-15T18:00:00+08:00'], SAMPLE_AS_OF);
    expect(r.code).toBe(1);
    expect(errorsOf(r.out).map((d) => d.code)).toContain('advisory.overdue');
  });

  it('the demo reads the sample as of its snapshot date on any machine date, and says so', async () => {
    const r = await cli(['demo', '--out', path.join(tmp, 'demo')], '2028-03-01T10:00:00Z');
    expect(r.out).not.toMatch(/unexpected/);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`The sample organisation as of ${SAMPLE_AS_OF}`);
  }, 120_000);

  it("CI's lint of the sample, the sample reports and the README use the snapshot date", async () => {
    const ci = await readFile(path.join(repoRoot, '.ci/run'), 'utf8');
    const lintLines = ci.split('\n').filter((l) => /opsgate\b.*\blint\b/.test(l));
    expect(lintLines.length).toBeGreaterThan(0);
    for (const l of lintLines) expect(l).toContain(`--now ${SAMPLE_AS_OF}`);
    const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['sample:reports']).toContain(`--at ${SAMPLE_AS_OF}`);
    const readme = await readFile(path.join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain(`opsgate --now ${SAMPLE_AS_OF} lint`);
  });
});

describe('--now, the global evaluation instant', () => {
  const refusing = Object.keys(commands).filter((c) => !NOW_COMMANDS.includes(c));

  it('is honoured only by commands that evaluate and change nothing', () => {
    expect([...NOW_COMMANDS].sort()).toEqual(['demo', 'lint', 'plan', 'report']);
    for (const acting of ['apply', 'gate', 'land', 'converge', 'inspect', 'backup', 'incident', 'incidents', 'handover']) expect(refusing).toContain(acting);
  });

  it.each(refusing)('%s refuses it with exit 2 before it runs, wherever it stands', async (name) => {
    for (const argv of [
      ['--now', SAMPLE_AS_OF, name],
      [name, `--now=${SAMPLE_AS_OF}`, '--help'],
    ]) {
      const r = await cli(argv, SAMPLE_AS_OF, tmp);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`--now is refused by ${name}: it runs on the real clock`);
      expect(r.out).toBe('');
    }
  });

  it.each([
    [['--now', '2026-12-01', 'lint'], /with offset/],
    [['--now', '2026-12-01T00:00:00', 'lint'], /with offset/],
    [['--now', 'tomorrow', 'lint'], /with offset, not 'tomorrow'/],
    [['--now', '2026-13-01T00:00:00Z', 'lint'], /with offset, not/],
    [['lint', '--now'], /--now needs a date-time/],
    [['--now=', 'lint'], /--now needs a date-time/],
    [['--now', SAMPLE_AS_OF, '--now', SAMPLE_AS_OF, 'lint'], /--now given twice/],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const r = await cli(argv, SAMPLE_AS_OF, tmp);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).toMatch(/hint: e\.g\. --now 2026-12-01T00:00:00\+08:00|given twice/);
  });

  it('is in the global help, with the commands that take it', async () => {
    const r = await cli(['--help'], SAMPLE_AS_OF, tmp);
    expect(r.out).toMatch(/--now ISO-8601 .*only demo, lint, plan, report|--now ISO-8601 .*only lint, plan, report, demo/);
  });
});
