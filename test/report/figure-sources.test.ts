/**
 * An auditor's second pass over the sample November audit report: every
 * figure says how it is computed (its population and time basis), totals
 * equal the sum of their parts, and the figures whose formula this pass added
 * are recomputed from the raw files (yaml + JSON.parse, no code shared with
 * scripts/report/). The report is generated through the shipped CLI.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { STRING_TABLES } from '../../scripts/report/strings/index.ts';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const REPO = path.resolve(import.meta.dirname, '../..');
const AT = Date.parse('2026-12-01T00:00:00+08:00');
const START = Date.parse('2026-11-01T00:00:00+08:00');
const inNov = (t?: string) => t !== undefined && Date.parse(t) >= START && Date.parse(t) < AT;
const yamlDir = (dir: string): Doc[] =>
  readdirSync(path.join(REPO, dir))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => parse(readFileSync(path.join(REPO, dir, f), 'utf8')) as Doc);

let out = '';
let r: Doc;
let md = '';
beforeAll(async () => {
  out = mkdtempSync(path.join(tmpdir(), 'og-figure-sources-'));
  const io = { env: { PATH: process.env.PATH }, stdout: new PassThrough().resume(), stderr: new PassThrough().resume(), cwd: REPO };
  await runCli(['--root', REPO, 'report', 'audit', '--period', '2026-11', '--lang', 'en', '--format', 'json,md', '--out', out, '--at', '2026-12-01T00:00:00+08:00'], io);
  r = JSON.parse(readFileSync(path.join(out, 'audit-2026-11.en.json'), 'utf8'));
  md = readFileSync(path.join(out, 'audit-2026-11.en.md'), 'utf8');
}, 180_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

function figures(): Doc[] {
  const all: Doc[] = [];
  const walk = (o: unknown): void => {
    if (Array.isArray(o)) o.forEach(walk);
    else if (o && typeof o === 'object') {
      const d = o as Doc;
      if (typeof d.id === 'string' && 'value' in d && 'unit' in d && 'evidence' in d) all.push(d);
      else Object.values(d).forEach(walk);
    }
  };
  walk(r);
  return all;
}
const fig = (id: string) => figures().find((f) => f.id === id)!;

describe('every figure of the sample audit report says how it is computed', () => {
  it('each figure outside the trends carries a formula both languages define', () => {
    const missing = [
      ...new Set(
        figures()
          .filter((f) => !f.id.startsWith('trend.') && !f.formula)
          .map((f) => f.id.replace(/\.(app|web|db|cache|bastion|backup)[-\w]*$/, '.*')),
      ),
    ];
    expect(missing).toEqual([]);
    for (const f of figures().filter((x) => x.formula))
      for (const lang of ['en', 'zh-CN'] as const) expect([f.id, lang, (STRING_TABLES[lang] as Record<string, string>)[f.formula]]).not.toContain(undefined);
    // The rendered figure tables have no empty "How it is computed" cell (Appendix A rows, which name the id, list evidence instead).
    expect(md.split('\n').filter((l) => /^\| [^|`]+ \| [^|]+ \| {1,2}\|$/.test(l))).toEqual([]);
  });

  it('totals equal the sum of their parts', () => {
    const sum = (ids: string[], k = 'value') => ids.reduce((s, id) => s + fig(id)[k], 0);
    const total = fig('changes.total').value;
    expect(sum(['standard', 'normal', 'emergency'].map((t) => `changes.by_type.${t}`))).toBe(total);
    expect(sum(['low', 'medium', 'high', 'critical'].map((t) => `changes.by_risk.${t}`))).toBe(total);
    expect(sum([1, 2, 3, 4].map((l) => `incidents.level.${l}.new`))).toBe(fig('incidents.new').value);
    const c = fig('inspection.compliance');
    for (const rows of [r.inspection.by_env, r.inspection.by_host] as Doc[][])
      expect([rows.reduce((s, x) => s + x.figure.numerator, 0), rows.reduce((s, x) => s + x.figure.denominator, 0)]).toEqual([c.numerator, c.denominator]);
    const sla = [fig('incidents.ack_attainment'), fig('incidents.resolve_attainment')];
    expect(fig('incidents.sla_breaches').value).toBe(sla.reduce((s, f) => s + f.denominator - f.numerator, 0));
    expect(sum(['critical', 'high', 'medium', 'low', 'info'].map((s) => `inspection.fail.${s}`))).toBe((r.inspection.top_failing as Doc[]).reduce((s, t) => s + t.figure.value, 0));
  });

  it('the figures given a formula here, recomputed from the files as of generated-at', () => {
    const changes = yamlDir('changes/2026');
    const runs = readdirSync(path.join(REPO, 'records/changes'));
    const ofPeriod = changes.filter((c) => inNov(c.window.start) || runs.includes(c.id));
    expect(fig('changes.total').value).toBe(ofPeriod.length);
    expect(fig('changes.by_type.emergency').value).toBe(ofPeriod.filter((c) => c.type === 'emergency').length);
    const exceptions = yamlDir('policies/exceptions');
    expect(fig('exceptions.active').value).toBe(exceptions.filter((e) => Date.parse(e.expires) > AT).length);
    expect(fig('exceptions.expiring_30d').value).toBe(exceptions.filter((e) => Date.parse(e.expires) > AT && Date.parse(e.expires) - AT <= 30 * 86_400_000).length);
    expect(fig('exceptions.expired').value).toBe(exceptions.filter((e) => Date.parse(e.expires) <= AT).length);
    const grants = yamlDir('policies/access/grants');
    const inForce = grants.filter((g) => Date.parse(g.expires) > AT && Date.parse(`${g.granted_on}T00:00:00+08:00`) <= AT);
    expect(fig('access.grants_active').value).toBe(inForce.length);
    expect(fig('access.grants_expired').value).toBe(grants.filter((g) => Date.parse(g.expires) <= AT).length);
    expect(fig('backups.policies').value).toBe(yamlDir('policies/backup').length);
    expect(fig('runbooks.total').value).toBe(readdirSync(path.join(REPO, 'runbooks')).filter((f) => f.endsWith('.md')).length);
    expect(fig('inspection.hosts_in_scope').value).toBe(yamlDir('inventory/hosts').length);
  });
});
