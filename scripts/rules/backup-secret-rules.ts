/**
 * The restic passwords (and backend credentials) a backup policy needs must be
 * ones the scheduled workflows can hand over. `apply --due` converges every
 * backup policy, `backup verify` and `inspect` open its repositories, and all
 * three receive only the secrets in allowed_secrets of
 * policies/organisation.yaml (one slot each, never all secrets). A name
 * missing there passes review and then fails every scheduled run on the
 * policy's hosts for want of the password; lint warns at the line that names
 * it (a warning, like a notification secret the watch cannot receive). Pure.
 */
import type { Diagnostic } from '../model/diagnostic.ts';
import type { Doc } from '../repo/parse-document.ts';
import { policyTargets, repositoryFor } from '../converge/backup-plan.ts';
import { at, type RuleInput } from './rule-context.ts';
import { allowedSecrets, secretUseProblem } from './secret-policy.ts';
import { singletonFileOf } from './singleton-file.ts';

const HINT = (name: string, organisationFile: string) =>
  `add ${name} to allowed_secrets in ${organisationFile} (governance tier) and to the secrets of the environment the scheduled workflows run in, or name a password variable that is allowed`;

/** policyTargets(policy, host) for one policy and many hosts: its host ids and groups as sets. */
export function targetsOf(policy: Parameters<typeof policyTargets>[0]): (host: Doc<'host'>) => boolean {
  const ids = new Set(policy.targets.hosts ?? []);
  const groups = new Set(policy.targets.groups ?? []);
  return (h) => ids.has(h.id) || (groups.size > 0 && h.data.groups.some((g) => groups.has(g)));
}

/**
 * hosts.filter(targetsOf(policy)) for many policies over one host list: the hosts are indexed
 * by id and by group once, so a policy costs its own targets, not a test of every host. Same
 * hosts, in the same (list) order.
 */
export function targetIndex(hosts: readonly Doc<'host'>[]): (policy: Parameters<typeof policyTargets>[0]) => Doc<'host'>[] {
  const byId = new Map<string, number[]>();
  const byGroup = new Map<string, number[]>();
  const add = (m: Map<string, number[]>, k: string, i: number) => {
    const list = m.get(k);
    if (list) list.push(i);
    else m.set(k, [i]);
  };
  hosts.forEach((h, i) => {
    add(byId, h.id, i);
    for (const g of h.data.groups) add(byGroup, g, i);
  });
  return (policy) => {
    const picked = new Set<number>();
    for (const id of policy.targets.hosts ?? []) for (const i of byId.get(id) ?? []) picked.add(i);
    for (const g of policy.targets.groups ?? []) for (const i of byGroup.get(g) ?? []) picked.add(i);
    return [...picked].sort((a, b) => a - b).map((i) => hosts[i]!);
  };
}

export function checkBackupSecrets({ repo }: RuleInput): Diagnostic[] {
  const allowed = allowedSecrets(repo.one('organisation')?.data);
  const organisationFile = singletonFileOf(repo, 'organisation');
  const targetsOfPolicy = targetIndex(repo.all('host'));
  const out: Diagnostic[] = [];
  const report = (doc: Parameters<typeof at>[0], pointer: string, name: string, what: string, on: readonly string[]) => {
    const problem = secretUseProblem(name, allowed, organisationFile);
    if (!problem) return;
    const code = problem.code === 'change.secret-reserved' ? 'backup.secret-reserved' : 'backup.secret-not-allowed';
    const message = `${what} ${name} is needed on ${on.join(', ')}, but ${problem.message}: the scheduled converge (apply --due), backup verify and inspect receive only allowed secrets, so they would fail there`;
    out.push(at(doc, pointer, code, message, HINT(name, organisationFile), 'warning'));
  };
  for (const bp of repo.all('backup-policy')) {
    const p = bp.data;
    const targeted = targetsOfPolicy(p);
    if (targeted.length === 0) continue;
    // The policy's own password, on the hosts without an inventory override; each override at its host's line.
    const onPolicy = targeted.filter((h) => !h.data.backup_repositories?.some((r) => r.policy === p.id)).map((h) => h.id);
    if (onPolicy.length) report(bp, '/repository/password_env', p.repository.password_env, 'the repository password', onPolicy);
    for (const h of targeted) {
      const i = h.data.backup_repositories?.findIndex((r) => r.policy === p.id) ?? -1;
      if (i >= 0) report(h, `/backup_repositories/${i}/password_env`, repositoryFor(p, h).passwordEnv, `the repository password of ${p.id}`, [h.id]);
    }
    for (const [key, name] of Object.entries(p.repository.credentials ?? {})) {
      if (typeof name === 'string')
        report(
          bp,
          `/repository/credentials/${key}`,
          name,
          `the backend credential ${key}`,
          targeted.map((h) => h.id),
        );
    }
  }
  return out;
}
