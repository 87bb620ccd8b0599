import { readFile, rm, appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { readRepo } from '../../scripts/repo/read-repo.ts';
import { readReportInput } from '../../scripts/report/read-input.ts';
import { listRecordFiles, readRecords } from '../../scripts/report/read-records.ts';
import { readGitHistory } from '../../scripts/report/git-history.ts';
import { execFileSync } from 'node:child_process';
import { createFixtureRepo } from './fixture-repo.ts';

async function cli(root: string, ...argv: string[]) {
  return cliWithEnv(root, { PATH: process.env.PATH }, ...argv);
}

async function cliWithEnv(root: string, env: NodeJS.ProcessEnv, ...argv: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  // The fixture's November has ended: the clock reads 2 December 2026 (09:00 in Shanghai).
  const code = await runCli(['--root', root, ...argv], { env, stdout: out, stderr: err, cwd: root, now: () => new Date('2026-12-02T01:00:00Z') });
  return { code, stdout, stderr };
}

let root: string;
beforeAll(async () => {
  root = (await createFixtureRepo()).root;
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('opsgate report on a real git repository with real records', () => {
  it('the fixture documents are all valid (a broken fixture would hide figures)', async () => {
    const model = await readRepo(root);
    expect(model.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('writes HTML, Markdown and JSON; two runs are byte-identical', async () => {
    const a = await cli(root, 'report', 'audit', '--period', '2026-11', '--out', 'out-a');
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const b = await cli(root, 'report', 'audit', '--period', '2026-11', '--out', 'out-b');
    expect(b.code).toBe(0);
    for (const ext of ['html', 'md', 'json']) {
      const x = await readFile(path.join(root, 'out-a', `audit-2026-11.zh-CN.${ext}`));
      const y = await readFile(path.join(root, 'out-b', `audit-2026-11.zh-CN.${ext}`));
      expect(x.length).toBeGreaterThan(1000);
      expect(x.equals(y), ext).toBe(true);
    }
  });

  it('the worker thread really reads the records, and gives the same input as this thread', async () => {
    const errors: unknown[] = [];
    const inWorker = await readReportInput(root, { workerMinBytes: 0, onWorkerError: (e) => errors.push(e) });
    expect(errors).toEqual([]);
    const here = await readReportInput(root);
    expect(inWorker.inspections.length).toBe(2);
    expect(JSON.stringify({ ...inWorker, git: null })).toBe(JSON.stringify({ ...here, git: null }));
  });

  it('inspection files claimed one at a time by the worker and this thread give the input one thread gives', async () => {
    const { root: other } = await createFixtureRepo();
    try {
      const text = await readFile(path.join(other, 'records/inspections/2026-11.jsonl'), 'utf8');
      for (const m of ['2026-07', '2026-08', '2026-09', '2026-10']) await writeFile(path.join(other, `records/inspections/${m}.jsonl`), text);
      const paths = await listRecordFiles(other);
      const errors: unknown[] = [];
      // This thread joins at once, so both threads claim files; one thread alone reads them all.
      const shared = await readRecords(other, paths, 'Asia/Shanghai', 0, (e) => errors.push(e), undefined, undefined, Promise.resolve());
      const alone = await readRecords(other, paths, 'Asia/Shanghai', Infinity);
      expect(errors).toEqual([]);
      expect(shared.inspections.map((r) => r.path)).toEqual(alone.inspections.map((r) => r.path));
      expect(shared.recordFiles.filter((f) => f.family === 'inspections').length).toBe(5);
      expect(JSON.stringify(shared)).toBe(JSON.stringify(alone));
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('record files read in a worker thread give byte-identical output', async () => {
    const worker = await cliWithEnv(root, { PATH: process.env.PATH, OPSGATE_REPORT_WORKER_MIN_BYTES: '0' }, 'report', 'audit', '--period', '2026-11', '--out', 'out-worker');
    expect(worker.stderr).toBe('');
    expect(worker.code).toBe(0);
    await cli(root, 'report', 'audit', '--period', '2026-11', '--out', 'out-here');
    for (const ext of ['html', 'md', 'json']) {
      const x = await readFile(path.join(root, 'out-worker', `audit-2026-11.zh-CN.${ext}`));
      const y = await readFile(path.join(root, 'out-here', `audit-2026-11.zh-CN.${ext}`));
      expect(x.equals(y), ext).toBe(true);
    }
  });

  it('computes the figures the fixture was built for, each traced to evidence with git commit and PR', async () => {
    await cli(root, 'report', 'audit', '--period', '2026-11', '--lang', 'en', '--format', 'json', '--out', 'out-en');
    const r = JSON.parse(await readFile(path.join(root, 'out-en', 'audit-2026-11.en.json'), 'utf8'));
    const fig = (section: { figures: { id: string; value: number | null }[] }, id: string) => section.figures.find((f) => f.id === id)?.value;
    expect(r.language).toBe('en');
    expect(r.generated_at).toBe('2026-12-01T00:00:00+08:00');
    expect(fig(r.changes, 'changes.total')).toBe(3);
    expect(fig(r.changes, 'changes.rollback_rate')).toBe(33.3);
    expect(r.changes.ungated.map((x: { change: string }) => x.change)).toEqual(['CHG-2026-0003']);
    expect(r.changes.outside_window.map((x: { change: string }) => x.change)).toEqual(['CHG-2026-0003']);
    expect(fig(r.changes, 'changes.approval_latency_median')).toBe(30);
    expect(fig(r.incidents, 'incidents.carried_over')).toBe(1);
    expect(r.incidents.breaches.map((b: { incident: string; measure: string }) => `${b.incident}:${b.measure}`)).toEqual(['INC-2026-0002:acknowledge']);
    expect(r.inspection.run.run).toBe('r-1130');
    expect(r.inspection.unreachable).toEqual([{ host: 'db-01', reason: 'connect: connection refused' }]);
    const compliance = r.inspection.figures.find((f: { id: string }) => f.id === 'inspection.compliance');
    expect([compliance.numerator, compliance.denominator]).toEqual([3, 9]);
    expect(r.inspection.frameworks.djbh.rows.filter((x: { checks: string[] }) => x.checks.length).map((x: { control: string; title: { zh: string } }) => `${x.control} ${x.title.zh}`)).toEqual([
      '8.1.4.1 身份鉴别',
      '8.1.4.2 访问控制',
    ]);
    // ISO controls sorted naturally, with titles; the ones nothing covers are named.
    expect(r.inspection.frameworks.iso27001.rows.map((x: { control: string }) => x.control).filter((c: string) => c.startsWith('A.8.'))).toEqual(['A.8.2', 'A.8.5', 'A.8.8', 'A.8.13', 'A.8.32']);
    expect(r.inspection.frameworks.iso27001.rows.find((x: { control: string }) => x.control === 'A.8.2').title.en).toBe('Privileged access rights');
    expect(r.inspection.frameworks.iso27001.uncovered.map((x: { control: string }) => x.control)).toContain('A.8.19');
    expect(r.access.leavers.map((l: { person: string }) => l.person)).toEqual(['zhou-qiang']);
    expect(r.access.drift).toEqual([{ host: 'web-01', check: 'access.authorized-keys', path: 'records/inspections/2026-11.jsonl' }]);
    const change = r.evidence.find((e: { path: string }) => e.path === 'changes/2026/CHG-2026-0001.yaml');
    expect(change.pr).toBe(12);
    expect(change.pr_url).toBe('https://github.com/example/ops/pull/12');
    expect(change.commit).toMatch(/^[0-9a-f]{40}$/);
    const rec = r.evidence.find((e: { path: string }) => e.path === 'records/inspections/2026-11.jsonl');
    expect(rec.kind).toBe('record');
    expect(rec.sha256).toMatch(/^[0-9a-f]{64}$/);
    // Every id a figure cites is in the manifest.
    const ids = new Set(r.evidence.map((e: { id: string }) => e.id));
    const cited = JSON.stringify(r)
      .match(/"E\d{4}"/g)!
      .map((s) => s.slice(1, -1));
    expect(cited.every((id) => ids.has(id))).toBe(true);
  });

  it('--at moves generated-at and the as-of figures; the default language comes from the organisation', async () => {
    const res = await cli(root, 'report', 'monthly', '--period', '2026-11', '--format', 'json', '--out', 'out-at', '--at', '2026-12-03T09:00:00+08:00');
    expect(res.code).toBe(0);
    const r = JSON.parse(await readFile(path.join(root, 'out-at', 'monthly-2026-11.zh-CN.json'), 'utf8'));
    expect(r.generated_at).toBe('2026-12-03T09:00:00+08:00');
    expect(r.kind).toBe('monthly');
  });

  it.each([
    [['report'], /missing the report kind: audit or monthly/],
    [['report', 'weekly', '--period', '2026-11'], /expected one report kind/],
    [['report', 'audit', '--period', '2026-13'], /--period must be a month/],
    [['report', 'audit', '--period', '2026-11', '--lang', 'fr'], /--lang must be one of/],
    [['report', 'audit', '--period', '2026-11', '--format', 'pdf'], /--format: 'pdf'/],
    [['report', 'audit', '--period', '2026-11', '--at', '2026-12-01'], /--at must be an ISO 8601 date-time with offset/],
  ])('usage error %j exits 2 with a message', async (argv, message) => {
    const res = await cli(root, ...argv);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});

describe('secrets never reach a report', () => {
  it('a token in the git remote or the environment appears in no output', async () => {
    const repo = (await createFixtureRepo()).root;
    const token = 'ghp_0123456789abcdefSECRETtoken';
    try {
      execFileSync('git', ['-C', repo, 'remote', 'add', 'origin', `https://x-access-token:${token}@github.com/example/ops.git`]);
      const history = await readGitHistory(repo);
      expect(history.remoteUrl).toBe('https://github.com/example/ops');
      const res = await cliWithEnv(repo, { PATH: process.env.PATH, GITHUB_TOKEN: token, RESTIC_PASSWORD_WEB: token }, 'report', 'audit', '--period', '2026-11', '--out', 'out');
      expect(res.code).toBe(0);
      expect(res.stdout + res.stderr).not.toContain(token);
      for (const ext of ['html', 'md', 'json']) expect(await readFile(path.join(repo, 'out', `audit-2026-11.zh-CN.${ext}`), 'utf8')).not.toContain(token);
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
});

describe('integrity failures are reported in the report, not skipped', () => {
  it.each([
    ['a truncated last line', async (file: string) => appendFile(file, '{"seq":4,"prev":"00'), 'record.truncated'],
    [
      'an edited line (broken hash chain)',
      async (file: string) => {
        const text = await readFile(file, 'utf8');
        await writeFile(file, text.replace('"outcome":"succeeded","failures":0', '"outcome":"succeeded","failures":9'));
      },
      'record.hash',
    ],
  ])('%s', async (_name, damage, code) => {
    const repo = (await createFixtureRepo()).root;
    try {
      await damage(path.join(repo, 'records/changes/CHG-2026-0001/20261105T140500Z-aaaaaa.jsonl'));
      const res = await cli(repo, 'report', 'audit', '--period', '2026-11', '--out', 'out');
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('records/changes/CHG-2026-0001/20261105T140500Z-aaaaaa.jsonl');
      const r = JSON.parse(await readFile(path.join(repo, 'out', 'audit-2026-11.zh-CN.json'), 'utf8'));
      expect(r.integrity.problems.map((p: { code: string }) => p.code)).toContain(code);
      expect(r.summary.attention.map((f: { id: string }) => f.id)).toContain('integrity.problems');
      const md = await readFile(path.join(repo, 'out', 'audit-2026-11.zh-CN.md'), 'utf8');
      expect(md).toContain('records/changes/CHG-2026-0001/20261105T140500Z-aaaaaa.jsonl');
      expect(md).toContain(code);
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });

  it('an invalid document is not counted, is listed, and is pinned in the evidence manifest', async () => {
    const repo = (await createFixtureRepo()).root;
    try {
      await writeFile(path.join(repo, 'changes/2026/CHG-2026-0009.yaml'), 'id: CHG-2026-0009\ntitle: [unclosed\n');
      const res = await cli(repo, 'report', 'audit', '--period', '2026-11', '--format', 'json', '--out', 'out');
      // The figures it would feed are incomplete, so the report cannot be signed as is.
      expect(res.code).toBe(1);
      const r = JSON.parse(await readFile(path.join(repo, 'out', 'audit-2026-11.zh-CN.json'), 'utf8'));
      expect(r.integrity.document_problems.map((d: { file: string }) => d.file)).toEqual(['changes/2026/CHG-2026-0009.yaml']);
      expect(r.integrity.figures.find((f: { id: string }) => f.id === 'documents.invalid').value).toBe(1);
      const total = r.changes.figures.find((f: { id: string }) => f.id === 'changes.total');
      expect([total.value, total.incomplete]).toEqual([3, ['gap.document_invalid']]);
      expect(r.status.gaps.map((g: { code: string; path: string }) => `${g.code} ${g.path}`)).toContain('gap.document_invalid changes/2026/CHG-2026-0009.yaml');
      expect(r.evidence.find((e: { path: string }) => e.path === 'changes/2026/CHG-2026-0009.yaml').sha256).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });

  it('an unreadable calendar: the zone read ahead falls back to UTC, and the calendar is a located document problem, not a crash', async () => {
    const repo = (await createFixtureRepo()).root;
    try {
      await writeFile(path.join(repo, 'policies/calendar.yaml'), 'timezone: Asia/Shanghai\nholidays: [unclosed\n');
      const res = await cli(repo, 'report', 'audit', '--period', '2026-11', '--format', 'json', '--out', 'out');
      expect(res.code).toBe(1);
      const r = JSON.parse(await readFile(path.join(repo, 'out', 'audit-2026-11.zh-CN.json'), 'utf8'));
      const problems = r.integrity.document_problems.filter((d: { file: string }) => d.file === 'policies/calendar.yaml');
      expect(problems.length).toBeGreaterThan(0);
      expect(problems[0].line).toBeGreaterThanOrEqual(2);
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });

  it('zero records: every section says "no data"; the closure that claims a run without a record is a missing input', async () => {
    const repo = (await createFixtureRepo({ records: false })).root;
    try {
      const res = await cli(repo, 'report', 'audit', '--period', '2026-11', '--lang', 'en', '--format', 'md', '--out', 'out');
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('gap.closure_without_record');
      const md = await readFile(path.join(repo, 'out', 'audit-2026-11.en.md'), 'utf8');
      expect(md).toContain('No inspection ran in this period: compliance cannot be stated.');
      expect(md).toMatch(/Baseline compliance \| no data/);
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });
});
