import type { HostFacts, ResticSnapshot } from './facts.ts';
import type { BackupPolicy, CheckDef, InventoryHost, Outcome, PolicyData } from './model.ts';

/**
 * Backup freshness per host. A restic repository may hold many hosts' snapshots: only this
 * host's count (restic's hostname equals the host's `uname -n` or its inventory id), and only
 * those of the policy (all of its `tags`, or, without tags, paths covering every policy path).
 * Retention is counted per host. Pure.
 */
export function snapshotsOfHost(snaps: ResticSnapshot[], hostnames: string[], policy: BackupPolicy): ResticSnapshot[] {
  const tags = policy.tags ?? [];
  const paths = policy.paths ?? [];
  return snaps.filter(
    (s) =>
      hostnames.includes(s.host) &&
      (tags.length ? tags.every((t) => s.tags.includes(t)) : paths.every((p) => s.paths.some((x) => x === p || x.endsWith(p) || p.startsWith(`${x.replace(/\/$/, '')}/`)))),
  );
}

const hoursSince = (now: Date, t: number) => Math.round(((now.getTime() - t) / 3_600_000) * 10) / 10;

const FRESHNESS_EXPECTED = "this host's newest snapshot of each backup policy within its RPO; this host's snapshot count within retention";

/**
 * backup_freshness decided without the host: where the host declares no repository there are no
 * snapshots to read, so the answer is the same whether or not the host answered. Undefined otherwise.
 */
export function backupFreshnessWithoutHost(_c: CheckDef, host: InventoryHost, policy: PolicyData): Outcome | undefined {
  if ((host.backup_repositories ?? []).length > 0) return undefined;
  const expected = FRESHNESS_EXPECTED;
  const targeting = policy.backupPolicies.filter((b) => (b.targets?.hosts ?? []).includes(host.id) || (b.targets?.groups ?? []).some((g) => host.groups.includes(g)));
  if (targeting.length === 0) return { status: 'not_applicable', expected, observed: 'no backup policy targets this host', reason: 'no backup policy targets this host', evidence: '' };
  return {
    status: 'fail',
    expected,
    observed: 'no backup_repositories in the inventory',
    reason: `policies ${targeting.map((b) => b.id).join(', ')} target this host but it declares no repository`,
    evidence: '',
  };
}

export function evaluateBackupFreshness(c: CheckDef, f: HostFacts, host: InventoryHost, policy: PolicyData, now: Date): Outcome {
  const repos = host.backup_repositories ?? [];
  const expected = FRESHNESS_EXPECTED;
  const withoutRepositories = backupFreshnessWithoutHost(c, host, policy);
  if (withoutRepositories) return withoutRepositories;
  const hostnames = [...new Set([host.id, ...(f.identity.ok && f.identity.value.hostname ? [f.identity.value.hostname] : [])])];
  const problems: string[] = [];
  const observed: string[] = [];
  const errors: string[] = [];
  for (const r of repos) {
    const bp = policy.backupPolicies.find((b) => b.id === r.policy);
    const fact = f.restic.get(r.policy);
    if (!bp) {
      errors.push(`${r.policy}: unknown backup policy`);
      continue;
    }
    if (!fact || !fact.ok) {
      errors.push(`${r.policy}: ${fact ? fact.reason : 'not gathered'}`);
      continue;
    }
    const mine = snapshotsOfHost(fact.value, hostnames, bp)
      .map((s) => ({ s, t: Date.parse(s.time) }))
      .filter((x) => !Number.isNaN(x.t))
      .sort((a, b) => b.t - a.t);
    const others = fact.value.length - mine.length;
    const notCounted = others ? ` (${others} snapshot${others === 1 ? '' : 's'} of other hosts or policies in the repository not counted)` : '';
    if (mine.length === 0) {
      problems.push(`${r.policy}: no snapshot of ${hostnames.join('/')}${notCounted}`);
      observed.push(`${r.policy}: none for this host${notCounted}`);
      continue;
    }
    const newest = mine[0]!;
    const age = hoursSince(now, newest.t);
    observed.push(`${r.policy}: newest ${newest.s.id} at ${new Date(newest.t).toISOString()} (${age} h old), ${mine.length} snapshots of this host${notCounted}`);
    if (age > bp.rpo_hours)
      problems.push(`${r.policy}: newest snapshot of ${newest.s.host} is ${newest.s.id} at ${new Date(newest.t).toISOString()}, ${age} h old; RPO is ${bp.rpo_hours} h${notCounted}`);
    const keep = bp.retention ? (bp.retention.keep_daily ?? 0) + (bp.retention.keep_weekly ?? 0) + (bp.retention.keep_monthly ?? 0) + (bp.retention.keep_yearly ?? 0) : 0;
    if (keep > 0 && mine.length > keep) problems.push(`${r.policy}: ${mine.length} snapshots of this host exceed retention (${keep}): forget/prune is not running`);
  }
  const evidence = `restic -r REPOSITORY snapshots --json --host ${hostnames[hostnames.length - 1]}`;
  if (errors.length && !problems.length) return { status: 'error', expected, observed: observed.join('; '), reason: errors.join('; '), evidence };
  return { status: problems.length ? 'fail' : 'pass', expected, observed: observed.join('; '), reason: [...problems, ...errors].join('; '), evidence };
}
