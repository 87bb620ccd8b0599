/**
 * Diagnostics are values. Every problem any command finds is one of these;
 * renderers (terminal, JSON, GitHub annotations, job summary) print them at the edge.
 */
export type DiagnosticSeverity = 'error' | 'warning' | 'notice';

export interface Diagnostic {
  /** Stable machine code, e.g. `OG101`-style names like `schema.enum`. Tests assert codes, not wording. */
  code: string;
  severity: DiagnosticSeverity;
  /** Repository-relative path with forward slashes. */
  file: string;
  /** 1-based line; 1 when the whole file is concerned. */
  line: number;
  /** 1-based column. */
  col: number;
  /** JSON pointer of the offending value inside the document, when there is one. */
  pointer?: string;
  message: string;
  /** How to fix it. */
  hint?: string;
}

export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

export function diagnostic(code: string, at: SourcePosition, message: string, extra: { severity?: DiagnosticSeverity; pointer?: string; hint?: string } = {}): Diagnostic {
  const d: Diagnostic = { code, severity: extra.severity ?? 'error', file: at.file, line: at.line, col: at.col, message };
  if (extra.pointer !== undefined) d.pointer = extra.pointer;
  if (extra.hint !== undefined) d.hint = extra.hint;
  return d;
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.code.localeCompare(b.code);
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
