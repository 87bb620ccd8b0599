/**
 * 等保 2.0 and ISO 27001:2022 views: each control with its title, the checks
 * mapped to it and their compliance, the report sections that evidence it,
 * sorted naturally (A.8.2 before A.8.19), and the controls nothing covers.
 * Pure.
 */
import { DJBH_2019_L3, ISO27001_2022, type Control } from '../frameworks/catalogue.ts';
import { percent, type Figure } from '../figure.ts';
import type { BaselineCheck, InspectionResult } from '../types.ts';

export type FrameworkId = 'djbh' | 'iso27001';

export interface FrameworkRow {
  control: string;
  title: { en: string; zh: string };
  checks: string[];
  /** Report sections whose evidence bears on the control (process evidence besides checks). */
  sections: string[];
  /** Compliance of its checks at the period's last run; null when no check maps to it. */
  figure: Figure | null;
}

export interface FrameworkView {
  rows: FrameworkRow[];
  /** Catalogue controls neither a check nor a report section covers. */
  uncovered: { control: string; title: { en: string; zh: string } }[];
}

const CATALOGUE: Record<FrameworkId, readonly Control[]> = { djbh: DJBH_2019_L3, iso27001: ISO27001_2022 };

/** The controls each report section evidences, beyond what checks map. */
export const SECTION_CONTROLS: Record<FrameworkId, Record<string, string[]>> = {
  djbh: {
    changes: ['8.1.7.3', '8.1.10.10'],
    incidents: ['8.1.10.12', '8.1.10.13'],
    backups: ['8.1.4.9', '8.1.10.11'],
    patch_compliance: ['8.1.10.5'],
    access: ['8.1.4.2', '8.1.8.2'],
    runbooks: ['8.1.6.2'],
    integrity: ['8.1.5.2'],
  },
  iso27001: {
    changes: ['A.8.32'],
    incidents: ['A.5.24', 'A.5.25', 'A.5.26', 'A.5.27'],
    backups: ['A.8.13'],
    patch_compliance: ['A.8.8'],
    access: ['A.5.15', 'A.5.16', 'A.5.18', 'A.6.5'],
    runbooks: ['A.5.37'],
    integrity: ['A.5.28', 'A.5.33'],
  },
};

/** Natural order of control ids: numbers compare as numbers, so A.8.2 < A.8.19 and 8.1.4.9 < 8.1.4.10. Pure. */
export function compareControls(a: string, b: string): number {
  const x = a.split(/(\d+)/);
  const y = b.split(/(\d+)/);
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] === y[i]) continue;
    const n = Number(x[i]);
    const m = Number(y[i]);
    if (x[i] !== '' && y[i] !== '' && Number.isFinite(n) && Number.isFinite(m)) return n - m;
    return x[i]! < y[i]! ? -1 : 1;
  }
  return x.length - y.length;
}

/** The control id of a mapping entry: "8.1.4.1 身份鉴别" → "8.1.4.1", "A.8.2" → "A.8.2". */
export function controlIdOf(mapping: string): string {
  return mapping.trim().split(/\s+/)[0] ?? mapping;
}

export function computeFramework(name: FrameworkId, checks: readonly BaselineCheck[], results: readonly InspectionResult[] | null, evidenceOf: (checkIds: string[]) => string[]): FrameworkView {
  const catalogue = new Map(CATALOGUE[name].map((c) => [c.id, c] as const));
  const mapped = new Map<string, { checks: string[]; label: string }>();
  for (const c of checks)
    for (const m of c.mappings[name]) {
      const id = controlIdOf(m);
      const entry = mapped.get(id) ?? { checks: [], label: m.trim().slice(id.length).trim() };
      if (!entry.checks.includes(c.id)) entry.checks.push(c.id);
      mapped.set(id, entry);
    }
  const bySection = new Map<string, string[]>();
  for (const [section, ids] of Object.entries(SECTION_CONTROLS[name])) for (const id of ids) bySection.set(id, [...(bySection.get(id) ?? []), section]);
  const title = (id: string, label = '') => {
    const c = catalogue.get(id);
    return c ? { en: c.en, zh: c.zh } : { en: label, zh: label };
  };
  const ids = [...new Set([...mapped.keys(), ...bySection.keys()])].sort(compareControls);
  const rows: FrameworkRow[] = ids.map((id) => {
    const checkIds = (mapped.get(id)?.checks ?? []).sort();
    let figure: Figure | null = null;
    if (checkIds.length && results) {
      let pass = 0,
        total = 0;
      for (const r of results)
        if (checkIds.includes(r.check) && (r.status === 'pass' || r.status === 'fail' || r.status === 'error')) {
          total++;
          if (r.status === 'pass') pass++;
        }
      figure = percent(`framework.${name}.${id}`, pass, total, evidenceOf(checkIds), 'formula.compliance');
    }
    return { control: id, title: title(id, mapped.get(id)?.label), checks: checkIds, sections: bySection.get(id) ?? [], figure };
  });
  const covered = new Set(ids);
  const uncovered = CATALOGUE[name].filter((c) => !covered.has(c.id)).map((c) => ({ control: c.id, title: { en: c.en, zh: c.zh } }));
  return { rows, uncovered };
}
