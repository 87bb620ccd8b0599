import { activeGrantsOnHost } from '../access/entitlement.ts';
import { clockOf, declaredAccounts, groupMembers, strList } from './checks-access.ts';
import { factFailed } from './checks-system.ts';
import type { Account, HostFacts } from './facts.ts';
import type { CheckDef, InventoryHost, Outcome, PolicyData } from './model.ts';
import { refusalOf } from './login-refusal.ts';
import { canLogIn, shellVerdict } from './parse-accounts.ts';

/**
 * Pure evaluation of account checks: who can log in, who holds a privileged group, which
 * passwords are empty or too old. A login account is one whose shell can start a session
 * (scripts/inspect/parse-accounts.ts), judged by the bytes of the shell, not its name.
 */
const NO_LOGIN_NAME = /(nologin|false|sync|shutdown|halt)$/;

/** Whether the account can log in; by the shells fact when gathered, else by the shell's name. */
export function isLogin(a: Account, f: HostFacts): boolean {
  return canLogIn(a, f.shells.ok ? f.shells.value : undefined) ?? !NO_LOGIN_NAME.test(a.shell);
}

export function evaluateAccounts(c: CheckDef, f: HostFacts, host: InventoryHost, policy: PolicyData, now: Date): Outcome {
  const uid0 = c.params.uid0_allowed ? strList(c.params.uid0_allowed) : ['root'];
  // Every account whose shell can start a session is a login account, whatever its uid: a uid range (the old min_uid and
  // max_uid) let a uid-500 or uid-60001 account with bash and a key pass. Those parameters are no longer read.
  const expected = `uid 0 only for ${uid0.join(', ')}; login accounts (any uid, a shell that can start a session) only as the access policy declares`;
  if (!f.passwd.ok) return factFailed(f.passwd, expected)!;
  const declared = declaredAccounts(host, policy, now, strList(c.params.allow_accounts));
  const problems: string[] = [];
  const logins: string[] = [];
  const refused: string[] = [];
  for (const a of f.passwd.value) {
    // An account sshd refuses before any key is tried (expired, inactive, `!`-locked without PAM) logs in nowhere over SSH.
    const why = isLogin(a, f) ? refusalOf(a, f, now) : undefined;
    const login = isLogin(a, f) && !why;
    if (why) refused.push(`${a.name}: ${why}`);
    if (a.uid === 0 || login) logins.push(`${a.name}(${a.uid})`);
    if (a.uid === 0 && !uid0.includes(a.name)) problems.push(`${a.name} has uid 0`);
    else if (a.uid !== 0 && login && !declared.has(a.name)) {
      const how = f.shells.ok && NO_LOGIN_NAME.test(a.shell) ? ` (${shellVerdict(a.shell, f.shells.value)})` : '';
      problems.push(`${a.name} (uid ${a.uid}) is not declared by any current grant${how}`);
    }
  }
  return {
    status: problems.length ? 'fail' : 'pass',
    expected,
    observed: [logins.join(', '), ...(refused.length ? [`refused by sshd: ${refused.join('; ')}`] : [])].join('; '),
    reason: problems.join('; '),
    evidence: `${f.passwd.command}; ${f.shells.command}${refused.length ? `; ${f.shadow.command}; sshd -T (usepam); ${f.pam?.command ?? 'cat /etc/pam.d/sshd'}` : ''}`,
  };
}

export const DEFAULT_PRIVILEGED_GROUPS = ['sudo', 'wheel', 'admin', 'adm', 'docker', 'lxd', 'disk', 'shadow', 'root'];

/**
 * Members of privileged groups, primary or supplementary (every /etc/group line with the group's gid: see groupMembers),
 * are checked against grants: a member
 * must be allowed by the baseline (`allow`: account or `group:account`) or hold a current grant
 * whose role already has root (sudo ALL as root or ALL).
 */
export function evaluatePrivilegedGroups(c: CheckDef, f: HostFacts, host: InventoryHost, policy: PolicyData, now: Date): Outcome {
  const names = c.params.groups ? strList(c.params.groups) : DEFAULT_PRIVILEGED_GROUPS;
  const allow = strList(c.params.allow);
  const expected = `members of ${names.join(', ')} (primary or supplementary) only where the baseline allows them or a current grant already gives root`;
  if (!f.group.ok) return factFailed(f.group, expected)!;
  if (!f.passwd.ok) return factFailed(f.passwd, expected)!;
  const rootByGrant = new Set(
    activeGrantsOnHost(host, policy, clockOf(policy, now))
      .filter((x) => (x.role.sudo ?? []).some((s) => s.commands.includes('ALL') && ['root', 'ALL', undefined].includes(s.runas)))
      .map((x) => x.role.unix_account),
  );
  const problems: string[] = [];
  const observed: string[] = [];
  for (const name of names) {
    const members = groupMembers(f.group.value, f.passwd.value, { name });
    if (members.size) observed.push(`${name}: ${[...members.keys()].join(',')}`);
    for (const [m, how] of members) {
      if (m === 'root' || allow.includes(m) || allow.includes(`${name}:${m}`) || rootByGrant.has(m)) continue;
      problems.push(`${m} is a member of ${name} (${how}) without a grant that gives root`);
    }
  }
  return { status: problems.length ? 'fail' : 'pass', expected, observed: observed.join('; ') || 'no members', reason: problems.join('; '), evidence: `${f.group.command}; ${f.passwd.command}` };
}

/**
 * The entries the system resolves a name to: the first line of each name, as glibc's files backend (getpwnam, getspnam)
 * returns it. A later line with the same name is never consulted, whatever it says.
 */
export function firstByName<T extends { name: string }>(entries: readonly T[]): T[] {
  const seen = new Set<string>();
  return entries.filter((e) => !seen.has(e.name) && !!seen.add(e.name));
}

/** An account that can log in with an empty password field (passwd or shadow) fails. */
export function evaluateEmptyPasswords(_c: CheckDef, f: HostFacts): Outcome {
  const expected = 'no account with a login shell has an empty password field';
  if (!f.passwd.ok) return factFailed(f.passwd, expected)!;
  if (!f.shadow.ok) return factFailed(f.shadow, expected)!;
  const shadow = new Map(firstByName(f.shadow.value).map((s) => [s.name, s]));
  const problems: string[] = [];
  for (const a of firstByName(f.passwd.value)) {
    const empty = a.password === '' || (a.password === 'x' && shadow.get(a.name)?.state === 'empty');
    if (empty && isLogin(a, f)) problems.push(`${a.name} (uid ${a.uid}, shell ${a.shell}) has an empty password field in ${a.password === '' ? '/etc/passwd' : '/etc/shadow'}`);
  }
  const empties = firstByName(f.shadow.value)
    .filter((s) => s.state === 'empty')
    .map((s) => s.name);
  return {
    status: problems.length ? 'fail' : 'pass',
    expected,
    observed: empties.length ? `empty in shadow: ${empties.join(', ')}` : 'no empty password field',
    reason: problems.join('; '),
    evidence: `${f.shadow.command}; ${f.passwd.command}`,
  };
}

/**
 * Password aging of every login account with a usable password: the shadow maximum must be set
 * and within the limit (`max_days`, else login.defs PASS_MAX_DAYS), and the password no older.
 * The first passwd and shadow line of a name is the one judged (the one the system reads); a
 * password hash in passwd's own field has no aging and fails.
 */
export function evaluatePasswordAge(c: CheckDef, f: HostFacts, _host: InventoryHost, _policy: PolicyData, now: Date): Outcome {
  const fromDefs = f.loginDefs.ok ? Number(f.loginDefs.value.PASS_MAX_DAYS) : Number.NaN;
  const limit = c.params.max_days !== undefined ? Number(c.params.max_days) : fromDefs;
  const expected = Number.isFinite(limit)
    ? `every login account with a password: shadow max ≤ ${limit} days and the password changed within ${limit} days`
    : 'a limit (max_days, or PASS_MAX_DAYS in login.defs)';
  if (!Number.isFinite(limit))
    return { status: 'error', expected, observed: '', reason: f.loginDefs.ok ? 'login.defs has no PASS_MAX_DAYS and the check sets no max_days' : f.loginDefs.reason, evidence: f.loginDefs.command };
  if (!f.passwd.ok) return factFailed(f.passwd, expected)!;
  if (!f.shadow.ok) return factFailed(f.shadow, expected)!;
  const today = Math.floor(now.getTime() / 86_400_000);
  const passwd = firstByName(f.passwd.value);
  const logins = new Set(passwd.filter((a) => isLogin(a, f) && (a.password ?? 'x') === 'x').map((a) => a.name));
  const problems: string[] = [];
  const observed: string[] = [];
  // A hash in passwd's own field (not `x`) is the password pam_unix checks, and shadow is never read for it: no aging at all.
  for (const a of passwd) {
    const pw = a.password ?? 'x';
    if (!isLogin(a, f) || pw === 'x' || pw === '' || /^[!*]/.test(pw)) continue;
    observed.push(`${a.name}: password in /etc/passwd`);
    problems.push(`${a.name}: password hash in /etc/passwd itself, so shadow's aging is never applied (no maximum age)`);
  }
  for (const s of firstByName(f.shadow.value)) {
    if (s.state !== 'set' || !logins.has(s.name)) continue;
    observed.push(`${s.name}: max ${s.maxDays ?? '(none)'}, changed ${s.lastChange ?? '?'}`);
    if (s.maxDays === undefined || s.maxDays > limit) problems.push(`${s.name}: shadow maximum is ${s.maxDays ?? 'not set'} days (limit ${limit})`);
    else if (s.lastChange !== undefined && s.lastChange > 0 && today - s.lastChange > limit) problems.push(`${s.name}: password is ${today - s.lastChange} days old (limit ${limit})`);
  }
  return {
    status: problems.length ? 'fail' : 'pass',
    expected,
    observed: observed.join('; ') || 'no login account with a password',
    reason: problems.join('; '),
    evidence: `chage -l ACCOUNT (${f.shadow.command}); ${f.loginDefs.command}`,
  };
}
