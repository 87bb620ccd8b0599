import { entitledAccounts, entitledSudo, keyEntitlement, type EntitlementClock } from '../access/entitlement.ts';
import type { HostFacts } from './facts.ts';
import { factFailed } from './checks-system.ts';
import type { CheckDef, InventoryHost, Outcome, PolicyData } from './model.ts';

/** Pure evaluation of access checks: accounts, authorized_keys and sudoers against people, roles and grants. */
const strList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const NO_LOGIN = /(nologin|false|sync|shutdown|halt)$/;

/** Who holds what, when, is decided in scripts/access/entitlement.ts; these checks compare the host with it. */
export const clockOf = (policy: PolicyData, now: Date): EntitlementClock => ({ now, ...(policy.timezone ? { timezone: policy.timezone } : {}) });

/** Accounts a host may have: unix accounts of roles with a current grant there, plus the check's allow_accounts. */
export function declaredAccounts(host: InventoryHost, policy: PolicyData, now: Date, allow: string[]): Set<string> {
  return new Set([...allow, ...entitledAccounts(host, policy, clockOf(policy, now))]);
}

export function evaluateAccounts(c: CheckDef, f: HostFacts, host: InventoryHost, policy: PolicyData, now: Date): Outcome {
  const uid0 = c.params.uid0_allowed ? strList(c.params.uid0_allowed) : ['root'];
  const minUid = Number(c.params.min_uid ?? 1000); const maxUid = Number(c.params.max_uid ?? 59999);
  const expected = `uid 0 only for ${uid0.join(', ')}; login accounts (uid ${minUid}–${maxUid}) only as the access policy declares`;
  if (!f.passwd.ok) return factFailed(f.passwd, expected)!;
  const declared = declaredAccounts(host, policy, now, strList(c.params.allow_accounts));
  const problems: string[] = [];
  for (const a of f.passwd.value) {
    if (a.uid === 0 && !uid0.includes(a.name)) problems.push(`${a.name} has uid 0`);
    else if (a.uid >= minUid && a.uid <= maxUid && !NO_LOGIN.test(a.shell) && !declared.has(a.name)) problems.push(`${a.name} (uid ${a.uid}) is not declared by any current grant`);
  }
  const logins = f.passwd.value.filter((a) => a.uid === 0 || (a.uid >= minUid && a.uid <= maxUid && !NO_LOGIN.test(a.shell))).map((a) => `${a.name}(${a.uid})`);
  return { status: problems.length ? 'fail' : 'pass', expected, observed: logins.join(', '), reason: problems.join('; '), evidence: f.passwd.command };
}

export function evaluateAuthorizedKeys(c: CheckDef, f: HostFacts, host: InventoryHost, policy: PolicyData, now: Date): Outcome {
  const expected = 'every authorized key belongs to an active person with a current grant of that account on this host, and is not expired';
  if (!f.authorizedKeys.ok) return factFailed(f.authorizedKeys, expected)!;
  const exclude = new Set(strList(c.params.exclude_accounts));
  const problems: string[] = [];
  const keys = f.authorizedKeys.value.filter((k) => !exclude.has(k.account));
  const owners = new Map<string, string>();
  for (const k of keys) {
    const v = keyEntitlement(k.fingerprint, k.account, host, policy, clockOf(policy, now));
    if (v.person) owners.set(k.fingerprint, v.person);
    if (!v.ok) problems.push(`${k.account}: ${k.fingerprint} ${v.reason}${v.person ? '' : ` (${k.comment || 'no comment'})`}`);
  }
  const observed = keys.map((k) => `${k.account}:${owners.get(k.fingerprint) ?? k.fingerprint}`).join(', ') || 'no keys';
  return { status: problems.length ? 'fail' : 'pass', expected, observed, reason: problems.join('; '), evidence: f.authorizedKeys.command };
}

export function evaluateSudoers(c: CheckDef, f: HostFacts, host: InventoryHost, policy: PolicyData, now: Date): Outcome {
  const expected = 'sudo rules only as the roles granted on this host declare (and the baseline allows)';
  if (!f.sudoers.ok) return factFailed(f.sudoers, expected)!;
  const allowed = new Map<string, Array<{ runas: string; commands: string[]; nopasswd: boolean }>>();
  const add = (who: string, rule: { runas?: string; commands?: string[]; nopasswd?: boolean }) =>
    (allowed.get(who) ?? allowed.set(who, []).get(who)!).push({ runas: rule.runas ?? 'root', commands: rule.commands ?? ['ALL'], nopasswd: rule.nopasswd ?? false });
  for (const a of (Array.isArray(c.params.allow) ? c.params.allow : []) as Array<{ who: string; runas?: string; commands?: string[]; nopasswd?: boolean }>) add(a.who, a);
  for (const [account, rules] of entitledSudo(host, policy, clockOf(policy, now))) for (const s of rules) add(account, s);
  const exclude = new Set(strList(c.params.exclude_accounts));
  const problems: string[] = [];
  const seen: string[] = [];
  for (const rule of f.sudoers.value.rules) {
    if (exclude.has(rule.who)) continue;
    seen.push(`${rule.who}→${rule.commands.join(',')}`);
    const mine = allowed.get(rule.who) ?? [];
    for (const cmd of rule.commands) {
      const ok = mine.some((m) => (m.runas === rule.runas || m.runas === 'ALL') && (m.commands.includes(cmd) || m.commands.includes('ALL')) && (m.nopasswd || !rule.nopasswd));
      if (!ok) problems.push(`${rule.file}:${rule.line} ${rule.who} (${rule.runas})${rule.nopasswd ? ' NOPASSWD' : ''} ${cmd}`);
    }
  }
  const unparsed = f.sudoers.value.unparsed.map((u) => `${u.file}:${u.line}`);
  return {
    status: problems.length ? 'fail' : 'pass', expected, observed: seen.join('; ') || 'no rules',
    reason: [problems.length ? `undeclared: ${problems.join('; ')}` : '', unparsed.length ? `not understood: ${unparsed.join(', ')}` : ''].filter(Boolean).join('; '),
    evidence: f.sudoers.command,
  };
}

export function evaluateBackupFreshness(_c: CheckDef, f: HostFacts, host: InventoryHost, policy: PolicyData, now: Date): Outcome {
  const repos = host.backup_repositories ?? [];
  const targeting = policy.backupPolicies.filter((b) => (b.targets?.hosts ?? []).includes(host.id) || (b.targets?.groups ?? []).some((g) => host.groups.includes(g)));
  const expected = 'newest snapshot of each backup policy within its RPO; snapshot count within retention';
  if (repos.length === 0) {
    if (targeting.length === 0) return { status: 'not_applicable', expected, observed: 'no backup policy targets this host', reason: 'no backup policy targets this host', evidence: '' };
    return { status: 'fail', expected, observed: 'no backup_repositories in the inventory', reason: `policies ${targeting.map((b) => b.id).join(', ')} target this host but it declares no repository`, evidence: '' };
  }
  const problems: string[] = []; const observed: string[] = []; const errors: string[] = [];
  for (const r of repos) {
    const bp = policy.backupPolicies.find((b) => b.id === r.policy);
    const fact = f.restic.get(r.policy);
    if (!bp) { errors.push(`${r.policy}: unknown backup policy`); continue; }
    if (!fact || !fact.ok) { errors.push(`${r.policy}: ${fact ? fact.reason : 'not gathered'}`); continue; }
    const snaps = fact.value.map((s) => Date.parse(s.time)).filter((t) => !Number.isNaN(t)).sort((a, b) => b - a);
    if (snaps.length === 0) { problems.push(`${r.policy}: no snapshots`); observed.push(`${r.policy}: none`); continue; }
    const ageHours = Math.round(((now.getTime() - snaps[0]!) / 3_600_000) * 10) / 10;
    observed.push(`${r.policy}: newest ${new Date(snaps[0]!).toISOString()} (${ageHours} h old), ${snaps.length} snapshots`);
    if (ageHours > bp.rpo_hours) problems.push(`${r.policy}: newest snapshot is ${ageHours} h old, RPO is ${bp.rpo_hours} h`);
    const keep = bp.retention ? (bp.retention.keep_daily ?? 0) + (bp.retention.keep_weekly ?? 0) + (bp.retention.keep_monthly ?? 0) + (bp.retention.keep_yearly ?? 0) : 0;
    if (keep > 0 && snaps.length > keep) problems.push(`${r.policy}: ${snaps.length} snapshots exceed retention (${keep}): forget/prune is not running`);
  }
  if (errors.length && !problems.length) return { status: 'error', expected, observed: observed.join('; '), reason: errors.join('; '), evidence: 'restic snapshots --json' };
  return { status: problems.length ? 'fail' : 'pass', expected, observed: observed.join('; '), reason: [...problems, ...errors].join('; '), evidence: 'restic -r REPOSITORY snapshots --json' };
}
