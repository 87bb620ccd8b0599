import type { Diagnostic } from '../model/diagnostic.ts';
import { countBySeverity } from '../render/diagnostics-text.ts';
import { sanitizeForLog as clean } from '../render/sanitize.ts';
import { renderWorkflowCommand } from './workflow-commands.ts';

/** GitHub workflow commands (annotations) for diagnostics, located at file, line and column. Pure. */
export function renderAnnotations(diagnostics: readonly Diagnostic[]): string {
  return diagnostics
    .map((d) => {
      const level = d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warning' : 'notice';
      return renderWorkflowCommand(level, { file: d.file, line: d.line, col: d.col, title: d.code }, clean(d.message) + (d.hint ? `\nfix: ${clean(d.hint)}` : ''));
    })
    .join('\n');
}

/** Markdown job summary: counts and a table of findings (capped). Pure. */
export function renderLintSummary(diagnostics: readonly Diagnostic[], documents: number, cap = 200): string {
  const n = countBySeverity(diagnostics);
  const head = `## opsgate lint\n\n${n.error === 0 ? '✅' : '❌'} ${documents} documents · ${n.error} error(s) · ${n.warning} warning(s) · ${n.notice} notice(s)\n`;
  if (diagnostics.length === 0) return head;
  const rows = diagnostics.slice(0, cap).map((d) => `| ${d.severity} | \`${clean(d.file).replace(/`/g, "'")}:${d.line}:${d.col}\` | \`${d.code}\` | ${cell(d.message)} | ${cell(d.hint ?? '')} |`);
  const more = diagnostics.length > cap ? `\n…and ${diagnostics.length - cap} more (see the job log).\n` : '';
  return `${head}\n| severity | where | code | problem | fix |\n|---|---|---|---|---|\n${rows.join('\n')}\n${more}`;
}

function cell(s: string): string {
  return clean(s).replace(/\|/g, '\\|');
}
