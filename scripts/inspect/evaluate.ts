import type { HostFacts } from './facts.ts';
import { evaluateAccounts, evaluateAuthorizedKeys, evaluateBackupFreshness, evaluateSudoers } from './checks-access.ts';
import { evaluateFileMode, evaluateLoginDefs, evaluatePackages, evaluatePorts, evaluateSshdOption, evaluateSysctl, evaluateThreshold } from './checks-system.ts';
import { inScope, type Baseline, type CheckDef, type InspectionRow, type InventoryHost, type Outcome, type PolicyData } from './model.ts';

/** The check types opsgate evaluates; the baseline schema's `type` enum lists the same names. */
export const CHECK_TYPES = [
  'sshd_option', 'port_allowlist', 'port_denylist', 'login_defs', 'file_mode', 'package_absent', 'package_present',
  'sysctl', 'disk_usage', 'memory_usage', 'load', 'accounts', 'authorized_keys', 'sudoers', 'backup_freshness', 'manual',
] as const;

/** Evaluates one check against one host's facts. Pure: `now` is a parameter. */
export function evaluateCheck(c: CheckDef, facts: HostFacts, host: InventoryHost, policy: PolicyData, now: Date): Outcome {
  switch (c.type) {
    case 'sshd_option': return evaluateSshdOption(c, facts);
    case 'port_allowlist': return evaluatePorts(c, facts, 'allow');
    case 'port_denylist': return evaluatePorts(c, facts, 'deny');
    case 'login_defs': return evaluateLoginDefs(c, facts);
    case 'file_mode': return evaluateFileMode(c, facts);
    case 'package_absent': return evaluatePackages(c, facts, 'absent');
    case 'package_present': return evaluatePackages(c, facts, 'present');
    case 'sysctl': return evaluateSysctl(c, facts);
    case 'disk_usage': return evaluateThreshold(c, facts, 'disk');
    case 'memory_usage': return evaluateThreshold(c, facts, 'memory');
    case 'load': return evaluateThreshold(c, facts, 'load');
    case 'accounts': return evaluateAccounts(c, facts, host, policy, now);
    case 'authorized_keys': return evaluateAuthorizedKeys(c, facts, host, policy, now);
    case 'sudoers': return evaluateSudoers(c, facts, host, policy, now);
    case 'backup_freshness': return evaluateBackupFreshness(c, facts, host, policy, now);
    case 'manual': return { status: 'not_checked', expected: String(c.params.procedure ?? 'manual review'), observed: '', reason: 'manual check: record the result by hand', evidence: '' };
    default: return { status: 'error', expected: '', observed: '', reason: `unknown check type '${c.type}'; expected one of ${CHECK_TYPES.join(', ')}`, evidence: '' };
  }
}

function row(host: InventoryHost, b: Baseline, c: CheckDef, o: Outcome): InspectionRow {
  const r: InspectionRow = { host: host.id, check: c.id, baseline: b.id, title: c.title, severity: c.severity, status: o.status, expected: o.expected, observed: o.observed, reason: o.reason, evidence: o.evidence };
  if (o.level) r.level = o.level;
  return r;
}

/** Every check of every baseline for one host: evaluated, not_applicable by scope, or `error` with the host-level reason. */
export function evaluateHost(host: InventoryHost, baselines: Baseline[], facts: HostFacts | { error: string }, policy: PolicyData, now: Date): InspectionRow[] {
  const rows: InspectionRow[] = [];
  for (const b of baselines) {
    for (const c of b.checks) {
      if (!inScope(b.applies_to, host) || !inScope(c.applies_to, host)) {
        rows.push(row(host, b, c, { status: 'not_applicable', expected: '', observed: '', reason: 'host is outside the check\'s applies_to', evidence: '' }));
      } else if ('error' in facts) {
        rows.push(row(host, b, c, { status: 'error', expected: '', observed: '', reason: facts.error, evidence: '' }));
      } else {
        let o: Outcome;
        try { o = evaluateCheck(c, facts, host, policy, now); } catch (e) {
          o = { status: 'error', expected: '', observed: '', reason: `check could not be evaluated: ${e instanceof Error ? e.message : String(e)}`, evidence: '' };
        }
        rows.push(row(host, b, c, o));
      }
    }
  }
  return rows;
}

/** Paths, sysctl keys a host's probe must gather for these baselines. */
/** The fixed probe sections each check type reads (identity and os-release are always gathered). */
const SECTIONS_BY_TYPE: Record<string, string[]> = {
  sshd_option: ['sshd'], port_allowlist: ['listen'], port_denylist: ['listen'], login_defs: ['login-defs'],
  package_absent: ['packages'], package_present: ['packages'], sysctl: ['sysctl-persisted'], disk_usage: ['disk'],
  memory_usage: ['memory'], load: ['load'], accounts: ['passwd', 'group', 'shadow'], authorized_keys: ['authorized-keys', 'passwd'],
  sudoers: ['sudoers'], file_mode: [], backup_freshness: [], manual: [],
};

export function probeNeeds(baselines: Baseline[]): { sections: string[]; files: string[]; sysctlKeys: string[] } {
  const checks = baselines.flatMap((b) => b.checks);
  return {
    sections: [...new Set(['identity', 'os-release', ...checks.flatMap((c) => SECTIONS_BY_TYPE[c.type] ?? [])])],
    files: [...new Set(checks.filter((c) => c.type === 'file_mode').map((c) => String(c.params.path)))],
    sysctlKeys: [...new Set(checks.filter((c) => c.type === 'sysctl').map((c) => String(c.params.key)))],
  };
}
