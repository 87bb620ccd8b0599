import { describe, expect, it, onTestFinished } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { COMMENT_MARKER, escapeMd, renderMarkdown } from '../../scripts/gate/render.ts';
import { evaluateGate } from '../../scripts/gate/evaluate.ts';
import { FIXTURES, ROOT } from './helpers.ts';

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const sink = (f: (s: string) => void) => ({ write: (s: string) => (f(String(s)), true) }) as unknown as NodeJS.WritableStream;
  const code = await runCli(argv, { env: {}, stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), cwd: ROOT });
  return { code, stdout, stderr };
}
const SIM = ['gate', '--root', path.join(FIXTURES, 'base'), '--simulate', '../simulate-db-change.json'];

describe('opsgate gate --simulate', () => {
  it('evaluates PR facts from a file against the working-tree policy (text)', async () => {
    const r = await cli(SIM);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^opsgate approval: PENDING/);
    expect(r.stdout).toContain('[pending] change-high-risk: 1 of 2 approvals; 1 more from chen-jie, liu-yang');
    expect(r.stdout).toMatch(/lina-yf #3 .* author/);
  });

  it('prints the explained tree as JSON', async () => {
    const r = await cli([...SIM, '--format', 'json']);
    const tree = JSON.parse(r.stdout);
    expect(tree.rules.map((x: { id: string; status: string }) => `${x.id}:${x.status}`)).toEqual([
      'change-normal:satisfied',
      'change-target-owners:satisfied',
      'change-high-risk:pending',
      'database-changes:satisfied',
      'incidents-and-runbooks:satisfied',
      'everything-else:satisfied',
    ]);
  });

  it('previews the sticky comment with --format github', async () => {
    const r = await cli([...SIM, '--format', 'github']);
    expect(r.stdout.startsWith(COMMENT_MARKER)).toBe(true);
    // People appear as display name and GitHub login, the @ neutralised so the comment never pings.
    expect(r.stdout).toContain(
      '| **change-high-risk**<br>High or critical risk change (CAB) | ⏳ pending | 2 of team cab | 张伟 (@\u200bzhangwei-yf) | 1 more of team cab (陈杰 (@\u200bchenjie-yf), 刘洋 (@\u200bliuyang-yf)) |',
    );
  });

  it.each([
    [['gate', '--pr', 'abc'], /--pr must be a pull request number/],
    [['gate', '--format', 'yaml'], /--format must be one of text, json, github/],
    [['gate', '--bogus'], /unknown option '--bogus'/],
    [['gate', '--simulate', 'missing.json'], /cannot read the simulation file/],
    [['gate', '--simulate', 'x.json', '--pr', '3'], /exclude each other/],
    [['gate', '--pr', '3'], /GITHUB_REPOSITORY is not set/],
  ])('usage error %j exits 2 with a message', async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('rendering', () => {
  it('PR-controlled text cannot forge markup or the marker', () => {
    const sim = JSON.parse(readFileSync(path.join(FIXTURES, 'simulate-db-change.json'), 'utf8'));
    const change = sim.pr.documents[0].change;
    change.title = `x | y ${COMMENT_MARKER} <img src=x> [link](http://evil)`;
    const result = evaluateGate({
      policy: { id: 'approval', teams: {}, governance: { paths: [], require: { count: 1, from: { people: ['a'] } } }, rules: [] },
      policy_commit: 'b',
      policy_file: 'policies/approval.yaml',
      calendar_file: 'policies/calendar.yaml',
      people: [],
      groups: [],
      freezes: [],
      pr: sim.pr,
      now: new Date(0),
      problems: [],
    });
    const md = renderMarkdown(result);
    expect(md.split(COMMENT_MARKER)).toHaveLength(2);
    expect(md).not.toMatch(/(?<!\\)<img/);
    expect(md).toContain(escapeMd('x | y'));
  });
});

describe('values a pull request controls never start a log line', () => {
  it('a changed file named with a newline and a workflow command stays on its line, escaped', async () => {
    const { mkdtemp, rm, writeFile } = await import('node:fs/promises');
    const os = await import('node:os');
    const sim = JSON.parse(readFileSync(path.join(FIXTURES, 'simulate-db-change.json'), 'utf8'));
    const evil = 'notes/x\n::stop-commands::pwned\n\u001b[2Jcleared.txt';
    sim.pr.files.push({ path: evil, status: 'added' });
    sim.pr.title = 'title\n::warning::injected';
    const dir = await mkdtemp(path.join(os.tmpdir(), 'og-gate-inj-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await writeFile(path.join(dir, 'sim.json'), JSON.stringify(sim));
    for (const format of ['text', 'github']) {
      const r = await cli(['gate', '--root', path.join(FIXTURES, 'base'), '--simulate', path.join(dir, 'sim.json'), '--format', format]);
      expect(r.stdout).toContain('stop-commands');
      expect(r.stdout.split('\n').filter((l) => l.startsWith('::'))).toEqual([]);
      // eslint-disable-next-line no-control-regex
      expect(r.stdout).not.toMatch(/\u001b/);
    }
  });
});
