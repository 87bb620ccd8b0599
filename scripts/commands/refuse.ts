import type { Diagnostic } from '../model/diagnostic.ts';
import { ExitCode } from '../model/errors.ts';
import { renderDiagnosticsText } from '../render/diagnostics-text.ts';
import type { CommandContext } from './context.ts';

/** A command that writes nothing because of located problems: the problems, one summary line, exit 2. Edge. */
export function refuse(ctx: CommandContext, diagnostics: Diagnostic[], summary: string): number {
  ctx.stderr.write(renderDiagnosticsText(diagnostics, { colour: false }));
  ctx.stderr.write(`opsgate: ${summary}\n`);
  return ExitCode.unusable;
}
