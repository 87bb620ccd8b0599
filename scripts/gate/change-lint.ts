import type { AnyDoc } from '../repo/parse-document.ts';
import { RepoModel } from '../repo/repo-model.ts';
import { checkChanges } from '../rules/change-rules.ts';
import type { GateProblem } from './types.ts';

/**
 * The change rules lint enforces, enforced by the gate too, so that the one
 * required status is enough: a changed change request whose window, freeze,
 * emergency justification, declared-versus-derived risk, safeguards, files or
 * conflicts lint rejects fails the gate with lint's own messages. Context
 * (calendar, inventory, other change requests) is the base's; the changed
 * change requests are the head's. Pure.
 */
export function lintChangedChanges(args: {
  changed: readonly AnyDoc[];
  context: readonly AnyDoc[];
  baseChanges: readonly AnyDoc[];
  existingFiles: ReadonlySet<string>;
  refusedFiles: ReadonlyMap<string, string>;
  now: Date;
}): GateProblem[] {
  if (!args.changed.length) return [];
  const files = new Set(args.changed.map((d) => d.file));
  const ids = new Set(args.changed.map((d) => d.id));
  const docs = [...args.context, ...args.changed, ...args.baseChanges.filter((d) => !files.has(d.file) && !ids.has(d.id))];
  const repo = new RepoModel('.', docs, [], new Set(docs.map((d) => d.file)));
  return checkChanges({ repo, now: args.now, existingFiles: args.existingFiles, refusedFiles: args.refusedFiles })
    .filter((d) => d.severity === 'error' && files.has(d.file))
    .map((d) => ({ code: 'gate.lint', file: d.file, message: `${d.file}:${d.line}:${d.col} ${d.code} ${d.message}${d.hint ? ` (fix: ${d.hint})` : ''}` }));
}
