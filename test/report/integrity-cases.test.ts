/**
 * The report's integrity promises, attacked the way an auditor did (issue 14,
 * items 4–6): an input made unreadable or removed never improves a figure
 * silently; evidence outside git is flagged on the cover; periods that have
 * not ended, or hold no evidence, say so. Each case runs the real CLI on a
 * real git repository and exits 1 (or says why not).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { GENESIS, renderRecordLine } from '../../scripts/records/chain.ts';
import { RecordWriter } from '../../scripts/records/writer.ts';
import { createFixtureRepo } from './fixture-repo.ts';

const DEC_2 = () => new Date('2026-12-02T01:00:00Z');

async function cli(root: string, argv: string[], now = DEC_2) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const code = await runCli(['--root', root, ...argv], { env: { PATH: process.env.PATH }, stdout: out, stderr: err, cwd: root, now });
  return { code, stdout, stderr };
}

function git(root: string, ...args: string[]): string {
  return execFileSync('git', ['-C', root, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.invalid',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.invalid',
      GIT_AUTHOR_DATE: '2026-12-01T12:00:00+08:00',
      GIT_COMMITTER_DATE: '2026-12-01T12:00:00+08:00',
    },
  });
}
const commitAll = (root: string, message: string) => {
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', message);
};

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
async function report(root: string, extra: string[] = [], now = DEC_2): Promise<{ code: number; stderr: string; r: Json; html: string }> {
  const res = await cli(root, ['report', 'audit', '--period', '2026-11', '--lang', 'en', '--format', 'json,html', '--out', 'out', ...extra], now);
  const period = extra.includes('--period') ? extra[extra.indexOf('--period') + 1]! : '2026-11';
  const base = path.join(root, 'out', `audit-${period}.en`);
  return { code: res.code, stderr: res.stderr, r: JSON.parse(await readFile(`${base}.json`, 'utf8')), html: await readFile(`${base}.html`, 'utf8') };
}
const fig = (section: Json, id: string): Json => section.figures.find((f: Json) => f.id === id);

let root: string;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('a clean fixture is the baseline', () => {
  it('exits 0 with no banner', async () => {
    root = (await createFixtureRepo()).root;
    git(root, 'status', '--porcelain');
    const { code, r, html } = await report(root);
    expect(code).toBe(0);
    expect(r.status.gaps).toEqual([]);
    expect(r.status.provisional).toBe(false);
    expect(html).not.toContain('id="banner-');
  });
});

describe('item 4: missing or unreadable input never improves a figure silently', () => {
  it('a schema-invalid incident leaves SLA attainment marked incomplete, on the figure and the cover; exit 1', async () => {
    root = (await createFixtureRepo()).root;
    const before = fig((await report(root)).r.incidents, 'incidents.sla_attainment');
    const file = path.join(root, 'incidents/2026/INC-2026-0002.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('level: 3', 'level: 7'));
    commitAll(root, 'an incident the schema refuses');
    const { code, r, html, stderr } = await report(root);
    expect(code).toBe(1);
    const after = fig(r.incidents, 'incidents.sla_attainment');
    expect(after.value).not.toBe(before.value);
    expect(after.incomplete).toEqual(['gap.document_invalid']);
    expect(r.status.provenance.modified).toEqual([]);
    expect(html).toContain('id="banner-incomplete"');
    expect(stderr).toContain('incidents/2026/INC-2026-0002.yaml  gap.document_invalid');
  });

  it('dropping the last inspection run (uncommitted or committed) marks compliance incomplete; exit 1', async () => {
    root = (await createFixtureRepo()).root;
    const file = path.join(root, 'records/inspections/2026-11.jsonl');
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    const lastRunStart = lines.findIndex((l) => l.includes('"run_id":"r-1130"'));
    await writeFile(file, lines.slice(0, lastRunStart).join('\n') + '\n');
    for (const committed of [false, true]) {
      if (committed) commitAll(root, 'drop the last run');
      const { code, r } = await report(root);
      expect(code).toBe(1);
      expect(fig(r.inspection, 'inspection.compliance').incomplete).toContain('gap.record_rewritten');
      expect(r.integrity.history.map((h: Json) => h.code)).toEqual(['record.history.rewritten']);
    }
  });

  it('a record file deleted and written again is named; without history to compare, the schedule still shows the last run is missing', async () => {
    root = (await createFixtureRepo()).root;
    const org = path.join(root, 'policies/organisation.yaml');
    await writeFile(org, (await readFile(org, 'utf8')) + 'inspection_every_hours: 24\n');
    const file = path.join(root, 'records/inspections/2026-11.jsonl');
    const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
    const kept =
      lines
        .slice(
          0,
          lines.findIndex((l) => l.includes('"run_id":"r-1130"')),
        )
        .join('\n') + '\n';
    // Removed in one commit and written again in the next: not a fresh start, the committed lines are gone.
    await rm(file);
    commitAll(root, 'remove');
    await writeFile(file, kept);
    commitAll(root, 'write again');
    let { code, r } = await report(root);
    expect(code).toBe(1);
    expect(r.integrity.history.map((h: Json) => [h.path, h.code])).toEqual([['records/inspections/2026-11.jsonl', 'record.history.deleted']]);
    expect(r.status.provenance.restarts.map((x: Json) => x.path)).toEqual(['records/inspections/2026-11.jsonl']);
    expect(fig(r.inspection, 'inspection.compliance').incomplete).toEqual(['gap.evidence_deleted', 'gap.inspection_stale']);
    // A repository whose history never held the dropped run: only the schedule can tell (and the gate's commits are gone with the old history).
    await rm(path.join(root, '.git'), { recursive: true });
    git(root, 'init', '-q', '-b', 'main');
    commitAll(root, 'a fresh history');
    ({ code, r } = await report(root));
    expect(code).toBe(1);
    expect(r.integrity.history).toEqual([]);
    expect(r.status.gaps.map((g: Json) => g.code)).toEqual(['gap.commit_missing', 'gap.inspection_stale']);
    expect(fig(r.inspection, 'inspection.compliance').incomplete).toEqual(['gap.inspection_stale']);
    expect(fig(r.inspection, 'inspection.runs_missed').value).toBe(29);
  });

  it("deleting a change's record folder: the records no longer say anything, the closure is not believed, rates are incomplete", async () => {
    root = (await createFixtureRepo()).root;
    await rm(path.join(root, 'records/changes/CHG-2026-0001'), { recursive: true });
    for (const committed of [false, true]) {
      if (committed) commitAll(root, 'delete the records of CHG-2026-0001');
      const { code, r } = await report(root);
      expect(code).toBe(1);
      expect(r.changes.discrepancies.map((d: Json) => [d.change, d.closure, d.records])).toEqual([['CHG-2026-0001', 'succeeded', 'no_record']]);
      expect(fig(r.changes, 'changes.success_rate').incomplete).toContain('gap.closure_without_record');
      expect(r.integrity.history.map((h: Json) => [h.path, h.code])).toEqual([['records/changes/CHG-2026-0001/20261105T140500Z-aaaaaa.jsonl', 'record.history.deleted']]);
    }
  });
});

describe('item 5: evidence outside git', () => {
  it('a document changed after the cited commit: a banner on the cover, exit 1', async () => {
    root = (await createFixtureRepo()).root;
    const file = path.join(root, 'incidents/2026/INC-2026-0002.yaml');
    await writeFile(file, (await readFile(file, 'utf8')) + '# edited\n');
    const { code, r, html } = await report(root);
    expect(code).toBe(1);
    expect(r.status.provenance.modified).toEqual(['incidents/2026/INC-2026-0002.yaml']);
    expect(html).toContain('id="banner-provenance"');
    expect(html).toContain('<code><span class="nw">incidents</span>/<wbr><span class="nw">2026</span>');
  });

  it('a record chain rewritten with recomputed hashes and committed is named against the earlier commit', async () => {
    root = (await createFixtureRepo()).root;
    const file = path.join(root, 'records/gate/example/ops/pr-12.jsonl');
    const lines = (await readFile(file, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Json);
    let head = GENESIS;
    const forged = lines.map((l, i) => {
      const { seq: _s, prev: _p, hash: _h, ...event } = l;
      if (i === 0) event.status = 'satisfied';
      const { text, hash } = renderRecordLine(head, i + 1, event as { at: string; type: string });
      head = hash;
      return text;
    });
    await writeFile(file, forged.join('\n') + '\n');
    commitAll(root, 'recompute the chain');
    const { code, r } = await report(root);
    expect(code).toBe(1);
    expect(r.integrity.problems).toEqual([]);
    expect(r.integrity.history.map((h: Json) => [h.path, h.code, h.line])).toEqual([['records/gate/example/ops/pr-12.jsonl', 'record.history.rewritten', 1]]);
  });

  it('a chain rewritten with recomputed hashes is caught by the head its successor anchored, even with no git history to compare', async () => {
    root = (await createFixtureRepo()).root;
    const dir = path.join(root, 'records/gate/example/ops');
    // The next PR's record file anchors the head of pr-12 when it begins (scripts/records/writer.ts).
    const next = await RecordWriter.open(path.join(dir, 'pr-13.jsonl'));
    await next.append({ at: '2026-11-20T10:00:00+08:00', type: 'gate.decision', pr: 13, status: 'pending', evaluated_at: '2026-11-20T10:00:00+08:00', rules: [] });
    await next.close();
    const file = path.join(dir, 'pr-12.jsonl');
    const lines = (await readFile(file, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Json);
    let head = GENESIS;
    const forged = lines.map((l, i) => {
      const { seq: _s, prev: _p, hash: _h, ...event } = l;
      if (i === 0) event.status = 'satisfied';
      const { text, hash } = renderRecordLine(head, i + 1, event as { at: string; type: string });
      head = hash;
      return text;
    });
    await writeFile(file, forged.join('\n') + '\n');
    await rm(path.join(root, '.git'), { recursive: true });
    const { code, r } = await report(root);
    expect(code).toBe(1);
    expect(r.integrity.problems.map((p: Json) => [p.path, p.code, p.line])).toEqual([['records/gate/example/ops/pr-12.jsonl', 'record.anchor', lines.length]]);
  });

  it('a sibling appended to after its successor began is fine; a line before the anchored head rewritten is not', async () => {
    root = (await createFixtureRepo()).root;
    const dir = path.join(root, 'records/gate/example/ops');
    const next = await RecordWriter.open(path.join(dir, 'pr-13.jsonl'));
    await next.append({ at: '2026-11-20T10:00:00+08:00', type: 'gate.decision', pr: 13, status: 'pending', evaluated_at: '2026-11-20T10:00:00+08:00', rules: [] });
    await next.close();
    const more = await RecordWriter.open(path.join(dir, 'pr-12.jsonl'));
    await more.append({ at: '2026-11-21T10:00:00+08:00', type: 'gate.decision', pr: 12, status: 'satisfied', evaluated_at: '2026-11-21T10:00:00+08:00', rules: [] });
    await more.close();
    await rm(path.join(root, '.git'), { recursive: true });
    expect((await report(root)).r.integrity.problems).toEqual([]);
    const file = path.join(dir, 'pr-12.jsonl');
    const lines = (await readFile(file, 'utf8'))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Json);
    let head = GENESIS;
    const forged = lines.map((l, i) => {
      const { seq: _s, prev: _p, hash: _h, ...event } = l;
      if (i === 0) event.status = 'failed';
      const { text, hash } = renderRecordLine(head, i + 1, event as { at: string; type: string });
      head = hash;
      return text;
    });
    await writeFile(file, forged.join('\n') + '\n');
    const { r } = await report(root);
    expect(r.integrity.problems.map((p: Json) => [p.path, p.code, p.line])).toEqual([['records/gate/example/ops/pr-12.jsonl', 'record.anchor', lines.length - 1]]);
  });

  it('a record citing a commit that exists nowhere is an integrity failure: gate figures incomplete, listed, exit 1', async () => {
    root = (await createFixtureRepo()).root;
    // A new PR's decision names a head commit no repository holds (no bundle under records/history/ either).
    const ghost = 'dead'.repeat(10);
    const w = await RecordWriter.open(path.join(root, 'records/gate/example/ops/pr-13.jsonl'));
    await w.append({
      at: '2026-11-20T10:00:00+08:00',
      type: 'gate.decision',
      format: 'opsgate.gate-decision/1',
      repository: 'example/ops',
      pr: 13,
      head_sha: ghost,
      base_sha: git(root, 'rev-parse', 'HEAD').trim(),
      evaluated_at: '2026-11-20T10:00:00+08:00',
      status: 'pending',
      rules: [],
    });
    await w.close();
    commitAll(root, 'a decision on a commit that was never pushed');
    const { code, r, html, stderr } = await report(root);
    expect(code).toBe(1);
    expect(r.integrity.problems.map((p: Json) => [p.path, p.line, p.code])).toEqual([['records/gate/example/ops/pr-13.jsonl', 1, 'record.commit-missing']]);
    expect(r.integrity.problems[0].message).toContain(ghost.slice(0, 12));
    expect(fig(r.integrity, 'integrity.problems').value).toBe(1);
    expect(r.status.gaps.map((g: Json) => [g.code, g.path, g.detail])).toEqual([['gap.commit_missing', 'records/gate/example/ops/pr-13.jsonl', `1: ${ghost.slice(0, 12)}`]]);
    expect(fig(r.changes, 'changes.approval_latency_median').incomplete).toEqual(['gap.commit_missing']);
    expect(html).toContain('id="banner-incomplete"');
    expect(html).toContain(ghost.slice(0, 12));
    expect(stderr).toContain('records/gate/example/ops/pr-13.jsonl  gap.commit_missing');
    // The commits the fixture's own records cite exist: only the ghost is named.
    expect(JSON.stringify(r.integrity.problems)).not.toContain(git(root, 'rev-parse', 'HEAD~1').trim().slice(0, 12));
  });

  it('outside a git repository nothing can be checked: the cover says so, exit 1', async () => {
    root = (await createFixtureRepo()).root;
    await rm(path.join(root, '.git'), { recursive: true });
    const { code, r, html } = await report(root);
    expect(code).toBe(1);
    expect(r.status.provenance.git).toBe(false);
    expect(html).toContain('id="banner-provenance"');
  });
});

describe('item 6: provisional periods and periods without evidence', () => {
  it('a period that has not ended is provisional: generated-at is now (no milliseconds), marked on the cover and every section', async () => {
    root = (await createFixtureRepo()).root;
    const now = () => new Date('2026-11-29T06:30:15.123Z');
    const { r, html } = await report(root, ['--period', '2026-12'], now);
    expect(r.status.provisional).toBe(true);
    expect(r.generated_at).toBe('2026-11-29T14:30:15+08:00');
    expect(html).toContain('id="banner-provisional"');
    expect(html.match(/class="badge"/g)!.length).toBeGreaterThanOrEqual(8);
    // Nothing has happened in December: no data, never "RPO 0/6".
    expect(r.status.period_has_evidence).toBe(false);
    expect(fig(r.backups, 'backups.rpo_attainment').value).toBeNull();
    const nov = await report(root, ['--period', '2026-11'], now);
    expect(nov.r.status.provisional).toBe(true);
    expect(nov.r.generated_at).toBe('2026-11-29T14:30:15+08:00');
  });

  it('a period without evidence says "no data", and trend charts draw no data differently from 0', async () => {
    root = (await createFixtureRepo()).root;
    const may = await report(root, ['--period', '2026-05']);
    expect(may.r.status.period_has_evidence).toBe(false);
    expect(fig(may.r.changes, 'changes.total').value).toBeNull();
    expect(may.html).toContain('id="banner-no-evidence"');
    const nov = await report(root);
    const changes = nov.r.summary.kpis.find((k: Json) => k.figure.id === 'changes.total');
    // October holds evidence (an incident) and no change: 0. June holds none: no data.
    expect(changes.trend.map((p: Json) => [p.period, p.figure.value])).toEqual([
      ['2026-06', null],
      ['2026-07', null],
      ['2026-08', null],
      ['2026-09', null],
      ['2026-10', 0],
      ['2026-11', 3],
    ]);
    const spark = /<div class="kpi[^"]*"><div class="label">Changes in the period<\/div>.*?<\/svg>/s.exec(nov.html)![0];
    expect(spark.match(/class="c-nodata"/g)!.length).toBe(4);
    expect(spark.match(/class="c-zero"/g)!.length).toBe(1);
    for (const m of ['Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov']) expect(spark).toContain(`>${m}</text>`);
  });
});

describe('--out', () => {
  it('an existing file is a usage error (exit 2) with a message, and nothing is read', async () => {
    root = (await createFixtureRepo()).root;
    await writeFile(path.join(root, 'taken'), 'x');
    const res = await cli(root, ['report', 'audit', '--period', '2026-11', '--out', 'taken']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--out taken is an existing file/);
  });

  it('a place that cannot hold files (/proc/x) is a usage error, promptly', async () => {
    root = (await createFixtureRepo()).root;
    const res = await cli(root, ['report', 'audit', '--period', '2026-11', '--out', '/proc/x/y']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--out \/proc\/x\/y/);
  }, 20_000);

  it('a missing directory is created', async () => {
    root = (await createFixtureRepo()).root;
    const res = await cli(root, ['report', 'audit', '--period', '2026-11', '--format', 'md', '--out', 'new/deeper']);
    expect(res.code).toBe(0);
    expect(existsSync(path.join(root, 'new/deeper/audit-2026-11.zh-CN.md'))).toBe(true);
    expect(statSync(path.join(root, 'new/deeper')).isDirectory()).toBe(true);
  });
});
