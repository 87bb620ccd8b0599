/**
 * The patch compliance section (issue 16 item 4; 等保 2.0 8.1.10.5): every
 * state and figure of a register built to hit each edge (fixed on the due
 * day, fixed the next day only in the report's time zone, fixed before the
 * period, fixed after generated-at, failed change, exception in force and
 * expired, published after the period), and the sample organisation's
 * November report recomputed from the raw YAML by an auditor's reading of the
 * formulas, sharing no code with scripts/report/, agreeing with lint's
 * advisory.overdue on which advisory is overdue.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../../scripts/bin/run-cli.ts';
import type { AdvisoryDocument } from '../../scripts/model/documents.generated.ts';
import { computePatchCompliance } from '../../scripts/report/metrics/patch-compliance.ts';
import type { DocRef } from '../../scripts/report/types.ts';
import { change, emptyInput, endOf, exception, period, value } from './input-builder.ts';

const advisory = (id: string, severity: AdvisoryDocument['severity'], published: string, remediation?: AdvisoryDocument['remediation']): DocRef<AdvisoryDocument> => ({
  id,
  file: `policies/advisories/${id}.yaml`,
  sha256: 'b'.repeat(64),
  data: {
    id,
    title: `advisory ${id}`,
    references: ['CVE-2026-0001'],
    severity,
    published,
    packages: [{ name: 'openssl', fixed_version: '3.0.15-1~deb12u1' }],
    ...(remediation ? { remediation } : {}),
  },
});
const closed = (id: string, outcome: 'succeeded' | 'failed', at: string) =>
  change(id, {
    steps: [{ id: 'upgrade', kind: 'run', argv: ['apt-get', 'install', '-y', '--only-upgrade', 'openssl'] }],
    closure: { outcome, closed_at: at, deviations: 'none', incidents_caused: [], reviewed_by: 'chen-jie', summary: 's' } as never,
  });

describe('computePatchCompliance', () => {
  const input = emptyInput({
    advisories: [
      advisory('a', 'critical', '2026-11-02', { change: 'CHG-2026-0001' }),
      advisory('b', 'critical', '2026-11-10', { change: 'CHG-2026-0002' }),
      advisory('c', 'high', '2026-10-18', { change: 'CHG-2026-0003' }),
      advisory('d', 'high', '2026-09-01', { change: 'CHG-2026-0004' }),
      advisory('e', 'high', '2026-10-01', { change: 'CHG-2026-0005' }),
      advisory('f', 'medium', '2026-08-01', { exception: 'in-force' }),
      advisory('g', 'medium', '2026-08-01', { exception: 'expired' }),
      advisory('h', 'low', '2026-11-20'),
      advisory('i', 'low', '2026-12-02'),
      advisory('j', 'critical', '2026-11-25', { change: 'CHG-2026-0006' }),
    ],
    changes: [
      closed('CHG-2026-0001', 'succeeded', '2026-11-05T10:00:00+08:00'),
      closed('CHG-2026-0002', 'succeeded', '2026-11-20T01:00:00+08:00'),
      // 2026-11-18 00:30 in Asia/Shanghai although still the 17th in UTC: one day late.
      closed('CHG-2026-0003', 'succeeded', '2026-11-17T16:30:00Z'),
      closed('CHG-2026-0004', 'succeeded', '2026-10-01T09:00:00+08:00'),
      closed('CHG-2026-0005', 'failed', '2026-10-20T09:00:00+08:00'),
      closed('CHG-2026-0006', 'succeeded', '2026-12-01T10:00:00+08:00'),
    ],
    exceptions: [exception('in-force', '2026-12-31T23:59:59+08:00'), exception('expired', '2026-11-15T23:59:59+08:00')],
  });
  const s = computePatchCompliance(input, period('2026-11'), endOf('2026-11'));

  it('states, due dates and days to patch, row by row', () => {
    expect(s.advisories.map((r) => [r.id, r.due, r.state, r.fixed_at, r.days_to_patch, r.on_time, r.evidence])).toEqual([
      ['a', '2026-11-09', 'patched', '2026-11-05T10:00:00+08:00', 3, true, ['policies/advisories/a.yaml', 'changes/2026/CHG-2026-0001.yaml']],
      ['b', '2026-11-17', 'patched', '2026-11-20T01:00:00+08:00', 10, false, ['policies/advisories/b.yaml', 'changes/2026/CHG-2026-0002.yaml']],
      ['j', '2026-12-02', 'open', null, null, null, ['policies/advisories/j.yaml', 'changes/2026/CHG-2026-0006.yaml']],
      ['d', '2026-10-01', 'patched', '2026-10-01T09:00:00+08:00', 30, true, ['policies/advisories/d.yaml', 'changes/2026/CHG-2026-0004.yaml']],
      ['e', '2026-10-31', 'overdue', null, null, null, ['policies/advisories/e.yaml', 'changes/2026/CHG-2026-0005.yaml']],
      ['c', '2026-11-17', 'patched', '2026-11-17T16:30:00Z', 31, false, ['policies/advisories/c.yaml', 'changes/2026/CHG-2026-0003.yaml']],
      ['f', '2026-10-30', 'accepted', null, null, null, ['policies/advisories/f.yaml', 'policies/exceptions/in-force.yaml']],
      ['g', '2026-10-30', 'overdue', null, null, null, ['policies/advisories/g.yaml', 'policies/exceptions/expired.yaml']],
      ['h', '2027-05-19', 'open', null, null, null, ['policies/advisories/h.yaml']],
    ]);
  });

  it('the period figures: patched in the period, on time, overdue, accepted, open', () => {
    expect(['patch.advisories', 'patch.patched', 'patch.on_time', 'patch.overdue', 'patch.accepted', 'patch.open'].map((id) => value(s.figures, id))).toEqual([9, 3, 33.3, 2, 1, 2]);
    const onTime = s.figures.find((f) => f.id === 'patch.on_time')!;
    expect([onTime.numerator, onTime.denominator]).toEqual([1, 3]);
  });

  it('time to patch per severity counts only fixes closed in the period', () => {
    expect(s.by_severity.map((r) => [r.severity, r.due_days, r.advisories.value, r.patched.value, r.on_time.value, r.overdue.value, r.accepted.value, r.median.value, r.max.value])).toEqual([
      ['critical', 7, 3, 2, 50, 0, 0, 6.5, 10],
      ['high', 30, 3, 1, 0, 1, 0, 31, 31],
      ['medium', 90, 2, 0, null, 1, 1, null, null],
      ['low', 180, 1, 0, null, 0, 0, null, null],
    ]);
    expect(s.by_severity[0]!.median.evidence).toEqual(['changes/2026/CHG-2026-0001.yaml', 'changes/2026/CHG-2026-0002.yaml', 'policies/advisories/a.yaml', 'policies/advisories/b.yaml']);
  });

  it('no register: zero counts and no data, never a made-up rate', () => {
    const e = computePatchCompliance(emptyInput(), period('2026-11'), endOf('2026-11'));
    expect(e.figures.map((f) => f.value)).toEqual([0, 0, null, 0, 0, 0, 0]);
    expect(e.advisories).toEqual([]);
  });
});

// ---- The sample organisation, recomputed from the raw files. ----

const REPO = path.resolve(import.meta.dirname, '../..');
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const yamlDir = (dir: string): Doc[] =>
  readdirSync(path.join(REPO, dir))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => ({ ...parse(readFileSync(path.join(REPO, dir, f), 'utf8')), file: `${dir}/${f}` }));
const DAYS: Record<string, number> = { critical: 7, high: 30, medium: 90, low: 180 };
const AT = '2026-12-01T00:00:00+08:00';

let out: string;
const reports: Record<string, Doc> = {};
let lint = '';
beforeAll(async () => {
  out = mkdtempSync(path.join(tmpdir(), 'og-patch-report-'));
  const io = () => ({ env: { PATH: process.env.PATH }, stdout: new PassThrough(), stderr: new PassThrough(), cwd: REPO });
  for (const lang of ['en', 'zh-CN']) {
    await runCli(['--root', REPO, 'report', 'monthly', '--period', '2026-11', '--lang', lang, '--format', 'json', '--out', out, '--at', AT], io());
    reports[lang] = JSON.parse(readFileSync(path.join(out, `monthly-2026-11.${lang}.json`), 'utf8'));
  }
  const o = io();
  o.stdout.on('data', (c) => (lint += String(c)));
  // Lint as of the same instant as the report: on the machine's clock the sample's advisories fall overdue from 2026-12-21.
  await runCli(['--root', REPO, '--now', AT, 'lint', '--format', 'json'], o);
}, 180_000);
afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

describe('the sample November report, recomputed by an auditor', () => {
  it('every advisory state and due date follows from the advisory, change and exception files', () => {
    const now = Date.parse(AT);
    const changes = new Map(yamlDir('changes/2026').map((c) => [c.id, c]));
    const exceptions = new Map(yamlDir('policies/exceptions').map((e) => [e.id, e]));
    const expected = yamlDir('policies/advisories').map((a) => {
      const due = new Date(Date.parse(`${a.published}T00:00:00Z`) + DAYS[a.severity]! * 86_400_000).toISOString().slice(0, 10);
      const c = a.remediation?.change ? changes.get(a.remediation.change) : undefined;
      const m = a.remediation?.mitigation ? changes.get(a.remediation.mitigation) : undefined;
      const x = a.remediation?.exception ? exceptions.get(a.remediation.exception) : undefined;
      const closedOk = (ch?: Doc) => ch?.closure?.outcome === 'succeeded' && Date.parse(ch.closure.closed_at) <= now;
      // A change patches only when one of its run steps names a package of the advisory; otherwise it is a workaround.
      const names = new Set(a.packages.map((p: Doc) => p.name));
      const installs = (c?.steps ?? []).some((s: Doc) => s.kind === 'run' && s.argv.some((x: string) => names.has(x.split(/[=:]/)[0])));
      // Asia/Shanghai has no daylight saving: the due day ends at 24:00 +08:00.
      const state =
        installs && closedOk(c)
          ? 'patched'
          : x && Date.parse(x.expires) >= now
            ? 'accepted'
            : Date.parse(`${due}T24:00:00+08:00`) <= now
              ? 'overdue'
              : closedOk(c) || closedOk(m)
                ? 'mitigated'
                : 'open';
      return { id: a.id, severity: a.severity, due, state };
    });
    const got = reports.en!.patch_compliance.advisories.map((r: Doc) => ({ id: r.id, severity: r.severity, due: r.due, state: r.state }));
    expect(got).toEqual(expect.arrayContaining(expected));
    expect(got).toHaveLength(expected.length);
    // The sample as written: five advisories — one mitigated in November (the kernel finding of the November scan: CHG-2026-0108
    // sets a sysctl and installs no linux-image-amd64, so it is not patched), three in progress through their changes, one
    // accepted past its due date.
    expect(got.map((r: Doc) => `${r.id} ${r.state} ${r.due}`).sort()).toEqual([
      'cve-2023-48795 accepted 2026-11-23',
      'cve-2023-52340 mitigated 2026-12-20',
      'cve-2024-21230 open 2027-02-20',
      'cve-2024-21235 open 2027-02-18',
      'cve-2025-26465 open 2026-12-26',
    ]);
  });

  it('the figures are what the rows say, and lint agrees on what is overdue', () => {
    const p = reports.en!.patch_compliance;
    const v = (id: string) => p.figures.find((f: Doc) => f.id === id).value;
    const rows = p.advisories as Doc[];
    expect([v('patch.advisories'), v('patch.patched'), v('patch.on_time'), v('patch.overdue'), v('patch.accepted'), v('patch.mitigated'), v('patch.open')]).toEqual([
      rows.length,
      0,
      null,
      rows.filter((r) => r.state === 'overdue').length,
      1,
      1,
      3,
    ]);
    const overdue = (JSON.parse(lint) as { diagnostics: Doc[] }).diagnostics.filter((d) => d.code === 'advisory.overdue').map((d) => d.file);
    expect(overdue).toEqual(rows.filter((r) => r.state === 'overdue').map((r) => `policies/advisories/${r.id}.yaml`));
    // Every row cites the advisory and the file its state rests on (evidence ids resolved in the manifest).
    const manifest = new Map((reports.en!.evidence as Doc[]).map((e) => [e.id, e.path]));
    expect(rows.map((r) => r.evidence.map((id: string) => manifest.get(id)).sort())).toEqual(
      rows.map((r) => [`policies/advisories/${r.id}.yaml`, r.change || r.mitigation ? `changes/2026/${r.change ?? r.mitigation}.yaml` : `policies/exceptions/${r.exception}.yaml`].sort()),
    );
  });

  it('time to patch: calendar days from published to the day the fix closed, recomputed from the advisory and change files', () => {
    const changes = new Map(yamlDir('changes/2026').map((c) => [c.id, c]));
    const fixed = yamlDir('policies/advisories').flatMap((a) => {
      const c = a.remediation?.change ? changes.get(a.remediation.change) : undefined;
      const names = new Set(a.packages.map((p: Doc) => p.name));
      const installs = (c?.steps ?? []).some((s: Doc) => s.kind === 'run' && s.argv.some((x: string) => names.has(x.split(/[=:]/)[0])));
      if (!installs || c?.closure?.outcome !== 'succeeded') return [];
      // The closure's own calendar day (its offset is +08:00, the report's zone) minus the published day, in whole days.
      const closedDay = String(c.closure.closed_at).slice(0, 10);
      expect(String(c.closure.closed_at)).toMatch(/\+08:00$/);
      return [{ id: a.id, severity: a.severity, days: (Date.parse(`${closedDay}T00:00:00Z`) - Date.parse(`${a.published}T00:00:00Z`)) / 86_400_000 }];
    });
    // No fix was installed in November: CHG-2026-0108 (closed succeeded 2026-11-27) only set a sysctl, it is the mitigation.
    expect(fixed).toEqual([]);
    const row = reports.en!.patch_compliance.advisories.find((r: Doc) => r.id === 'cve-2023-52340');
    expect([row.state, row.days_to_patch, row.on_time, row.fixed_at, row.mitigation, row.mitigated_at]).toEqual(['mitigated', null, null, null, 'CHG-2026-0108', '2026-11-27T10:00:00+08:00']);
    for (const s of reports.en!.patch_compliance.by_severity) expect([s.severity, s.patched.value, s.on_time.value, s.median.value, s.max.value]).toEqual([s.severity, 0, null, null, null]);
  });

  it('both languages carry the same figures; the section names 等保 2.0 8.1.10.5', () => {
    expect(reports['zh-CN']!.patch_compliance.figures).toEqual(reports.en!.patch_compliance.figures);
    expect(reports.en!.patch_compliance.controls).toEqual({ djbh: '8.1.10.5', iso27001: 'A.8.8' });
    const framework = reports.en!.inspection.frameworks.djbh.rows.find((r: Doc) => r.control === '8.1.10.5');
    expect(framework.sections).toContain('patch_compliance');
  });
});
