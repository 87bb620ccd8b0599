import { entitledAccounts, entitledSudo, keyEntitlement, type EntitlementClock } from '../access/entitlement.ts';
import type { Account, GroupEntry, HostFacts } from './facts.ts';
import { factFailed } from './checks-system.ts';
import { keyFileRefusal } from './key-file-refusal.ts';
import { keyOptionNames } from './parse-access.ts';
import type { SudoersMode, SudoRule } from './parse-sudo.ts';
import type { CheckDef, InventoryHost, Outcome, PolicyData } from './model.ts';

/**
 * Pure evaluation of access checks: authorized_keys and sudoers against people, roles and grants.
 * Who holds what, when, is decided in scripts/access/entitlement.ts; these checks compare the
 * host with it, reading keys and sudo rules the way sshd and sudo do.
 */
export const strList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
export const clockOf = (policy: PolicyData, now: Date): EntitlementClock => ({ now, ...(policy.timezone ? { timezone: policy.timezone } : {}) });

/** Accounts a host may have: unix accounts of roles with a current grant there, plus the check's allow_accounts. */
export function declaredAccounts(host: InventoryHost, policy: PolicyData, now: Date, allow: string[]): Set<string> {
  return new Set([...allow, ...entitledAccounts(host, policy, clockOf(policy, now))]);
}

export function evaluateAuthorizedKeys(c: CheckDef, f: HostFacts, host: InventoryHost, policy: PolicyData, now: Date): Outcome {
  const expected = 'every key sshd accepts belongs to an active person with a current grant of that account on this host, is not expired, and comes from a file opsgate can read';
  if (!f.authorizedKeys.ok) return factFailed(f.authorizedKeys, expected)!;
  const exclude = new Set(strList(c.params.exclude_accounts));
  const problems: string[] = [];
  // Keys in a file sshd ignores (one the account cannot read, or one StrictModes refuses) grant nothing: not counted, named.
  const ignored = new Map<string, string>();
  const access = f.authorizedKeyFiles.ok ? f.authorizedKeyFiles.value.access : undefined;
  const passwd = f.passwd.ok ? f.passwd.value : [];
  const strictModes = f.sshd.ok && f.sshd.value.strictmodes?.[0] !== 'no';
  const refused = (account: string, file: string): string | undefined => {
    const a = passwd.find((x) => x.name === account);
    if (!access || !a) return undefined;
    const k = `${account}\t${file}`;
    if (!ignored.has(k)) ignored.set(k, keyFileRefusal(a, file, access, strictModes, passwd, f.group.ok ? f.group.value : []) ?? '');
    return ignored.get(k) || undefined;
  };
  const keys = f.authorizedKeys.value.filter((k) => !exclude.has(k.account) && !refused(k.account, k.file));
  const owners = new Map<string, string>();
  // A cert-authority line is a CA, not a key: every certificate it signs for the account logs in (sshd checks only the
  // signature and the principals), whoever holds the certificate. Like TrustedUserCAKeys, opsgate cannot verify who that is.
  const caLines: string[] = [];
  const allowCa = c.params.allow_user_ca === true;
  for (const k of keys) {
    const v = keyEntitlement(k.fingerprint, k.account, host, policy, clockOf(policy, now));
    if (v.person) owners.set(k.fingerprint, v.person);
    if (!v.ok) problems.push(`${k.account}: ${k.fingerprint} ${v.reason}${v.person ? '' : ` (${k.comment || 'no comment'})`} at ${k.file}:${k.line}`);
    else if (!allowCa && k.options && keyOptionNames(k.options).includes('cert-authority'))
      caLines.push(
        `${k.account}: ${k.fingerprint} (${v.person}) is a cert-authority at ${k.file}:${k.line}: every certificate it signs for ${k.account} logs in without an authorized_keys entry, which opsgate cannot verify; set allow_user_ca: true in the baseline if that CA is trusted`,
      );
  }
  // AuthorizedKeysCommand: keys come from a program at login time, not from a file opsgate reads.
  const commands = new Map<string, string>();
  if (f.sshd.ok) {
    const g = f.sshd.value.authorizedkeyscommand?.join(' ');
    if (g && g !== 'none') commands.set(g, 'every account');
  }
  if (f.sshdContexts.ok)
    for (const ctx of f.sshdContexts.value) {
      const v = ctx.settings.authorizedkeyscommand?.join(' ');
      if (v && v !== 'none' && !commands.has(v)) commands.set(v, `Match context ${ctx.label}`);
    }
  const allowCommand = c.params.allow_keys_command === true;
  // TrustedUserCAKeys: any certificate that CA signs for the account's name logs in, with no authorized_keys entry at all.
  const cas = new Map<string, string>();
  if (f.sshd.ok) {
    const g = f.sshd.value.trustedusercakeys?.join(' ');
    if (g && g !== 'none') cas.set(g, 'every account');
  }
  if (f.sshdContexts.ok)
    for (const ctx of f.sshdContexts.value) {
      const v = ctx.settings.trustedusercakeys?.join(' ');
      if (v && v !== 'none' && !cas.has(v)) cas.set(v, `Match context ${ctx.label}`);
    }
  const observed = [
    keys.map((k) => `${k.account}:${owners.get(k.fingerprint) ?? k.fingerprint}${k.options ? ` [${keyOptionNames(k.options).join(',')}]` : ''}`).join(', ') || 'no keys',
    ...(f.authorizedKeyFiles.ok ? [`AuthorizedKeysFile ${f.authorizedKeyFiles.value.tokens}`] : []),
    // Never `account:path` here: the report reads `account:person` pairs out of this text (parseKeyTokens).
    ...[...ignored].filter(([, why]) => why).map(([k, why]) => `ignored by sshd: ${k.slice(k.indexOf('\t') + 1)} for ${k.slice(0, k.indexOf('\t'))} (${why})`),
    ...[...commands].map(([cmd, where]) => `AuthorizedKeysCommand ${cmd} (${where})`),
    ...[...cas].map(([file, where]) => `TrustedUserCAKeys ${file} (${where})`),
  ].join('; ');
  const evidence = `${f.sshd.command} | grep -i authorizedkeys; cat ${f.authorizedKeyFiles.ok && f.authorizedKeyFiles.value.files.length ? f.authorizedKeyFiles.value.files.map((x) => x.slice(x.indexOf(':') + 1)).join(' ') : 'each AuthorizedKeysFile'}`;
  const unverifiable = [
    ...caLines,
    ...(commands.size && !allowCommand
      ? [
          `keys also come from AuthorizedKeysCommand ${[...commands].map(([cmd, where]) => `${cmd} (${where})`).join(', ')}, which opsgate cannot verify; set allow_keys_command: true in the baseline if that source is trusted`,
        ]
      : []),
    ...(cas.size && !allowCa
      ? [
          `certificates signed by TrustedUserCAKeys ${[...cas].map(([file, where]) => `${file} (${where})`).join(', ')} log in without an authorized_keys entry, which opsgate cannot verify; set allow_user_ca: true in the baseline if that CA is trusted`,
        ]
      : []),
  ];
  if (unverifiable.length && !problems.length) return { status: 'error', expected, observed, reason: unverifiable.join('; '), evidence };
  problems.push(...caLines);
  if (commands.size && !allowCommand) problems.push(`keys also come from AuthorizedKeysCommand ${[...commands.keys()].join(', ')}, which opsgate cannot verify`);
  if (cas.size && !allowCa) problems.push(`certificates signed by TrustedUserCAKeys ${[...cas.keys()].join(', ')} log in without an authorized_keys entry`);
  return { status: problems.length ? 'fail' : 'pass', expected, observed, reason: problems.join('; '), evidence };
}

/** Accounts a sudoers user list names, resolved against passwd and group (primary and supplementary). */
/**
 * Who holds a group at login, as initgroups gives it: the gids of every /etc/group line named `name` (or the gid itself),
 * and then every line with one of those gids, whatever its name, lists members (a second `sudo:x:27:eve` line, or
 * `wheel2:x:27:eve`, gives eve gid 27, which sudo and the kernel know as sudo); accounts whose primary gid is one of them
 * too. Each member with how: `supplementary group` (through the first line of that name), `primary group`, or
 * `supplementary group, through the /etc/group line NAME:x:GID`.
 */
export function groupMembers(groups: readonly GroupEntry[], passwd: readonly Account[], group: { name: string } | { gid: number }): Map<string, string> {
  const gids = new Set('gid' in group ? [group.gid] : groups.filter((g) => g.name === group.name).map((g) => g.gid));
  const first = groups.find((g) => gids.has(g.gid) && ('gid' in group || g.name === group.name));
  const out = new Map<string, string>();
  for (const g of groups) {
    if (!gids.has(g.gid)) continue;
    for (const m of g.members)
      if (!out.has(m))
        out.set(m, g.source ? `supplementary group, through ${g.source}` : g === first ? 'supplementary group' : `supplementary group, through the /etc/group line ${g.name}:x:${g.gid}`);
  }
  for (const a of passwd) if (gids.has(a.gid)) out.set(a.name, 'primary group');
  return out;
}

export function resolveSudoUsers(tokens: string[], passwd: Account[], groups: GroupEntry[]): { accounts: Set<string>; all: boolean } {
  const one = (t: string): string[] | 'ALL' => {
    if (t === 'ALL') return 'ALL';
    if (t.startsWith('%#')) return /^\d+$/.test(t.slice(2)) ? [...groupMembers(groups, passwd, { gid: Number(t.slice(2)) }).keys()] : [];
    if (t.startsWith('%:')) return [];
    if (t.startsWith('%')) return [...groupMembers(groups, passwd, { name: t.slice(1) }).keys()];
    if (t.startsWith('#')) return passwd.filter((a) => String(a.uid) === t.slice(1)).map((a) => a.name);
    return [t];
  };
  const accounts = new Set<string>();
  let all = false;
  for (const raw of tokens) {
    const neg = raw.startsWith('!');
    const r = one(neg ? raw.slice(1) : raw);
    if (r === 'ALL') {
      if (neg) accounts.clear();
      else {
        all = true;
        for (const a of passwd) accounts.add(a.name);
      }
      continue;
    }
    for (const a of r)
      if (neg) accounts.delete(a);
      else accounts.add(a);
  }
  return { accounts, all };
}

type Allowed = { runas: string; commands: string[]; nopasswd: boolean };
const permits = (list: Allowed[], runas: string, cmd: string, nopasswd: boolean) =>
  list.some((m) => (m.runas === runas || m.runas === 'ALL') && (m.commands.includes(cmd) || m.commands.includes('ALL')) && (m.nopasswd || !nopasswd));

/**
 * sudo rules as sudo reads them (includes, skipped files, aliases, %group, Defaults !authenticate),
 * and `sudo -l -U` of every login account as ground truth beside the parser. A rule passes when
 * the baseline allows its user list as written, or every account it resolves to is entitled to it.
 */
/**
 * Who can write what sudo reads: a file it reads, an includedir, or the directory holding an included file, owned by
 * anyone but root or writable by group or others, lets that account write its own rule. sudo itself refuses a
 * world-writable or foreign-owned file with a warning and goes on without it, but takes a group-writable one whose
 * group is root (measured: test/inspect/inspect-sudoers-include-modes.test.ts); either way the file is not root's alone.
 */
export function writableBySomeoneElse(modes: readonly SudoersMode[]): string[] {
  const out: string[] = [];
  for (const m of modes) {
    const what = `${m.path}${m.kind === 'includedir' ? ' (a directory sudo reads files from)' : m.kind === 'directory' ? ' (the directory of a file sudo reads)' : ''}`;
    const how = `(mode ${m.mode.toString(8).padStart(4, '0')}, owner ${m.user}:${m.group})`;
    if (m.uid !== 0) out.push(`sudoers: ${what} is owned by ${m.user}, not root ${how}`);
    else if (m.mode & 0o002) out.push(`sudoers: ${what} is writable by others ${how}`);
    else if (m.mode & 0o020) out.push(`sudoers: ${what} is writable by its group ${how}`);
  }
  return out;
}

export function evaluateSudoers(c: CheckDef, f: HostFacts, host: InventoryHost, policy: PolicyData, now: Date): Outcome {
  const expected = 'sudo rules only as the roles granted on this host declare (and the baseline allows), as sudo itself resolves them';
  if (!f.sudoers.ok) return factFailed(f.sudoers, expected)!;
  const passwd = f.passwd.ok ? f.passwd.value : [];
  const groups = f.group.ok ? f.group.value : [];
  const byWho = new Map<string, Allowed[]>();
  const add = (who: string, rule: { runas?: string; commands?: readonly string[]; nopasswd?: boolean }) =>
    (byWho.get(who) ?? byWho.set(who, []).get(who)!).push({ runas: rule.runas ?? 'root', commands: [...(rule.commands ?? ['ALL'])], nopasswd: rule.nopasswd ?? false });
  const allowList = (Array.isArray(c.params.allow) ? c.params.allow : []) as Array<{ who: string; runas?: string; commands?: string[]; nopasswd?: boolean }>;
  for (const a of allowList) add(a.who, a);
  for (const [account, rules] of entitledSudo(host, policy, clockOf(policy, now))) for (const s of rules) add(account, s);
  /** What an account may do: its own entries, and baseline entries for a %group or ALL it falls in. */
  const forAccount = (account: string): Allowed[] => [
    ...(byWho.get(account) ?? []),
    ...allowList
      .filter((a) => a.who !== account && resolveSudoUsers([a.who], passwd, groups).accounts.has(account))
      .map((a) => ({ runas: a.runas ?? 'root', commands: a.commands ?? ['ALL'], nopasswd: a.nopasswd ?? false })),
  ];
  const exclude = new Set(strList(c.params.exclude_accounts));
  const { rules, authDefaults, unparsed, problems: structure, skipped, elsewhere } = f.sudoers.value;
  const authOff = (rule: SudoRule, account: string) =>
    authDefaults.filter(
      (d) =>
        !d.authenticate &&
        (d.scope === 'all' ||
          d.scope === 'host' ||
          (d.scope === 'user' && resolveSudoUsers(d.list, passwd, groups).accounts.has(account)) ||
          (d.scope === 'runas' && (d.list.includes(rule.runas) || d.list.includes('ALL'))) ||
          (d.scope === 'cmnd' && rule.commands.some((x) => d.list.includes(x) || d.list.includes('ALL')))),
    );
  const problems: string[] = [...structure.map((p) => `sudoers: ${p}`), ...writableBySomeoneElse(f.sudoers.value.modes ?? [])];
  const flagged = new Set<string>();
  const seen: string[] = [];
  for (const rule of rules) {
    const resolved = resolveSudoUsers(rule.users, passwd, groups);
    const accounts = [...resolved.accounts].filter((a) => !exclude.has(a));
    if (rule.users.every((u) => exclude.has(u))) continue;
    seen.push(`${rule.who}→${rule.commands.join(',')}`);
    const asWritten = byWho.get(rule.who) ?? [];
    for (const cmd of rule.commands) {
      const off = accounts.flatMap((a) => authOff(rule, a));
      const nopasswd = rule.nopasswd || off.length > 0;
      if (permits(asWritten, rule.runas, cmd, nopasswd)) continue;
      const bad = resolved.all ? ['ALL'] : accounts.filter((a) => !permits(forAccount(a), rule.runas, cmd, rule.nopasswd || authOff(rule, a).length > 0));
      if (accounts.length > 0 && bad.length === 0) continue;
      const via = rule.who !== bad.join(',') ? ` (${rule.who}${accounts.length ? ` → ${bad.join(', ') || 'nobody'}` : ', no such account'})` : '';
      const why = !rule.nopasswd && off.length ? ` NOPASSWD through Defaults !authenticate at ${off[0]!.file}:${off[0]!.line}` : rule.nopasswd ? ' NOPASSWD' : '';
      problems.push(`${rule.file}:${rule.line} ${bad.join(',') || rule.who}${via} (${rule.runas})${why} ${cmd}`);
      for (const a of bad) flagged.add(`${a}\u0000${cmd}`);
    }
  }
  // Ground truth: what sudo itself says each login account may run.
  const truth: string[] = [];
  if (f.sudoList.ok) {
    for (const l of f.sudoList.value) {
      if (exclude.has(l.account)) continue;
      if (l.error) {
        problems.push(`sudo -l -U ${l.account}: ${l.error}`);
        continue;
      }
      for (const e of l.allowed) {
        if (permits(forAccount(l.account), e.runas, e.command, e.nopasswd) || flagged.has(`${l.account}\u0000${e.command}`)) continue;
        const at = rules.find((r) => r.commands.includes(e.command) && resolveSudoUsers(r.users, passwd, groups).accounts.has(l.account));
        truth.push(`sudo -l -U ${l.account}: (${e.runas})${e.nopasswd ? ' NOPASSWD:' : ''} ${e.command}${at ? ` (${at.file}:${at.line})` : ' (sudo resolves it; the parser did not find the rule)'}`);
      }
    }
  }
  problems.push(...truth);
  const notes = [
    unparsed.length ? `not understood: ${unparsed.map((u) => `${u.file}:${u.line}`).join(', ')}` : '',
    skipped.length ? `skipped by sudo: ${skipped.join(', ')}` : '',
    elsewhere?.length ? `for other hosts: ${elsewhere.join(', ')}` : '',
  ].filter(Boolean);
  const sudoEvidence = f.sudoList.ok ? `; sudo -l -U ${f.sudoList.value.map((l) => l.account).join('|')}` : '';
  return {
    status: problems.length ? 'fail' : 'pass',
    expected,
    observed: [seen.join('; ') || 'no rules', ...(f.sudoList.ok ? [] : [`sudo -l not gathered: ${f.sudoList.reason}`]), ...notes].join('; '),
    reason: [problems.length ? `undeclared: ${problems.join('; ')}` : '', ...notes.filter((n) => n.startsWith('not understood'))].filter(Boolean).join('; '),
    evidence: `${f.sudoers.command}${sudoEvidence}`,
  };
}
