import type { ChangeDocument } from '../model/documents.generated.ts';
import { secretRefName } from '../change/render-command.ts';
import { allowedSecretNames, secretNameProblem } from './secret-names.ts';

/**
 * Secrets are named and allowed, never blanket (issue 10, item 15): a change
 * may name only the secrets policies/organisation.yaml lists under
 * allowed_secrets, and never a reserved one (the workflow token, the runner's
 * variables, opsgate's own credentials; scripts/rules/secret-names.ts),
 * whatever the list says. The workflows pass exactly that list. Pure.
 */

/** The names a change may receive. */
export function allowedSecrets(organisation: unknown): Set<string> {
  return new Set(allowedSecretNames(organisation).filter((n) => !secretNameProblem(n)));
}

/** Why a change may not name this secret, or undefined when it may; `organisationFile` is the organisation's file as the repository spells it (singletonFileOf). */
export function secretUseProblem(name: string, allowed: ReadonlySet<string>, organisationFile: string): { code: string; message: string } | undefined {
  const reserved = secretNameProblem(name);
  if (reserved) return { code: 'change.secret-reserved', message: reserved };
  if (!allowed.has(name)) return { code: 'change.secret-not-allowed', message: `secret ${name} is not in allowed_secrets of ${organisationFile}` };
  return undefined;
}

/** Every secret a change names, with the JSON pointer of the env value that names it. */
export function secretsOfChange(change: Pick<ChangeDocument, 'steps' | 'rollback'>): { name: string; pointer: string }[] {
  const out: { name: string; pointer: string }[] = [];
  // Most steps name no env: those cost a property read, not an entries list.
  const visit = (list: readonly object[] | undefined, where: string) => {
    if (!list) return;
    for (let i = 0; i < list.length; i++) {
      const env = (list[i] as { env?: Record<string, string | undefined> }).env;
      if (!env) continue;
      for (const [k, v] of Object.entries(env)) {
        const name = typeof v === 'string' ? secretRefName(v) : undefined;
        if (name) out.push({ name, pointer: `/${where}/${i}/env/${k}` });
      }
    }
  };
  visit(change.steps, 'steps');
  visit(change.rollback, 'rollback');
  return out;
}
