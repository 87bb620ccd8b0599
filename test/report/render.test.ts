import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../scripts/report/build-report.ts';
import { parsePeriod } from '../../scripts/report/period.ts';
import { readReportInput } from '../../scripts/report/read-input.ts';
import { escapeMarkdown, loadTemplates, renderHtml, renderJson, renderMarkdown } from '../../scripts/report/render/render.ts';
import { STRING_TABLES } from '../../scripts/report/strings/index.ts';
import type { ReportInput } from '../../scripts/report/types.ts';
import { emptyInput } from './input-builder.ts';
import { createFixtureRepo } from './fixture-repo.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const templates = loadTemplates();
let root: string;
let input: ReportInput;
const period = parsePeriod('2026-11', 'Asia/Shanghai')!;
const build = (language: 'zh-CN' | 'en', kind: 'audit' | 'monthly' = 'audit', from: ReportInput = input) =>
  buildReport(from, { kind, language, period, generatedAt: period.end, toolVersion: '0.0.0-test' });

beforeAll(async () => {
  root = (await createFixtureRepo()).root;
  input = await readReportInput(root);
}, 60_000);
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** Hashes and commit ids change with the schemas copied into the fixture; nothing else may. */
function normalise(md: string): string {
  return md
    .replace(/\b[0-9a-f]{64}\b/g, '<sha256>')
    .replace(/\b[0-9a-f]{40}\b/g, '<commit>')
    .replace(/\b[0-9a-f]{10}\b/g, '<short>');
}

describe('string tables', () => {
  it('zh-CN and en have exactly the same keys, none empty, and the same {placeholders}', () => {
    const en = STRING_TABLES.en as Record<string, string>;
    const zh = STRING_TABLES['zh-CN'] as Record<string, string>;
    expect(Object.keys(zh).sort()).toEqual(Object.keys(en).sort());
    for (const [k, v] of Object.entries(en)) {
      expect(v.trim(), k).not.toBe('');
      expect(zh[k]!.trim(), k).not.toBe('');
      const ph = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      expect(ph(zh[k]!), k).toEqual(ph(v));
    }
  });

  it('every key a template uses exists (strict mode would throw on a missing one)', async () => {
    const dir = path.join(REPO, 'scripts/report/templates');
    const used = new Set<string>();
    const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.hbs'));
    expect(files.length).toBeGreaterThan(15);
    for (const f of files) {
      for (const m of (await readFile(path.join(dir, f), 'utf8')).matchAll(/\{\{t "([^"]+)"/g)) used.add(m[1]!);
    }
    expect(used.size).toBeGreaterThan(50);
    for (const k of used) expect(Object.keys(STRING_TABLES.en), k).toContain(k);
  });
});

describe('rendering', () => {
  it.each(['zh-CN', 'en'] as const)('Markdown snapshot (%s), normalised', async (lang) => {
    await expect(normalise(renderMarkdown(build(lang), templates))).toMatchFileSnapshot(`__snapshots__/audit-2026-11.${lang}.md`);
  });

  it('English level labels say "Level 1", never "Level Level 1"', () => {
    const md = renderMarkdown(build('en'), templates);
    expect(md).toContain('Level 1 incidents detected');
    expect(md).not.toMatch(/Level Level/);
  });

  it('monthly leaves out the per-host and framework tables; audit has them', () => {
    const audit = renderMarkdown(build('en', 'audit'), templates);
    const monthly = renderMarkdown(build('en', 'monthly'), templates);
    expect(audit).toContain('Framework view: 等保 2.0');
    expect(monthly).not.toContain('Framework view: 等保 2.0');
    expect(monthly).toContain('# Monthly operations report');
  });

  it('escapes document text in HTML and Markdown', () => {
    const evil = emptyInput({
      organisation: { id: 'organisation', file: 'policies/organisation.yaml', sha256: '', data: { id: 'organisation', name: '<script>alert(1)</script> | *x*', default_language: 'en' } },
    });
    const r = build('en', 'audit', evil);
    const html = renderHtml(r, templates);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(renderMarkdown(r, templates)).toContain(escapeMarkdown('<script>alert(1)</script> | *x*'));
    expect(escapeMarkdown('a|b')).toBe('a\\|b');
  });

  it('the HTML is one self-contained file: inline CSS and SVG, no script, no external reference', () => {
    const html = renderHtml(build('zh-CN'), templates);
    expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\/(?!github\.com\/example\/ops)/);
    expect(html).toContain('@page { size: A4');
    expect(html).toMatch(/<svg [^>]*class="spark"/);
  });
});

describe('JSON output', () => {
  const schema = async () => JSON.parse(await readFile(path.join(REPO, 'schemas/report.schema.json'), 'utf8')) as Record<string, unknown>;

  it.each([
    ['the fixture organisation', () => build('zh-CN')],
    ['no data at all', () => build('en', 'monthly', emptyInput())],
  ])('validates against schemas/report.schema.json: %s', async (_n, make) => {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    const validate = ajv.compile(await schema());
    const data = JSON.parse(renderJson(make()));
    const ok = validate(data);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema rejects a figure without evidence (it can fail)', async () => {
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
    const validate = ajv.compile(await schema());
    const data = JSON.parse(renderJson(build('en')));
    delete data.changes.figures[0].evidence;
    expect(validate(data)).toBe(false);
  });

  it('every property in the schema has a description', async () => {
    const missing: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (!node || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      if (o.properties)
        for (const [k, v] of Object.entries(o.properties as Record<string, Record<string, unknown>>)) {
          if (typeof v.description !== 'string' || !v.description) missing.push(`${at}/${k}`);
          walk(v, `${at}/${k}`);
        }
      for (const key of ['items', '$defs', 'oneOf']) if (o[key]) walk(o[key], `${at}/${key}`);
      if (Array.isArray(node)) node.forEach((n, i) => walk(n, `${at}/${i}`));
      if (at.endsWith('$defs')) for (const [k, v] of Object.entries(o)) walk(v, `${at}/${k}`);
    };
    const s = await schema();
    expect(s.$id).toBe('https://opsgate.dev/schemas/report.schema.json');
    walk(s, '');
    expect(missing).toEqual([]);
  });
});
