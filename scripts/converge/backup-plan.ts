/**
 * Which backup policies apply to which host, and what each host gets: the
 * planning half of `converge backup`, shared by the command, its --dry-run,
 * the schedule (--due) and the records. Pure.
 */
import { createHash } from 'node:crypto';
import type { BackupPolicyDocument, HostDocument } from '../model/documents.generated.ts';
import { renderBackup, type RenderedPolicy } from './backup-render.ts';

export interface PlanHostInput {
  id: string;
  data: Pick<HostDocument, 'groups'> & Partial<Pick<HostDocument, 'backup_repositories'>>;
}

/** Does the policy target the host (by id or group)? */
export function policyTargets(policy: Pick<BackupPolicyDocument, 'targets'>, host: PlanHostInput): boolean {
  return (policy.targets.hosts ?? []).includes(host.id) || (policy.targets.groups ?? []).some((g) => host.data.groups.includes(g));
}

/** The repository and password variable of a policy on a host: the inventory's backup_repositories entry, else the policy's. */
export function repositoryFor(policy: Pick<BackupPolicyDocument, 'id' | 'repository'>, host: PlanHostInput): { url: string; passwordEnv: string } {
  const own = host.data.backup_repositories?.find((r) => r.policy === policy.id);
  return own ? { url: own.repository, passwordEnv: own.password_env } : { url: policy.repository.url, passwordEnv: policy.repository.password_env };
}

/** The runner secret names a policy needs on a host. */
export function secretNamesFor(policy: BackupPolicyDocument, host: PlanHostInput): string[] {
  return [...new Set([repositoryFor(policy, host).passwordEnv, ...Object.values(policy.repository.credentials ?? {}).filter((v): v is string => typeof v === 'string')])];
}

export function planBackupHost(host: PlanHostInput, policies: readonly BackupPolicyDocument[], timezone: string, secret: (name: string) => string | undefined): RenderedPolicy[] {
  return policies
    .filter((p) => policyTargets(p, host))
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((p) => {
      const r = repositoryFor(p, host);
      return renderBackup({ host: host.id, policy: p, repository: r.url, passwordEnv: r.passwordEnv, timezone }, secret);
    });
}

const sha = (t: string) => createHash('sha256').update(t).digest('hex');

/**
 * What a host × policy's installed state is, as one hash: every file without
 * secrets, the names of the secret-bearing files' variables, and the secret
 * names. A scheduled converge runs where it differs from the last converged.
 */
export function desiredStateHash(p: RenderedPolicy): string {
  const files = [...p.common, ...p.systemd, ...p.cron].map((f) => `${f.path}\t${f.mode}\t${f.secret ? `secret:${f.role === 'env' ? p.envNames.join(',') : f.role}` : sha(f.content)}`);
  return sha([p.repository, ...files].join('\n'));
}

/** The record's view of a rendered policy: no secret, no hash of a secret. */
export function recordedPolicy(p: RenderedPolicy): Record<string, unknown> {
  return {
    policy: p.policy,
    repository: p.repository,
    init: p.init,
    state_sha256: desiredStateHash(p),
    schedules: p.schedules,
    timers: p.timers,
    commands: p.commands,
    env: p.envNames,
    files: [...p.common, ...p.systemd, ...p.cron].map((f) => ({ path: f.path, mode: f.mode, role: f.role, ...(f.secret ? { secret: true } : { sha256: sha(f.content) }) })),
  };
}

/**
 * Hosts in waves, so that no two hosts run `restic init` on one repository at
 * once (two concurrent inits leave a repository whose config no key opens).
 * A host joins the current wave unless a repository it may create is already
 * one another host of the wave may create; a repository an earlier wave could
 * create is no longer counted. Hosts without `init: true` all go in the first
 * wave. Order within a wave is the input order.
 */
export function planInitWaves<H extends PlanHostInput>(hosts: readonly H[], policies: readonly BackupPolicyDocument[]): H[][] {
  const initUrls = (h: H) => new Set(policies.filter((p) => p.repository.init && policyTargets(p, h)).map((p) => repositoryFor(p, h).url));
  const claimed = new Set<string>();
  let remaining = [...hosts];
  const waves: H[][] = [];
  while (remaining.length) {
    const wave: H[] = [];
    const mine = new Set<string>();
    const later: H[] = [];
    for (const h of remaining) {
      const urls = [...initUrls(h)].filter((u) => !claimed.has(u));
      if (urls.some((u) => mine.has(u))) later.push(h);
      else {
        wave.push(h);
        for (const u of urls) mine.add(u);
      }
    }
    waves.push(wave);
    for (const u of mine) claimed.add(u);
    remaining = later;
  }
  return waves;
}
