/**
 * Which secrets a workflow may hand to opsgate: exactly the names the policy
 * allows (policies/organisation.yaml), never the workflow's own token, the
 * runner's or Node's control variables, or opsgate's own credentials. Pure.
 */

/** How many secrets the reusable workflows pass (the slots OPSGATE_SECRET_1…N). */
export const SECRET_SLOTS = 16;

const NAME = /^[A-Z][A-Z0-9_]{0,99}$/;
const RESERVED = /^(GITHUB_|RUNNER_|ACTIONS_|OPSGATE_|NODE_|NPM_|GIT_|LD_|DYLD_|SSH_)|^(PATH|HOME|SHELL|ENV|BASH_ENV|IFS|PS4|CI|TMPDIR|LANG|LC_ALL|TZ|USER|LOGNAME|PWD|OLDPWD|HOSTNAME|SHLVL)$/;

/** Why a name can never be passed, or undefined when it can. */
export function secretNameProblem(name: string): string | undefined {
  if (!NAME.test(name)) return `'${name}' is not a secret name (capital letters, digits and '_', starting with a letter)`;
  if (RESERVED.test(name)) return `'${name}' is reserved: the workflow token, the runner's, Node's, git's and opsgate's own variables are never passed to a change`;
  return undefined;
}

/** The allowed names as the organisation document lists them (`allowed_secrets`), deduplicated, in policy order. */
export function allowedSecretNames(organisation: unknown): string[] {
  const list = (organisation as { allowed_secrets?: unknown } | undefined)?.allowed_secrets;
  if (!Array.isArray(list)) return [];
  return [...new Set(list.filter((x): x is string => typeof x === 'string'))];
}

export function checkAllowedSecrets(names: readonly string[]): string[] {
  const problems = names.map(secretNameProblem).filter((p): p is string => Boolean(p));
  if (names.length > SECRET_SLOTS) problems.push(`the policy allows ${names.length} secrets; the workflows pass at most ${SECRET_SLOTS} (OPSGATE_SECRET_1…${SECRET_SLOTS})`);
  return problems;
}
