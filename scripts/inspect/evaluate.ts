import { evaluateSessionUmask } from './checks-umask.ts';
import { evaluateSshdLoaded } from './checks-sshd-loaded.ts';
import type { HostFacts } from './facts.ts';
import { SERVICE_ACTIVE_CHECKS } from './checks-service-active.ts';
import { evaluateAuthorizedKeys, evaluateSudoers } from './checks-access.ts';
import { evaluateAccounts, evaluateEmptyPasswords, evaluatePasswordAge, evaluatePrivilegedGroups } from './checks-accounts.ts';
import { backupFreshnessWithoutHost, evaluateBackupFreshness } from './checks-backup.ts';
import { PATCH_CHECKS, versionRequests } from './checks-patch.ts';
import { SERVICE_CHECKS } from './checks-services.ts';
import type { VersionRequest } from './probe-patch.ts';
import { evaluateFileMode, evaluateLoginDefs, evaluatePackages, evaluatePorts, evaluateSshdOption, evaluateSysctl, evaluateThreshold } from './checks-system.ts';
import { inScope, type Baseline, type CheckDef, type InspectionRow, type InventoryHost, type Outcome, type PolicyData } from './model.ts';

/**
 * The check registry: each type names the probe sections it reads (so a host is only asked for
 * what the baselines in scope need) and a pure evaluation. To add a type, add an entry here and
 * to the `type` enum (and its params) in schemas/baseline.schema.json. identity and os-release
 * are always gathered; file_mode paths, sysctl keys and restic repositories are added per check.
 */
export interface CheckType {
  sections: readonly string[];
  evaluate: (c: CheckDef, f: HostFacts, host: InventoryHost, policy: PolicyData, now: Date) => Outcome;
  /**
   * The outcome when it needs nothing from the host (a manual check; a backup check no policy
   * applies to): decided the same whether or not the host answered, so an unreachable host is
   * not charged an error for it. Undefined: the host's facts are needed.
   */
  withoutHost?: (c: CheckDef, host: InventoryHost, policy: PolicyData, now: Date) => Outcome | undefined;
}

export const CHECK_REGISTRY: Record<string, CheckType> = {
  sshd_option: { sections: ['sshd'], evaluate: (c, f) => evaluateSshdOption(c, f) },
  sshd_loaded: { sections: ['sshd'], evaluate: (c, f) => evaluateSshdLoaded(c, f) },
  port_allowlist: { sections: ['listen'], evaluate: (c, f) => evaluatePorts(c, f, 'allow') },
  port_denylist: { sections: ['listen'], evaluate: (c, f) => evaluatePorts(c, f, 'deny') },
  // UMASK is judged by what an SSH session gets (checks-umask.ts): sshd's UsePAM, its PAM session stack, the session's own umask.
  login_defs: { sections: ['login-defs', 'sshd', 'pam-sshd', 'passwd', 'shells'], evaluate: (c, f) => (String(c.params.key) === 'UMASK' ? evaluateSessionUmask(c, f) : evaluateLoginDefs(c, f)) },
  file_mode: { sections: [], evaluate: (c, f) => evaluateFileMode(c, f) },
  package_absent: { sections: ['packages'], evaluate: (c, f) => evaluatePackages(c, f, 'absent') },
  package_present: { sections: ['packages'], evaluate: (c, f) => evaluatePackages(c, f, 'present') },
  sysctl: { sections: ['sysctl-persisted'], evaluate: (c, f) => evaluateSysctl(c, f) },
  ...SERVICE_ACTIVE_CHECKS,
  disk_usage: { sections: ['disk'], evaluate: (c, f) => evaluateThreshold(c, f, 'disk') },
  memory_usage: { sections: ['memory'], evaluate: (c, f) => evaluateThreshold(c, f, 'memory') },
  load: { sections: ['load'], evaluate: (c, f) => evaluateThreshold(c, f, 'load') },
  accounts: { sections: ['passwd', 'group', 'shadow', 'shells', 'sshd', 'pam-sshd'], evaluate: evaluateAccounts },
  privileged_groups: { sections: ['passwd', 'group'], evaluate: evaluatePrivilegedGroups },
  empty_password: { sections: ['passwd', 'shadow', 'shells'], evaluate: (c, f) => evaluateEmptyPasswords(c, f) },
  password_age: { sections: ['passwd', 'shadow', 'shells', 'login-defs'], evaluate: evaluatePasswordAge },
  authorized_keys: { sections: ['sshd', 'authorized-keys', 'passwd', 'group'], evaluate: evaluateAuthorizedKeys },
  sudoers: { sections: ['sudoers', 'passwd', 'group', 'shells', 'sudo-list'], evaluate: evaluateSudoers },
  backup_freshness: { sections: [], evaluate: evaluateBackupFreshness, withoutHost: backupFreshnessWithoutHost },
  ...PATCH_CHECKS,
  ...SERVICE_CHECKS,
  manual: { sections: [], evaluate: (c) => manualOutcome(c), withoutHost: (c) => manualOutcome(c) },
};

function manualOutcome(c: CheckDef): Outcome {
  return { status: 'not_checked', expected: String(c.params.procedure ?? 'manual review'), observed: '', reason: 'manual check: record the result by hand', evidence: '' };
}

/** The check types opsgate evaluates; the baseline schema's `type` enum lists the same names. */
export const CHECK_TYPES = Object.keys(CHECK_REGISTRY);

/** Evaluates one check against one host's facts. Pure: `now` is a parameter. */
export function evaluateCheck(c: CheckDef, facts: HostFacts, host: InventoryHost, policy: PolicyData, now: Date): Outcome {
  const t = CHECK_REGISTRY[c.type];
  if (!t) return { status: 'error', expected: '', observed: '', reason: `unknown check type '${c.type}'; expected one of ${CHECK_TYPES.join(', ')}`, evidence: '' };
  return t.evaluate(c, facts, host, policy, now);
}

function row(host: InventoryHost, b: Baseline, c: CheckDef, o: Outcome): InspectionRow {
  const r: InspectionRow = {
    host: host.id,
    check: c.id,
    baseline: b.id,
    title: c.title,
    severity: c.severity,
    status: o.status,
    expected: o.expected,
    observed: o.observed,
    reason: o.reason,
    evidence: o.evidence,
  };
  if (o.level) r.level = o.level;
  return r;
}

/** Every check of every baseline for one host: evaluated, not_applicable by scope, or `error` with the host-level reason. */
export function evaluateHost(host: InventoryHost, baselines: Baseline[], facts: HostFacts | { error: string }, policy: PolicyData, now: Date): InspectionRow[] {
  const rows: InspectionRow[] = [];
  for (const b of baselines) {
    for (const c of b.checks) {
      if (!inScope(b.applies_to, host) || !inScope(c.applies_to, host)) {
        rows.push(row(host, b, c, { status: 'not_applicable', expected: '', observed: '', reason: "host is outside the check's applies_to", evidence: '' }));
      } else if ('error' in facts) {
        const decided = CHECK_REGISTRY[c.type]?.withoutHost?.(c, host, policy, now);
        rows.push(row(host, b, c, decided ?? { status: 'error', expected: '', observed: '', reason: facts.error, evidence: '' }));
      } else {
        let o: Outcome;
        try {
          o = evaluateCheck(c, facts, host, policy, now);
        } catch (e) {
          o = { status: 'error', expected: '', observed: '', reason: `check could not be evaluated: ${e instanceof Error ? e.message : String(e)}`, evidence: '' };
        }
        rows.push(row(host, b, c, o));
      }
    }
  }
  return rows;
}

export function probeNeeds(baselines: Baseline[]): { sections: string[]; files: string[]; sysctlKeys: string[]; versions?: VersionRequest[]; ports?: number[] } {
  const checks = baselines.flatMap((b) => b.checks);
  const versions = versionRequests(checks);
  const ports = [...new Set(checks.filter((c) => c.type === 'listening_service').map((c) => Number(c.params.port)))].filter((p) => Number.isInteger(p) && p > 0 && p < 65536);
  return {
    ...(versions.length ? { versions } : {}),
    sections: [...new Set(['identity', 'os-release', ...checks.flatMap((c) => CHECK_REGISTRY[c.type]?.sections ?? [])])],
    files: [...new Set(checks.filter((c) => c.type === 'file_mode').map((c) => String(c.params.path)))],
    sysctlKeys: [...new Set(checks.filter((c) => c.type === 'sysctl').map((c) => String(c.params.key)))],
    ...(ports.length ? { ports } : {}),
  };
}
