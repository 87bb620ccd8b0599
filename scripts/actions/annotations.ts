import type { AnnotationProperties } from '@actions/core';
import type { Diagnostic } from '../model/diagnostic.ts';
import { countBySeverity } from '../render/diagnostics-text.ts';
import { sanitizeForLog as clean } from '../render/sanitize.ts';

/** What @actions/core needs to annotate one diagnostic. Pure. */
export function toAnnotation(d: Diagnostic): { level: 'error' | 'warning' | 'notice'; message: string; properties: AnnotationProperties } {
  return {
    level: d.severity === 'error' ? 'error' : d.severity === 'warning' ? 'warning' : 'notice',
    message: clean(d.message) + (d.hint ? `\nfix: ${clean(d.hint)}` : ''),
    properties: { title: d.code, file: d.file, startLine: d.line, startColumn: d.col },
  };
}

/**
 * Edge: one GitHub annotation per diagnostic, issued by @actions/core (its
 * workflow-command escaping of `%`, line breaks, `:` and `,`). core writes to the
 * process's stdout, which is the command's stdout under the bin.
 */
export async function issueAnnotations(diagnostics: readonly Diagnostic[]): Promise<void> {
  if (diagnostics.length === 0) return;
  const core = await import('@actions/core');
  for (const d of diagnostics) {
    const a = toAnnotation(d);
    core[a.level](a.message, a.properties);
  }
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
