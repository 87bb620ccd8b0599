/**
 * A trend period computes only the sections its key indicators come from
 * (sections.ts, TREND_SECTION_IDS): each indicator must be exactly the figure a
 * full computation of that period gives, or leaving a section out changed a trend.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KPI_IDS } from '../../scripts/report/build-report.ts';
import { collectFigures } from '../../scripts/report/evidence.ts';
import type { Figure } from '../../scripts/report/figure.ts';
import { parsePeriod } from '../../scripts/report/period.ts';
import { readReportInput } from '../../scripts/report/read-input.ts';
import { computeSections, computeTrendSections } from '../../scripts/report/sections.ts';
import type { ReportInput } from '../../scripts/report/types.ts';
import { createFixtureRepo } from './fixture-repo.ts';

let root: string;
let input: ReportInput;
beforeAll(async () => {
  root = (await createFixtureRepo()).root;
  input = await readReportInput(root);
}, 60_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const byId = (sections: object) => {
  const m = new Map<string, Figure>();
  for (const f of collectFigures(sections)) if (!m.has(f.id)) m.set(f.id, f);
  return m;
};

describe('trend periods', () => {
  it.each(['2026-11', '2026-10'])('give every key indicator the figure the full sections give (%s)', (id) => {
    const period = parsePeriod(id, 'Asia/Shanghai')!;
    const now = Date.parse('2026-12-01T00:00:00+08:00');
    const full = byId(computeSections(input, period, now));
    const trend = byId(computeTrendSections(input, period, now));
    // The fixture's November has a value for every indicator but backups (it has no backup records).
    if (id === '2026-11') expect(KPI_IDS.filter((k) => full.get(k)?.value === null)).toEqual(['backups.rpo_attainment']);
    for (const k of KPI_IDS) expect(trend.get(k), k).toEqual(full.get(k));
  });

  it("give every key indicator the figure the full sections give on the sample organisation's November (backups included)", async () => {
    const sample = await readReportInput(path.resolve(import.meta.dirname, '../..'));
    const period = parsePeriod('2026-11', 'Asia/Shanghai')!;
    const now = Date.parse('2026-12-01T00:00:00+08:00');
    const full = byId(computeSections(sample, period, now));
    const trend = byId(computeTrendSections(sample, period, now));
    expect(KPI_IDS.filter((k) => full.get(k)?.value === null)).toEqual([]);
    for (const k of KPI_IDS) expect(trend.get(k), k).toEqual(full.get(k));
  }, 60_000);
});
