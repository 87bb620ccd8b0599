/**
 * The sample organisation is the reference: every inspection check type the
 * baseline schema offers is used by one of its baselines, and the committed
 * inspection records hold a judged result (pass or fail) of each, from the
 * real fleet (`npm run sample:records`). A manual check is the exception: it
 * is never judged by the probe (not_checked). The advisory register has a
 * patched advisory, so the reports' time to patch has a figure.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/repo-from-files.ts';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function schemaTypes(): string[] {
  const schema = JSON.parse(readFileSync(path.join(repoRoot, 'schemas/baseline.schema.json'), 'utf8')) as Doc;
  let found: string[] | undefined;
  const walk = (o: unknown): void => {
    if (found || !o || typeof o !== 'object') return;
    const d = o as Doc;
    if (d.type && Array.isArray(d.type.enum) && d.type.enum.includes('sysctl')) found = d.type.enum as string[];
    for (const v of Object.values(d)) walk(v);
  };
  walk(schema);
  return found ?? [];
}

const baselines = readdirSync(path.join(repoRoot, 'policies/baselines'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => parse(readFileSync(path.join(repoRoot, 'policies/baselines', f), 'utf8')) as Doc);
const typeOf = new Map(baselines.flatMap((b) => (b.checks as Doc[]).map((c) => [c.id as string, c.type as string] as const)));

describe('the sample organisation shows every inspection check', () => {
  it('every check type of the baseline schema is used by a sample baseline', () => {
    const types = schemaTypes();
    expect(types.length).toBeGreaterThan(20);
    expect(types.filter((t) => ![...typeOf.values()].includes(t))).toEqual([]);
  });

  it('the committed inspection records judge each type on the fleet (some pass, the planted drift fails)', () => {
    const judged = new Map<string, Set<string>>();
    for (const f of readdirSync(path.join(repoRoot, 'records/inspections')).filter((x) => x.endsWith('.jsonl'))) {
      for (const line of readFileSync(path.join(repoRoot, 'records/inspections', f), 'utf8')
        .split('\n')
        .filter(Boolean)) {
        const l = JSON.parse(line) as Doc;
        for (const r of (l.type === 'inspection.host' ? (l.results ?? []) : []) as Doc[]) {
          const t = typeOf.get(r.check);
          if (t) judged.set(t, (judged.get(t) ?? new Set()).add(r.status));
        }
      }
    }
    const unjudged = schemaTypes().filter((t) => t !== 'manual' && !['pass', 'fail'].some((s) => judged.get(t)?.has(s)));
    expect(unjudged).toEqual([]);
    // The service-health checks: each passes somewhere, and the planted drift fails where it was planted.
    for (const t of ['listening_service', 'service_active', 'ntp_sync', 'log_retention', 'package_version', 'pending_updates', 'reboot_required']) expect(judged.get(t)?.size).toBeGreaterThan(0);
    for (const t of ['listening_service', 'log_retention', 'ntp_sync']) expect(judged.get(t)?.has('fail'), t).toBe(true);
    for (const t of ['listening_service', 'service_active', 'log_retention', 'package_version', 'pending_updates', 'reboot_required']) expect(judged.get(t)?.has('pass'), t).toBe(true);
  });

  it('one advisory of the register is mitigated (not patched): its workaround change closed succeeded, with an execution record', () => {
    const dir = path.join(repoRoot, 'policies/advisories');
    const mitigated = readdirSync(dir)
      .map((f) => parse(readFileSync(path.join(dir, f), 'utf8')) as Doc)
      .filter((a) => a.remediation?.mitigation)
      .filter((a) => (parse(readFileSync(path.join(repoRoot, 'changes/2026', `${a.remediation.mitigation}.yaml`), 'utf8')) as Doc).closure?.outcome === 'succeeded');
    expect(mitigated.map((a) => `${a.id} ${a.remediation.mitigation}`)).toEqual(['cve-2023-52340 CHG-2026-0108']);
    expect(readdirSync(path.join(repoRoot, 'records/changes/CHG-2026-0108')).filter((f) => f.endsWith('.jsonl')).length).toBeGreaterThan(0);
  });
});
