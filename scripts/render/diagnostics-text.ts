import type { Diagnostic } from '../model/diagnostic.ts';
import { sanitizeForLog as clean } from './sanitize.ts';

const COLOURS = { error: '\x1b[31m', warning: '\x1b[33m', notice: '\x1b[36m', dim: '\x1b[2m', bold: '\x1b[1m', reset: '\x1b[0m' };

/** Human output grouped by file: `file:line:col  CODE  message` with the hint beneath. Pure. */
export function renderDiagnosticsText(diagnostics: readonly Diagnostic[], opts: { colour: boolean; documents?: number }): string {
  const c = (k: keyof typeof COLOURS, s: string) => (opts.colour ? COLOURS[k] + s + COLOURS.reset : s);
  const byFile = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
  const lines: string[] = [];
  for (const [file, ds] of byFile) {
    lines.push(c('bold', clean(file)));
    for (const d of ds) {
      // The JSON pointer stays in --format json; a person reads the location and the message.
      lines.push(`  ${clean(file)}:${d.line}:${d.col}  ${c(d.severity, clean(d.code))}  ${clean(d.message)}`);
      if (d.hint) lines.push(c('dim', `      fix: ${clean(d.hint)}`));
    }
    lines.push('');
  }
  lines.push(renderSummaryLine(diagnostics, opts.documents));
  return lines.join('\n') + '\n';
}

export function countBySeverity(diagnostics: readonly Diagnostic[]): Record<Diagnostic['severity'], number> {
  const n = { error: 0, warning: 0, notice: 0 };
  for (const d of diagnostics) n[d.severity]++;
  return n;
}

export function renderSummaryLine(diagnostics: readonly Diagnostic[], documents?: number): string {
  const n = countBySeverity(diagnostics);
  const docs = documents === undefined ? '' : `${documents} documents, `;
  return `${docs}${n.error} error(s), ${n.warning} warning(s), ${n.notice} notice(s)`;
}
