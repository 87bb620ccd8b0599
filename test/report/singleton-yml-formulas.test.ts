import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../scripts/report/build-report.ts';
import { parsePeriod } from '../../scripts/report/period.ts';
import { readReportInput } from '../../scripts/report/read-input.ts';
import { loadTemplates, renderHtml, renderMarkdown } from '../../scripts/report/render/render.ts';
import type { ReportInput } from '../../scripts/report/types.ts';
import { SINGLETON_YAML } from '../cli/yml-spelling-harness.ts';
import { createFixtureRepo } from './fixture-repo.ts';
import { emptyInput } from './input-builder.ts';

/**
 * The formulas of the report name the singleton policy the repository has: lint accepts policies/sla.yml as well as
 * policies/sla.yaml (ARCHITECTURE.md, "The policy and the calendar in either spelling lint reads"), so an auditor of a
 * repository that spells its policies .yml must never be sent to a policies/sla.yaml that does not exist. The default
 * spelling's wording is pinned by the snapshots of render.test.ts.
 */
const templates = loadTemplates();
const period = parsePeriod('2026-11', 'Asia/Shanghai')!;
const build = (input: ReportInput, language: 'zh-CN' | 'en') => buildReport(input, { kind: 'audit', language, period, generatedAt: period.end, toolVersion: '0.0.0-test' });
const SINGLETONS = ['organisation', 'approval', 'calendar', 'sla', 'oncall'];

let root: string;
let input: ReportInput;

beforeAll(async () => {
  root = (await createFixtureRepo()).root;
  // An inspection schedule, so the report has inspection.runs_expected and its formula naming the organisation policy.
  const organisation = path.join(root, 'policies/organisation.yaml');
  writeFileSync(organisation, readFileSync(organisation, 'utf8') + 'inspection_every_hours: 24\n');
  for (const kind of SINGLETONS) {
    try {
      renameSync(path.join(root, `policies/${kind}.yaml`), path.join(root, `policies/${kind}.yml`));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  execFileSync('git', ['-C', root, 'add', '-A']);
  execFileSync('git', ['-C', root, '-c', 'user.name=Fixture', '-c', 'user.email=fixture@example.invalid', 'commit', '-q', '-m', 'policies spelled .yml']);
  input = await readReportInput(root);
}, 60_000);
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('a repository whose singleton policies are spelled .yml', () => {
  it('loaded them under the .yml names (the premise)', () => {
    expect([input.sla?.file, input.oncall?.file, input.organisation?.file]).toEqual(['policies/sla.yml', 'policies/oncall.yml', 'policies/organisation.yml']);
  });

  it.each(['en', 'zh-CN'] as const)('%s: the formulas name policies/sla.yml, oncall.yml and organisation.yml, and no singleton .yaml appears', (lang) => {
    const report = build(input, lang);
    for (const text of [renderMarkdown(report, templates), renderHtml(report, templates)]) {
      expect(text).toMatch(lang === 'en' ? /\(policies\/sla\.yml\)/ : /（policies\/sla\.yml）/);
      expect(text).toContain('policies/oncall.yml handover');
      expect(text).toMatch(lang === 'en' ? /\(policies\/organisation\.yml\)/ : /（policies\/organisation\.yml）/);
      expect(text).not.toMatch(SINGLETON_YAML);
      expect(text).not.toMatch(/\{\w*file\w*\}/);
    }
  });
});

describe('the file a formula names when the policy did not load', () => {
  it('an invalid policies/sla.yml (cited as a document not loaded) is named, not policies/sla.yaml', () => {
    const bad = emptyInput({
      documentProblems: [{ file: 'policies/sla.yml', line: 1, code: 'schema.required', message: 'missing levels' }],
      unloadedFiles: [{ path: 'policies/sla.yml', sha256: '0'.repeat(64) }],
    });
    const md = renderMarkdown(build(bad, 'en'), templates);
    expect(md).toContain('(policies/sla.yml)');
    expect(md).not.toContain('policies/sla.yaml');
  });

  it('no SLA policy at all: the formula names policies/sla.yaml, the file to create', () => {
    const md = renderMarkdown(build(emptyInput(), 'en'), templates);
    expect(md).toContain('(policies/sla.yaml)');
    expect(md).toContain('(policies/oncall.yaml handover)');
  });
});
