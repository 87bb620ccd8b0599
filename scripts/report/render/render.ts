/**
 * Renders a report: Handlebars in strict mode (a missing field is an error,
 * never an empty cell), one isolated Handlebars environment per format.
 * Templates are loaded once by `loadTemplates` (reads files shipped with the
 * code); rendering itself is pure.
 */
import { readFileSync } from 'node:fs';
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

const read = (name: string) => readFileSync(codePath('scripts/report/templates', name), 'utf8');

export function loadTemplates(): Templates {
  return {
    css: read('report.css'),
    html: read('report.html.hbs'),
    md: read('report.md.hbs'),
    partials: {
      html: { figures: read('figures.html.hbs'), rows: read('rows.html.hbs'), controls: read('controls.html.hbs'), duties: read('duties.html.hbs') },
      md: { figures: read('figures.md.hbs'), rows: read('rows.md.hbs'), controls: read('controls.md.hbs'), duties: read('duties.md.hbs') },
    },
  };
}

/** Escapes text for a Markdown table cell or list item. */
export function escapeMarkdown(v: unknown): string {
  return String(v).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/([*_`[\]])/g, '\\$1');
}

function environment(report: Report, partials: Record<string, string>, escape: boolean): typeof Handlebars {
  const hb = Handlebars.create();
  const t = createTranslator(report.language);
  hb.registerHelper('t', (key: unknown, options: Handlebars.HelperOptions) => {
    const text = t(String(key), options.hash as Record<string, string>);
    return escape ? text : text;
  });
  hb.registerHelper('md', (v: unknown) => escapeMarkdown(v));
  for (const [name, src] of Object.entries(partials)) hb.registerPartial(name, hb.compile(src, { strict: true, noEscape: !escape }));
  return hb;
}

export function renderHtml(report: Report, templates: Templates): string {
  const hb = environment(report, templates.partials.html, true);
  const template = hb.compile(templates.html, { strict: true });
  return template({ ...buildView(report), css: templates.css });
}

export function renderMarkdown(report: Report, templates: Templates): string {
  const hb = environment(report, templates.partials.md, false);
  const template = hb.compile(templates.md, { strict: true, noEscape: true });
  return template(buildView(report)).replace(/\n{3,}/g, '\n\n');
}

export function renderJson(report: Report): string {
  return JSON.stringify(report, null, 2) + '\n';
}

export function renderReport(report: Report, format: Format, templates: Templates): string {
  if (format === 'html') return renderHtml(report, templates);
  if (format === 'md') return renderMarkdown(report, templates);
  return renderJson(report);
}
