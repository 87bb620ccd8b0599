import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { parseInspectArgs } from '../../scripts/commands/inspect.ts';
import { captureStdio } from '../helpers/capture.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

async function cli(argv: string[]) {
  const io = captureStdio();
  const code = await runCli(['inspect', '--root', ROOT, ...argv], { env: { PATH: process.env.PATH }, stdout: io.stdout, stderr: io.stderr, cwd: ROOT });
  return { code, out: io.out(), err: io.err() };
}

describe('opsgate inspect: usage and unusable input (no SSH needed)', () => {
  it.each([
    [['--format', 'xml'], /--format must be one of text, json, github/],
    [['--shard', '3/2'], /--shard must be i\/n/],
    [['--concurrency', '0'], /--concurrency must be a whole number from 1 to 500/],
    [['--timeout', 'soon'], /--timeout must be a positive number of seconds/],
    [['--bogus'], /unknown option '--bogus'/],
  ])('%j exits 2 with a message', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/at .*\.ts:\d+/);
  });

  it('names unknown hosts, groups and baselines and exits 2 before connecting', async () => {
    const r = await cli(['--hosts', 'nope-01', '--groups', 'nogroup', '--baselines', 'nobase']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/inspect\.unknown-host .*'nope-01'/);
    expect(r.err).toMatch(/inspect\.unknown-group .*'nogroup'/);
    expect(r.err).toMatch(/inspect\.unknown-baseline .*'nobase'/);
  });

  it('prints help', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/--record/);
  });

  it('parses flags', () => {
    expect(parseInspectArgs(['--hosts', 'a,b', '--hosts=c', '--shard', '2/4', '--timeout', '1.5', '--format=json'])).toMatchObject({
      hosts: ['a', 'b', 'c'],
      shard: { index: 2, count: 4 },
      timeoutMs: 1500,
      format: 'json',
    });
  });
});
