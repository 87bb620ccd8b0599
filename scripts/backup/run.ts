/**
 * The edge of `backup verify`: one verified connection per restic host, units of
 * different repositories in parallel, units of the same repository one after
 * another (restic check locks it). An unreachable host or a missing password
 * becomes `error` results with the reason, never a skipped host.
 */
import { SshError } from '../model/errors.ts';
import { toSshTarget } from '../inspect/runner.ts';
import type { InventoryHost } from '../inspect/model.ts';
import { openFleet } from '../ssh/fleet.ts';
import { redactSecrets } from '../ssh/redact.ts';
import type { SshAuth, SshTarget } from '../ssh/types.ts';
import { samplePathsOf, type BackupPolicy, type VerifyPlan, type VerifyUnit } from './plan.ts';
import { runUnit } from './run-unit.ts';
import { errorRestore, errorRetention, errorSnapshots, type CheckResult, type HostResult, type VerifyResults } from './types.ts';

export interface VerifyRunOptions {
  plan: VerifyPlan;
  policies: ReadonlyMap<string, BackupPolicy>;
  inventory: ReadonlyMap<string, InventoryHost>;
  auth: SshAuth;
  /** Values to redact everywhere (key text); the repository passwords are added here. */
  secrets: string[];
  env: NodeJS.ProcessEnv;
  now: () => Date;
  zone: string;
  concurrency?: number;
  connectTimeoutMs?: number;
  /** Per restic command (default 1 h). */
  commandTimeoutMs?: number;
}

/** The passwords of the units' repositories, as the runner's environment holds them. */
export function passwordsOf(plan: VerifyPlan, env: NodeJS.ProcessEnv): string[] {
  return [...new Set(plan.units.map((u) => env[u.passwordEnv]).filter((v): v is string => typeof v === 'string' && v.length > 0))];
}

function unitError(u: VerifyUnit, p: BackupPolicy, reason: string): HostResult[] {
  const retention = p.retention as Record<string, number>;
  return u.targets.map((t) => ({
    policy: p.id,
    host: t,
    executor: u.executor,
    repository: u.repository,
    snapshots: errorSnapshots(reason, p.rpo_hours),
    retention: errorRetention(reason, retention),
    ...(u.restoreTargets.includes(t) ? { restore: errorRestore(reason, samplePathsOf(p), p.rto_hours) } : {}),
  }));
}

/** Why a unit could not run, as `phase: message` without the host prefix the SSH layer adds, secrets redacted. */
function failureReason(e: unknown, executor: string, secrets: string[]): string {
  const phase = e instanceof SshError ? e.phase : 'internal';
  const message = redactSecrets(e instanceof Error ? e.message : String(e), secrets);
  const prefix = `${executor}: ${phase}: `;
  return `${phase}: ${message.startsWith(prefix) ? message.slice(prefix.length) : message}`;
}

/** The `restic check` result of a unit that could not run: an error with the reason, never a silent gap. */
function checkError(u: VerifyUnit, p: BackupPolicy, reason: string): CheckResult {
  return { policy: u.policy, host: u.executor, repository: u.repository, status: 'error', read_data_subset: p.verification.read_data_subset ?? null, errors: [reason], duration_ms: 0, evidence: '' };
}

export async function runVerify(o: VerifyRunOptions): Promise<VerifyResults> {
  const secrets = [...o.secrets, ...passwordsOf(o.plan, o.env)];
  const checks: CheckResult[] = [];
  const hosts: HostResult[] = [];
  for (const pr of o.plan.problems) {
    const p = o.policies.get(pr.policy)!;
    hosts.push(
      ...unitError({ policy: pr.policy, executor: pr.host, repository: p.repository.url, passwordEnv: p.repository.password_env, targets: [pr.host], restoreTargets: [], check: false }, p, pr.reason),
    );
  }
  const targets: SshTarget[] = [];
  const unreachable = new Map<string, string>();
  for (const id of new Set(o.plan.units.map((u) => u.executor))) {
    const h = o.inventory.get(id);
    if (!h) {
      unreachable.set(id, `connect: restic host '${id}' is not in the inventory`);
      continue;
    }
    try {
      targets.push(toSshTarget(h, o.inventory as Map<string, InventoryHost>));
    } catch (e) {
      unreachable.set(id, failureReason(e, id, secrets));
    }
  }
  const fleet = openFleet(targets, { auth: o.auth, secrets, connectTimeoutMs: o.connectTimeoutMs ?? 10_000, concurrency: o.concurrency ?? 10 });
  // Units grouped by repository: one group's units run in order, groups in parallel.
  const groups = new Map<string, VerifyUnit[]>();
  for (const u of o.plan.units) groups.set(u.repository, [...(groups.get(u.repository) ?? []), u]);
  const queue = [...groups.values()];
  const worker = async () => {
    for (let g = queue.shift(); g; g = queue.shift()) {
      for (const u of g) {
        const p = o.policies.get(u.policy)!;
        const password = o.env[u.passwordEnv];
        const fail = (reason: string): void => {
          hosts.push(...unitError(u, p, reason));
          if (u.check) checks.push(checkError(u, p, reason));
        };
        if (unreachable.has(u.executor)) {
          fail(unreachable.get(u.executor)!);
          continue;
        }
        if (!password) {
          fail(`the runner's environment has no ${u.passwordEnv} (the repository password of ${u.policy})`);
          continue;
        }
        try {
          const session = await fleet.session(u.executor);
          const r = await runUnit(u, { session, policy: p, password, now: o.now, zone: o.zone, timeoutMs: o.commandTimeoutMs ?? 3_600_000, secrets });
          if (r.check) checks.push(r.check);
          hosts.push(...r.hosts);
        } catch (e) {
          fail(failureReason(e, u.executor, secrets));
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency ?? 10, queue.length)) }, worker));
  } finally {
    await fleet.close();
  }
  const order = (a: { policy: string; host: string }, b: { policy: string; host: string }) => a.policy.localeCompare(b.policy) || a.host.localeCompare(b.host);
  return { checks: checks.sort(order), hosts: hosts.sort(order) };
}
