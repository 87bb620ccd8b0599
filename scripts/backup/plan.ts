/**
 * Which restic work runs where: from the backup policies, the inventory and the
 * selection, the units of `backup verify`. Pure.
 *
 * A unit is one policy on one restic host against one repository: the target
 * host itself (through its inventory `backup_repositories` entry), or the
 * policy's `verification.restore_host` (through `repository.url`) for all its
 * targets at once. `restic check` runs once per repository (the first unit that
 * reaches it); snapshots, retention and restore tests are per target host.
 */
import type { BackupPolicyDocument, HostDocument } from '../model/documents.generated.ts';

export type BackupPolicy = Pick<BackupPolicyDocument, 'id' | 'targets' | 'paths' | 'repository' | 'retention' | 'rpo_hours' | 'rto_hours' | 'verification'> &
  Partial<Pick<BackupPolicyDocument, 'tags' | 'title'>>;
export type BackupHost = Pick<HostDocument, 'id' | 'groups'> & Partial<Pick<HostDocument, 'backup_repositories' | 'env'>>;

export interface VerifyUnit {
  policy: string;
  /** Host id where restic runs. */
  executor: string;
  repository: string;
  passwordEnv: string;
  /** Target hosts whose snapshots this unit verifies. */
  targets: string[];
  /** Targets whose restore test runs in this unit. */
  restoreTargets: string[];
  /** Whether this unit runs `restic check` of the repository (the first unit per repository does). */
  check: boolean;
}

/** A target the plan cannot verify: recorded as an error row, never silently skipped. */
export interface PlanProblem {
  policy: string;
  host: string;
  reason: string;
}

export interface VerifyPlan {
  units: VerifyUnit[];
  problems: PlanProblem[];
}

export interface PlanInput {
  policies: readonly BackupPolicy[];
  hosts: readonly BackupHost[];
  /** Only these target hosts / policies (empty: all). */
  selectHosts?: readonly string[];
  selectPolicies?: readonly string[];
  /** Which (policy, host) pairs get a restore test. */
  restoreTest: (policy: BackupPolicy, host: string) => boolean;
}

export function targetsOf(policy: Pick<BackupPolicy, 'targets'>, hosts: readonly BackupHost[]): BackupHost[] {
  return hosts.filter((h) => (policy.targets.hosts ?? []).includes(h.id) || (policy.targets.groups ?? []).some((g) => h.groups.includes(g)));
}

/** The paths a restore test restores: the policy's sample paths, else all its paths. */
export function samplePathsOf(policy: Pick<BackupPolicy, 'paths' | 'verification'>): string[] {
  return policy.verification.sample_paths?.length ? [...policy.verification.sample_paths] : [...policy.paths];
}

export function planVerify(input: PlanInput): VerifyPlan {
  const units: VerifyUnit[] = [];
  const problems: PlanProblem[] = [];
  const byId = new Map(input.hosts.map((h) => [h.id, h]));
  const policies = [...input.policies].filter((p) => !input.selectPolicies?.length || input.selectPolicies.includes(p.id)).sort((a, b) => a.id.localeCompare(b.id));
  for (const p of policies) {
    const targets = targetsOf(p, input.hosts)
      .filter((h) => !input.selectHosts?.length || input.selectHosts.includes(h.id))
      .sort((a, b) => a.id.localeCompare(b.id));
    const restoreHost = p.verification.restore_host;
    if (restoreHost) {
      if (targets.length === 0) continue;
      if (!byId.has(restoreHost)) {
        for (const t of targets) problems.push({ policy: p.id, host: t.id, reason: `the restore host '${restoreHost}' is not in the inventory` });
        continue;
      }
      units.push({
        policy: p.id,
        executor: restoreHost,
        repository: p.repository.url,
        passwordEnv: p.repository.password_env,
        targets: targets.map((t) => t.id),
        restoreTargets: targets.filter((t) => input.restoreTest(p, t.id)).map((t) => t.id),
        check: false,
      });
      continue;
    }
    for (const t of targets) {
      const entry = (t.backup_repositories ?? []).find((r) => r.policy === p.id);
      if (!entry) {
        problems.push({ policy: p.id, host: t.id, reason: `the policy targets ${t.id} but its inventory declares no backup_repositories entry for ${p.id}` });
        continue;
      }
      units.push({
        policy: p.id,
        executor: t.id,
        repository: entry.repository,
        passwordEnv: entry.password_env,
        targets: [t.id],
        restoreTargets: input.restoreTest(p, t.id) ? [t.id] : [],
        check: false,
      });
    }
  }
  // restic check once per repository: the first unit (in policy, host order) that reaches it.
  const checked = new Set<string>();
  for (const u of units)
    if (!checked.has(u.repository)) {
      checked.add(u.repository);
      u.check = true;
    }
  return { units, problems };
}

/**
 * Whether a restore test is due: no passing one of this host within the policy's cadence.
 * `lastPass` is the time of the host's newest passing restore test in records/backups/.
 */
export function restoreTestDue(policy: Pick<BackupPolicy, 'verification'>, lastPass: number | undefined, now: Date): boolean {
  return lastPass === undefined || now.getTime() - lastPass >= policy.verification.restore_test_every_days * 86_400_000;
}
