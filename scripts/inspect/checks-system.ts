import type { Fact, HostFacts } from './facts.ts';
import type { CheckDef, Outcome } from './model.ts';
import { sshdLoadState } from './checks-sshd-loaded.ts';
import { effectiveNamedEntries } from './parse-accounts.ts';
import { isLoopback } from './parse-network.ts';
import { persistedFor } from './parse-sysctl.ts';

/** Pure evaluation of system checks against facts. */
type P = Record<string, unknown>;
const str = (v: unknown) => (Array.isArray(v) ? v.join(', ') : String(v));
const num = (v: unknown) => (typeof v === 'number' ? v : Number(v));
const strList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

export function factFailed(fact: Fact<unknown>, expected: string): Outcome | undefined {
  return fact.ok ? undefined : { status: 'error', expected, observed: '', reason: fact.reason, evidence: fact.command };
}

/** Compares a value against equals / in / not_in / min / max / excludes; returns the failure text or undefined. */
export function compareValue(observed: string | undefined, p: P): { expected: string; problem?: string } {
  const parts: string[] = [];
  let problem: string | undefined;
  const obs = observed?.trim();
  const lower = (s: string) => s.toLowerCase();
  if (p.equals !== undefined) {
    parts.push(`= ${str(p.equals)}`);
    if (obs === undefined || lower(obs) !== lower(String(p.equals))) problem = `is ${obs ?? 'not set'}`;
  }
  if (p.in !== undefined) {
    parts.push(`one of ${str(p.in)}`);
    if (obs === undefined || !strList(p.in).map(lower).includes(lower(obs))) problem = `is ${obs ?? 'not set'}`;
  }
  if (p.not_in !== undefined) {
    parts.push(`not one of ${str(p.not_in)}`);
    if (obs !== undefined && strList(p.not_in).map(lower).includes(lower(obs))) problem = `is ${obs}`;
  }
  if (p.min !== undefined) {
    parts.push(`≥ ${str(p.min)}`);
    if (obs === undefined || !(Number(obs) >= num(p.min))) problem = `is ${obs ?? 'not set'}`;
  }
  if (p.max !== undefined) {
    parts.push(`≤ ${str(p.max)}`);
    if (obs === undefined || !(Number(obs) <= num(p.max))) problem = `is ${obs ?? 'not set'}`;
  }
  if (p.excludes !== undefined) {
    parts.push(`without ${str(p.excludes)}`);
    const have = (obs ?? '').split(/[\s,]+/).map(lower);
    const bad = strList(p.excludes).filter((x) => have.includes(lower(x)));
    if (bad.length) problem = `includes ${bad.join(', ')}`;
  }
  return problem === undefined ? { expected: parts.join(' and ') } : { expected: parts.join(' and '), problem };
}

/**
 * One sshd setting as the daemon applies it: the global `sshd -T` value and, when the config has
 * Match blocks, the value in every login account × address context (`sshd -T -C`). Any context
 * that fails names itself. A config file changed after the daemon started is a warning: the
 * running daemon may still use the old settings until it is reloaded.
 */
/**
 * Values sshd accepts under two names, as sshd -T prints them (OpenSSH's servconf.c lists both and prints the first):
 * `PermitRootLogin prohibit-password` is printed `without-password`; `all` of the forwarding options and `Compression
 * delayed` are printed `yes`. Measured with sshd -T on OpenSSH 9.2.
 */
const SSHD_SYNONYMS: Record<string, Record<string, string>> = {
  permitrootlogin: { 'prohibit-password': 'without-password' },
  allowtcpforwarding: { all: 'yes' },
  allowstreamlocalforwarding: { all: 'yes' },
  compression: { delayed: 'yes' },
};

/** The baseline's values in sshd -T's spelling, so that either name a baseline uses judges the same setting. */
function sshdSpelling(option: string, params: P): P {
  const syn = SSHD_SYNONYMS[option];
  if (!syn) return params;
  const one = (v: unknown) => syn[String(v).toLowerCase()] ?? v;
  const out: P = { ...params };
  for (const k of ['equals', 'in', 'not_in', 'excludes'] as const) if (out[k] !== undefined) out[k] = Array.isArray(out[k]) ? (out[k] as unknown[]).map(one) : one(out[k]);
  return out;
}

/**
 * Whether a password alone logs in through keyboard-interactive, in one view of sshd's settings (sshd -T or -T -C):
 * with UsePAM yes and KbdInteractiveAuthentication yes, PAM's auth stack asks for the account's password whatever
 * PasswordAuthentication says, unless AuthenticationMethods asks for a key (or host) as well in every list that has it.
 */
function passwordsThroughKbdInteractive(settings: Record<string, string[] | undefined>, global: Record<string, string[] | undefined>): boolean {
  const one = (k: string) => (settings[k] ?? global[k])?.[0]?.toLowerCase();
  if (one('usepam') !== 'yes' || one('kbdinteractiveauthentication') !== 'yes') return false;
  const lists = (settings.authenticationmethods ?? global.authenticationmethods ?? ['any']).flatMap((l) => l.toLowerCase().split(/\s+/));
  if (lists.includes('any')) return true;
  return lists.some((l) => {
    const methods = l.split(',').map((m) => m.split(':')[0]!);
    return methods.includes('keyboard-interactive') && !methods.some((m) => m === 'publickey' || m === 'hostbased' || m === 'gssapi-with-mic');
  });
}

export function evaluateSshdOption(c: CheckDef, f: HostFacts): Outcome {
  const option = String(c.params.option).toLowerCase();
  const cmp0 = compareValue(undefined, c.params);
  const params = sshdSpelling(option, c.params);
  const expected = `${option} ${cmp0.expected}${c.params.contexts === false ? '' : ' in every Match context'}`;
  const err = factFailed(f.sshd, expected);
  if (err || !f.sshd.ok) return err!;
  const observed = f.sshd.value[option]?.join(' ');
  const cmp = compareValue(observed, params);
  const problems: string[] = cmp.problem ? [`effective ${option} ${cmp.problem}`] : [];
  // A baseline that turns password logins off means every way sshd takes a password alone, keyboard-interactive with PAM too.
  const noPasswords = option === 'passwordauthentication' && compareValue('yes', params).problem !== undefined;
  const KBD = 'a password alone still logs in through keyboard-interactive (UsePAM yes, KbdInteractiveAuthentication yes)';
  const kbdGlobal = noPasswords && !cmp.problem && passwordsThroughKbdInteractive(f.sshd.value, f.sshd.value);
  if (kbdGlobal) problems.push(`effective ${option} is ${observed}, but ${KBD}`);
  const contexts = c.params.contexts === false || !f.sshdContexts.ok ? [] : f.sshdContexts.value;
  const weakened: string[] = [];
  for (const ctx of contexts) {
    if (ctx.status !== 0) {
      problems.push(`sshd -T -C ${ctx.label} failed (exit ${ctx.status})`);
      continue;
    }
    const v = ctx.settings[option]?.join(' ');
    // A context lists only what differs from the global view: KbdInteractiveAuthentication or AuthenticationMethods alone
    // can let passwords in there.
    const kbd = noPasswords && !kbdGlobal && compareValue(v ?? observed, params).problem === undefined && passwordsThroughKbdInteractive(ctx.settings, f.sshd.value);
    if (kbd) weakened.push(ctx.label);
    if (kbd) problems.push(`Match context ${ctx.label}: ${KBD}`);
    if (v === undefined) continue;
    const x = compareValue(v, params);
    if (x.problem) weakened.push(ctx.label);
    if (x.problem) problems.push(`Match context ${ctx.label}: ${option} ${x.problem}`);
  }
  // A Match criterion opsgate cannot give sshd -T -C: the settings of that block are not judged, so the row is never a pass.
  const unjudged = c.params.contexts === false || !f.sshdRuntime.ok ? [] : (f.sshdRuntime.value.unevaluated ?? []);
  const notes = unjudged.map(
    (u) => `${u.file}:${u.line} Match ${u.criterion} cannot be evaluated (sshd -T -C has no parameter for it), so the settings in that block are not judged; check them by hand or set contexts: false`,
  );
  const out: Outcome = {
    status: problems.length ? 'fail' : notes.length ? 'error' : 'pass',
    expected,
    observed: `${option} ${observed ?? '(not set)'}${contexts.length ? `; ${contexts.length} Match contexts evaluated${weakened.length ? `, ${weakened.length} differ` : ''}` : ''}`,
    reason: [...problems, ...notes].join('; '),
    evidence: weakened.length ? `sshd -T -C ${weakened[0]}` : f.sshd.command,
  };
  const pending = reloadPending(f);
  if (pending) {
    out.reason = out.reason ? `${out.reason}; ${pending}` : pending;
    if (out.status === 'pass') out.level = 'warn';
  }
  return out;
}

/** A file sshd reads changed after the running daemon loaded it (or may have: checks-sshd-loaded.ts): its settings may not be the ones in force. */
export function reloadPending(f: HostFacts): string | undefined {
  if (!f.sshdRuntime.ok || !f.sshdRuntime.value.daemon) return undefined;
  const s = sshdLoadState(f.sshdRuntime.value);
  if (s.state === 'current') return undefined;
  if (s.state === 'unknown') return `reload may be pending: ${s.reason}`;
  return `reload pending: ${s.changed.map((c) => `${c.path} changed ${new Date(Math.max(c.mtime, c.ctime)).toISOString()}`).join(', ')}, after sshd (pid ${s.pid}) loaded its configuration ${new Date(s.loadedAt).toISOString()}; the running daemon may use other settings`;
}

export function evaluateLoginDefs(c: CheckDef, f: HostFacts): Outcome {
  const key = String(c.params.key);
  const expected = `${key} ${compareValue(undefined, c.params).expected}`;
  if (!f.loginDefs.ok) return factFailed(f.loginDefs, expected)!;
  const observed = f.loginDefs.value[key];
  const cmp = compareValue(observed, c.params);
  // shadow reads a number with strtol and takes its default when anything follows it (`90 # policy`): no limit at all.
  const unreadable = cmp.problem && observed !== undefined && (c.params.min !== undefined || c.params.max !== undefined) && !/^[-+]?\d+$/.test(observed);
  return {
    status: cmp.problem ? 'fail' : 'pass',
    expected,
    observed: `${key} ${observed ?? '(not set)'}`,
    reason: unreadable
      ? `${key} is '${observed}' in /etc/login.defs, which shadow cannot read as a number (it uses its default instead)`
      : cmp.problem
        ? `${key} ${cmp.problem} in /etc/login.defs`
        : '',
    evidence: f.loginDefs.command,
  };
}

export function evaluatePorts(c: CheckDef, f: HostFacts, mode: 'allow' | 'deny'): Outcome {
  const list = (Array.isArray(c.params.ports) ? c.params.ports : []).map((x) =>
    typeof x === 'object' && x ? { port: num((x as P).port), proto: (x as P).proto as string | undefined } : { port: num(x), proto: undefined },
  );
  const includeLoopback = c.params.include_loopback !== false;
  const expected = mode === 'allow' ? `only ${list.map((x) => `${x.port}${x.proto ? `/${x.proto}` : ''}`).join(', ')} listening` : `none of ${list.map((x) => x.port).join(', ')} listening`;
  if (!f.listen.ok) return factFailed(f.listen, expected)!;
  const socks = f.listen.value.filter((s) => includeLoopback || !isLoopback(s.address));
  const listed = (s: { port: number; proto: string }) => list.some((x) => x.port === s.port && (!x.proto || x.proto === s.proto));
  const bad = socks.filter((s) => (mode === 'allow' ? !listed(s) : listed(s)));
  const fmt = (s: { proto: string; address: string; port: number }) => `${s.port}/${s.proto} on ${s.address}`;
  return {
    status: bad.length ? 'fail' : 'pass',
    expected,
    observed: socks.map(fmt).join(', ') || 'nothing listening',
    reason: bad.length ? `${mode === 'allow' ? 'not allowed' : 'forbidden'}: ${bad.map(fmt).join(', ')}` : '',
    evidence: f.listen.command,
  };
}

export function evaluateFileMode(c: CheckDef, f: HostFacts): Outcome {
  const path = String(c.params.path);
  const max = parseInt(String(c.params.max_mode ?? '0777'), 8);
  const aclAllow = strList(c.params.acl_allow);
  const expected = `${path} mode ≤ ${String(c.params.max_mode ?? '0777')}${c.params.owner ? ` owner ${str(c.params.owner)}` : ''}${c.params.group ? ` group ${str(c.params.group)}` : ''}, no ACL entry for a named user or group${aclAllow.length ? ` except ${aclAllow.join(', ')}` : ''}`;
  if (!f.files.ok) return factFailed(f.files, expected)!;
  const m = f.files.value.get(path);
  const evidence = `stat -c '%a %U %G' ${path}; getfacl -p ${path}`;
  if (!m) return { status: 'error', expected, observed: '', reason: `${path} was not in the probe`, evidence: f.files.command };
  // A link: the baseline means the file it resolves to (its mode is what every open meets); the link itself is judged apart.
  const link = m.link;
  const linkEvidence = link ? `${evidence}; stat -L -c '%a %U %G' ${path}; namei -l ${path}` : evidence;
  if (link && !link.exists)
    return { status: 'fail', expected, observed: `${path} -> ${link.target} (missing)`, reason: `${path} is a link to ${link.target}, which does not exist`, evidence: linkEvidence };
  if (!m.exists) return { status: c.params.must_exist ? 'fail' : 'not_applicable', expected, observed: `${path} missing`, reason: `${path} does not exist`, evidence: f.files.command };
  const problems: string[] = [];
  if ((m.mode! & ~max & 0o7777) !== 0) problems.push(`mode ${m.mode!.toString(8).padStart(4, '0')} has bits beyond ${max.toString(8).padStart(4, '0')}${m.mode! & 0o002 ? ' (world-writable)' : ''}`);
  if (c.params.owner && !strList(c.params.owner).includes(m.owner!)) problems.push(`owner is ${m.owner}`);
  if (c.params.group && !strList(c.params.group).includes(m.group!)) problems.push(`group is ${m.group}`);
  let acl = '';
  if (m.acl === 'unreadable') problems.push(`${path} has an ACL (ls shows '+') but the host has no getfacl to read it`);
  else if (m.acl) {
    // The mode's group bits are the ACL mask once an ACL exists: named entries are extra access.
    const named = effectiveNamedEntries(m.acl).filter((e) => !aclAllow.includes(`${e.tag}:${e.qualifier}`) && !aclAllow.includes(e.qualifier));
    acl = effectiveNamedEntries(m.acl)
      .map((e) => `${e.tag}:${e.qualifier}:${e.perms}`)
      .join(',');
    if (named.length) problems.push(`ACL grants ${named.map((e) => `${e.tag} ${e.qualifier} ${e.perms}`).join(', ')}`);
  }
  if (link && problems.length) problems[problems.length - 1] += `, on ${link.target} (the link's target)`;
  if (link) {
    const top = (p: string) => `/${p.split('/')[1] ?? ''}`;
    const outside = top(link.target) !== top(path) ? `, outside ${top(path)}` : '';
    const unsafe = link.unsafe.length ? `, and ${link.unsafe.join(', ')} lets someone other than root replace it` : '';
    if (outside || unsafe) problems.push(`${path} is a link to ${link.target}${outside}${unsafe}`);
  }
  return {
    status: problems.length ? 'fail' : 'pass',
    expected,
    observed: `${path}${link ? ` -> ${link.target} (judged by the link's target)` : ''} ${m.mode!.toString(8).padStart(4, '0')} ${m.owner}:${m.group}${acl ? ` acl ${acl}` : ''}`,
    reason: problems.join('; '),
    evidence: linkEvidence,
  };
}

export function evaluatePackages(c: CheckDef, f: HostFacts, want: 'absent' | 'present'): Outcome {
  const names = strList(c.params.packages);
  const expected = `${names.join(', ')} ${want === 'absent' ? 'not installed' : 'installed'}`;
  if (!f.packages.ok) return factFailed(f.packages, expected)!;
  const installed = names.filter((n) => f.packages.ok && f.packages.value.get(n)?.installed);
  const bad = want === 'absent' ? installed : names.filter((n) => !installed.includes(n));
  return {
    status: bad.length ? 'fail' : 'pass',
    expected,
    observed: installed.length ? `installed: ${installed.join(', ')}` : 'none installed',
    reason: bad.length ? `${want === 'absent' ? 'installed' : 'missing'}: ${bad.join(', ')}` : '',
    evidence: f.packages.command,
  };
}

export function evaluateSysctl(c: CheckDef, f: HostFacts): Outcome {
  const key = String(c.params.key);
  const want = String(c.params.value).trim().replace(/\s+/g, ' ');
  const expected = `${key} = ${want} (running and persisted)`;
  if (!f.sysctlRunning.ok) return factFailed(f.sysctlRunning, expected)!;
  const running = f.sysctlRunning.value.get(key);
  if (running === undefined || running === null) return { status: 'not_applicable', expected, observed: `${key} unavailable`, reason: `the kernel has no ${key}`, evidence: f.sysctlRunning.command };
  if (!f.sysctlPersisted.ok) return factFailed(f.sysctlPersisted, expected)!;
  const found = persistedFor(f.sysctlPersisted.value, key);
  const unread = found?.unread ? found : undefined;
  const persisted = unread ? undefined : found;
  const problems: string[] = [];
  if (running !== want) problems.push(`running value is ${running}`);
  if (!persisted)
    problems.push(
      `not persisted in /etc/sysctl.conf or sysctl.d: ${running === want ? 'passes now, reverts on reboot' : 'not set at boot either'}${unread ? ` (${unread.file}:${unread.line} sets ${unread.value}, but ${unread.unread})` : ''}`,
    );
  else if (persisted.value !== want) problems.push(`persisted value is ${persisted.value} (${persisted.file}:${persisted.line})${running === want ? ': passes now, reverts on reboot' : ''}`);
  return {
    status: problems.length ? 'fail' : 'pass',
    expected,
    observed: `running ${running}; persisted ${persisted ? `${persisted.value} (${persisted.file})` : '(none)'}`,
    reason: problems.join('; '),
    evidence: `cat /proc/sys/${key.replace(/\./g, '/')}; ${f.sysctlPersisted.command}`,
  };
}

const PSEUDO_FS = ['tmpfs', 'devtmpfs', 'overlay', 'squashfs', 'proc', 'sysfs', 'cgroup', 'cgroup2', 'ramfs', 'nsfs', 'efivarfs'];

export function evaluateThreshold(c: CheckDef, f: HostFacts, kind: 'disk' | 'memory' | 'load'): Outcome {
  const warnAt = num(c.params.warn_at);
  const failAt = num(c.params.fail_at);
  const unit = kind === 'load' ? ' per CPU' : '%';
  const expected = `below ${failAt}${unit} (warn at ${warnAt}${unit})`;
  let values: Array<{ label: string; value: number }>;
  let evidence: string;
  if (kind === 'disk') {
    if (!f.disk.ok) return factFailed(f.disk, expected)!;
    evidence = f.disk.command;
    const mounts = strList(c.params.mounts);
    const excluded = c.params.exclude_types ? strList(c.params.exclude_types) : PSEUDO_FS;
    const rows = mounts.length ? f.disk.value.filter((d) => mounts.includes(d.mount)) : f.disk.value.filter((d) => !excluded.includes(d.type));
    const missing = mounts.filter((m) => !rows.some((r) => r.mount === m));
    if (missing.length) return { status: 'error', expected, observed: '', reason: `not mounted: ${missing.join(', ')}`, evidence };
    // Inodes used count like blocks used: a file system out of inodes takes no new file, whatever space it has left.
    values = rows.flatMap((d) => [{ label: d.mount, value: d.usedPercent }, ...(d.inodesUsedPercent === undefined ? [] : [{ label: `${d.mount} inodes`, value: d.inodesUsedPercent }])]);
  } else if (kind === 'memory') {
    if (!f.memory.ok) return factFailed(f.memory, expected)!;
    evidence = f.memory.command;
    values = [{ label: 'memory', value: f.memory.value.usedPercent }];
  } else {
    if (!f.load.ok) return factFailed(f.load, expected)!;
    evidence = f.load.command;
    values = [{ label: `load5/${f.load.value.cpus} CPUs`, value: Math.round((f.load.value.load5 / Math.max(1, f.load.value.cpus)) * 100) / 100 }];
  }
  const over = values.filter((v) => v.value >= failAt);
  const warn = values.filter((v) => v.value >= warnAt && v.value < failAt);
  const observed = values.map((v) => `${v.label} ${v.value}${unit}`).join(', ');
  const out: Outcome = {
    status: over.length ? 'fail' : 'pass',
    expected,
    observed,
    reason: over.length
      ? `at or above fail_at ${failAt}${unit}: ${over.map((v) => `${v.label} ${v.value}${unit}`).join(', ')}`
      : warn.length
        ? `at or above warn_at ${warnAt}${unit}: ${warn.map((v) => `${v.label} ${v.value}${unit}`).join(', ')}`
        : '',
    evidence,
  };
  if (!over.length && warn.length) out.level = 'warn';
  return out;
}
