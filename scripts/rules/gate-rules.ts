import type { Diagnostic } from '../model/diagnostic.ts';
import { findDuplicateHosts, hostIdentity } from '../gate/host-identity.ts';
import { at, type RuleInput } from './rule-context.ts';
import { secretNameProblem } from './secret-names.ts';
import { allowedSecrets, secretsOfChange, secretUseProblem } from './secret-policy.ts';
import { singletonFileOf } from './singleton-file.ts';

/**
 * Lint rules that keep the approval gate's assumptions true (issue 10):
 * one machine is one host (no alias of a production host under a staging
 * name), and every person in an approval team can be recognised on GitHub.
 * Pure.
 */
export function checkGateAssumptions({ repo }: RuleInput): Diagnostic[] {
  const out: Diagnostic[] = [];
  const hosts = repo.all('host');
  const byId = new Map(hosts.map((h) => [h.id, h]));
  // Each pair is reported once, on the host whose file sorts later.
  const dups = findDuplicateHosts(
    hosts.map((h) => hostIdentity(h.id, h.file, h.data as unknown as Record<string, unknown>)),
    new Set(hosts.map((h) => h.id)),
  );
  for (const d of dups) {
    const doc = byId.get(d.id)!;
    if (doc.file < byId.get(d.other)!.file) continue;
    out.push(at(doc, d.what === 'address' ? '/address' : '/host_keys', 'host.duplicate', d.message, `${d.other} already is this machine: edit ${d.other} instead of adding another name for it`));
  }
  const org = repo.one('organisation');
  ((org?.data as { allowed_secrets?: string[] } | undefined)?.allowed_secrets ?? []).forEach((name, i) => {
    const problem = secretNameProblem(name);
    if (problem) out.push(at(org!, `/allowed_secrets/${i}`, 'organisation.reserved-secret', problem, 'remove it from allowed_secrets; give the change a secret of its own'));
  });
  const allowed = allowedSecrets(org?.data);
  const organisationFile = singletonFileOf(repo, 'organisation');
  for (const c of repo.all('change')) {
    for (const ref of secretsOfChange(c.data)) {
      const p = secretUseProblem(ref.name, allowed, organisationFile);
      if (p)
        out.push(
          at(
            c,
            ref.pointer,
            p.code,
            p.message,
            allowed.size
              ? `allowed: ${[...allowed].join(', ')}; or add it to allowed_secrets in ${organisationFile} (governance tier)`
              : `add it to allowed_secrets in ${organisationFile} (governance tier)`,
          ),
        );
    }
  }
  const approval = repo.one('approval');
  // Once the organisation pins one account by id, an approver pinned by login alone is most likely an oversight.
  const pinning = repo.all('person').some((p) => p.data.github_id !== undefined);
  if (approval) {
    for (const [team, t] of Object.entries(approval.data.teams ?? {})) {
      (t?.members ?? []).forEach((m, i) => {
        const p = repo.get('person', m);
        if (p && p.data.github && p.data.github_id === undefined && pinning)
          out.push(
            at(
              approval,
              `/teams/${team}/members/${i}`,
              'approval.member-no-github-id',
              `${m} approves for team ${team} by the login ${p.data.github} alone (${p.file} has no github_id), while other people are pinned to their account id; a login can be renamed or registered again by someone else`,
              `add github_id: <id> to ${m} (https://api.github.com/users/${p.data.github} → id)`,
              'warning',
            ),
          );
        if (p && !p.data.github)
          out.push(
            at(
              approval,
              `/teams/${team}/members/${i}`,
              'approval.member-no-login',
              `${m} has no GitHub login (${p.file}), so no review can ever be theirs; team ${team} counts them but they can never approve`,
              `add github: <login> to ${m}, or take them out of team ${team}`,
            ),
          );
      });
    }
  }
  return out;
}
