/**
 * Renders a report: Handlebars in strict mode (a missing field is an error,
 * never an empty cell), one isolated Handlebars environment per format.
 * Templates are loaded once by `loadTemplates` (reads the files shipped with
 * the code: the page layout, templates/partials/ and one pair per section in
 * templates/sections/); rendering itself is pure.
 */
import { readFileSync, readdirSync } from 'node:fs';
import Handlebars from 'handlebars';
import type { Report } from '../build-report.ts';
import { createTranslator } from '../strings/index.ts';
import { buildView } from './view.ts';
import { codePath } from '../../model/code-root.ts';

export type Format = 'html' | 'md' | 'json';
export const FORMATS: readonly Format[] = ['html', 'md', 'json'];

export interface Templates {
  css: string;
  html: string;
  md: string;
  partials: { html: Record<string, string>; md: Record<string, string> };
}

const read = (...parts: string[]) => readFileSync(codePath('scripts/report/templates', ...parts), 'utf8');

/** Partials by name: templates/partials/<name>.<ext>.hbs, and templates/sections/<id>.<ext>.hbs as `sec-<id>`. */
function partials(ext: 'html' | 'md'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [dir, prefix] of [
    ['partials', ''],
    ['sections', 'sec-'],
  ] as const) {
    for (const f of readdirSync(codePath('scripts/report/templates', dir)).sort()) {
      const m = new RegExp(`^(.+)\\.${ext}\\.hbs$`).exec(f);
      if (m) out[prefix + m[1]!] = read(dir, f);
    }
  }
  return out;
}

export function loadTemplates(): Templates {
  return { css: read('report.css'), html: read('report.html.hbs'), md: read('report.md.hbs'), partials: { html: partials('html'), md: partials('md') } };
}

/** Escapes text for a Markdown table cell or list item. */
export function escapeMarkdown(v: unknown): string {
  return String(v)
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([*_`[\]])/g, '\\$1');
}

/** A hash split in two halves with a break opportunity between them (never mid-half). HTML. */
export function wrapHash(hash: string): string {
  const h = Handlebars.escapeExpression(hash);
  if (h.length <= 32) return `<span class="nw">${h}</span>`;
  const half = Math.ceil(h.length / 2);
  return `<span class="nw">${h.slice(0, half)}</span><wbr><span class="nw">${h.slice(half)}</span>`;
}

/** A repository path that may break after each `/` (never inside a name). HTML. */
export function wrapPath(path: string): string {
  return path
    .split('/')
    .map((p) => `<span class="nw">${Handlebars.escapeExpression(p)}</span>`)
    .join('/<wbr>');
}

/** A string for a CSS `content: "…"` value. */
export function cssString(s: string): string {
  return s
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/[\r\n]+/g, ' ')
    .replace(/</g, '\\3C ');
}

function environment(report: Report, parts: Record<string, string>, html: boolean): typeof Handlebars {
  const hb = Handlebars.create();
  const t = createTranslator(report.language);
  hb.registerHelper('t', (key: unknown, options: Handlebars.HelperOptions) => t(String(key), options.hash as Record<string, string>));
  hb.registerHelper('md', (v: unknown) => escapeMarkdown(v));
  hb.registerHelper('wrapHash', (v: unknown) => new hb.SafeString(wrapHash(String(v ?? ''))));
  hb.registerHelper('wrapPath', (v: unknown) => new hb.SafeString(wrapPath(String(v ?? ''))));
  hb.registerHelper('cssString', (v: unknown) => cssString(String(v ?? '')));
  for (const [name, src] of Object.entries(parts)) hb.registerPartial(name, hb.compile(src, { strict: true, noEscape: !html }));
  return hb;
}

type EvidenceRow = ReturnType<typeof buildView>['evidence'][number];
const esc = Handlebars.escapeExpression;

/** Appendix B's rows, built directly: tens of thousands of rows through a Handlebars loop cost seconds. */
function evidenceRowsHtml(rows: readonly EvidenceRow[], lineWord: string): string {
  return rows
    .map((e) => {
      const hash = `${e.line_hash ? `${wrapHash(e.line_hash)} <span class="note">(${esc(lineWord)})</span><br>` : ''}${wrapHash(e.sha256)}`;
      const commit = e.commit_url ? `<a href="${esc(e.commit_url)}">${esc(e.commit_short)}</a>` : esc(e.commit_short);
      const pr = e.pr_url ? `<a href="${esc(e.pr_url)}">${esc(e.pr)}</a>` : esc(e.pr);
      return `<tr id="${esc(e.id)}"><td class="nw">${esc(e.id)}</td><td class="mono">${wrapPath(e.path)}</td><td class="num">${esc(e.seq)}</td><td class="mono hash">${hash}</td><td class="mono nw">${commit}</td><td class="nw">${pr}</td></tr>\n`;
    })
    .join('');
}

function evidenceRowsMd(rows: readonly EvidenceRow[], lineWord: string): string {
  return rows
    .map((e) => {
      const hash = `${e.line_hash ? `\`${e.line_hash}\` (${escapeMarkdown(lineWord)}); ` : ''}\`${e.sha256}\``;
      const commit = e.commit_url ? `[${e.commit_short}](${e.commit_url})` : e.commit_short;
      const pr = e.pr_url ? `[${e.pr}](${e.pr_url})` : e.pr;
      return `| ${e.id} | \`${escapeMarkdown(e.path)}\` | ${e.seq} | ${hash} | ${commit} | ${pr} |\n`;
    })
    .join('');
}

const views = new WeakMap<Report, ReturnType<typeof buildView>>();
/** The view of a report, built once for every format. */
function viewOf(report: Report): ReturnType<typeof buildView> {
  const v = views.get(report) ?? buildView(report);
  views.set(report, v);
  return v;
}

export function renderHtml(report: Report, templates: Templates): string {
  const hb = environment(report, templates.partials.html, true);
  const template = hb.compile(templates.html, { strict: true });
  const view = viewOf(report);
  return template({ ...view, css: templates.css, evidence_rows: evidenceRowsHtml(view.evidence, createTranslator(report.language)('evidence.line_hash')) });
}

export function renderMarkdown(report: Report, templates: Templates): string {
  const hb = environment(report, templates.partials.md, false);
  const template = hb.compile(templates.md, { strict: true, noEscape: true });
  const view = viewOf(report);
  return template({ ...view, evidence_rows: evidenceRowsMd(view.evidence, createTranslator(report.language)('evidence.line_hash')) }).replace(/\n{3,}/g, '\n\n');
}

export function renderJson(report: Report): string {
  return JSON.stringify(report, null, 2) + '\n';
}

export function renderReport(report: Report, format: Format, templates: Templates): string {
  if (format === 'html') return renderHtml(report, templates);
  if (format === 'md') return renderMarkdown(report, templates);
  return renderJson(report);
}
