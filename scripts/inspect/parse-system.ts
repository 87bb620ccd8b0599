import type { Account, DiskEntry, FileMeta, GroupEntry, LoadFacts, MemoryFacts, PackageEntry, ShadowEntry } from './facts.ts';

/** Pure parsers for system sections. Each throws ParseError on output it cannot read. */
export class ParseError extends Error {
  override readonly name = 'ParseError';
}

const lines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '');

export function parseIdentity(text: string): { uid: number; hostname: string } {
  const [uid, hostname] = lines(text);
  if (!uid || !/^\d+$/.test(uid.trim())) throw new ParseError(`expected a numeric uid, got '${(uid ?? '').slice(0, 40)}'`);
  return { uid: Number(uid), hostname: (hostname ?? '').trim() };
}

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of lines(text)) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(l);
    if (!m) continue;
    out[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
  }
  if (!out.ID) throw new ParseError('os-release has no ID');
  return out;
}

/** `sshd -T` prints lowercase `keyword value…`; repeated keywords (e.g. listenaddress) accumulate. */
export function parseSshdT(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const l of lines(text)) {
    const m = /^([a-z0-9]+)\s+(.*)$/.exec(l.trim());
    if (!m) continue;
    (out[m[1]!] ??= []).push(m[2]!.trim());
  }
  if (Object.keys(out).length < 10) throw new ParseError('sshd -T printed fewer than 10 settings');
  return out;
}

/**
 * login.defs as shadow's getdef reads it: the name is the first field, the value starts after blanks and double quotes and
 * ends at the next double quote (`PASS_MAX_DAYS "90"` is 90); a later line of a name replaces an earlier one.
 */
export function parseLoginDefs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of lines(text)) {
    const m = /^[ \t]*([^ \t#][^ \t]*)[ \t]+(.*)$/.exec(l.trimEnd());
    if (!m) continue;
    const v = m[2]!.replace(/^[ \t"]+/, '');
    out[m[1]!] = v.slice(0, v.includes('"') ? v.indexOf('"') : v.length);
  }
  return out;
}

export function parsePasswd(text: string): Account[] {
  return lines(text).map((l, i) => {
    const f = l.split(':');
    if (f.length < 7 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) throw new ParseError(`passwd line ${i + 1} is not name:x:uid:gid:gecos:home:shell`);
    // An empty shell field is /bin/sh: sshd, login and su run that.
    return { name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6] || '/bin/sh', password: f[1]!, ...(f[4] ? { gecos: f[4] } : {}) };
  });
}

/**
 * The passwd section: /etc/passwd, then, when NSS adds accounts it does not have (systemd userdb records, other nsswitch
 * sources), a `<B> nss` line and those accounts as `getent passwd` prints them. `nss` names the added accounts.
 */
export function parsePasswdView(text: string, boundary: string): { accounts: Account[]; nss: string[] } {
  const all = text.split('\n');
  const at = all.findIndex((l) => l.replace(/\r$/, '') === `${boundary} nss`);
  if (at < 0) return { accounts: parsePasswd(text), nss: [] };
  const nss = parsePasswd(all.slice(at + 1).join('\n'));
  return { accounts: [...parsePasswd(all.slice(0, at).join('\n')), ...nss], nss: nss.map((a) => a.name) };
}

export function parseGroup(text: string): GroupEntry[] {
  return lines(text).map((l, i) => {
    const f = l.split(':');
    if (f.length < 4 || !/^\d+$/.test(f[2]!)) throw new ParseError(`group line ${i + 1} is not name:x:gid:members`);
    return { name: f[0]!, gid: Number(f[2]), members: f[3] ? f[3].split(',').filter(Boolean) : [] };
  });
}

/**
 * The group section: /etc/group, then, when NSS adds groups or memberships, `<B> nss` and the groups it adds (`getent group`
 * lines: names and gids), and `<B> initgroups` with every account's supplementary gids as `getent initgroups` prints them
 * (`name gid…`). A gid an account gets that no /etc/group line lists it in becomes an entry of its own naming its source.
 */
export function parseGroupView(text: string, boundary: string): GroupEntry[] {
  const all = text.split('\n');
  const at = (w: string) => all.findIndex((l) => l.replace(/\r$/, '') === `${boundary} ${w}`);
  const nssAt = at('nss');
  const initAt = at('initgroups');
  const end = (from: number) => [nssAt, initAt, all.length].filter((x) => x > from).reduce((a, b) => Math.min(a, b), all.length);
  const own = parseGroup(all.slice(0, end(-1)).join('\n'));
  // A group NSS adds names a gid; who is in it is what initgroups gives each account (its member list grants nothing by itself:
  // nss-systemd and extrausers add no member through it at login).
  const nss = nssAt < 0 ? [] : parseGroup(all.slice(nssAt + 1, end(nssAt)).join('\n')).map((g) => ({ ...g, members: [], source: 'NSS (getent group; not in /etc/group)' }));
  const out = [...own, ...nss];
  if (initAt < 0) return out;
  for (const l of lines(all.slice(initAt + 1, end(initAt)).join('\n'))) {
    const [user, ...gids] = l.trim().split(/\s+/);
    if (!user) continue;
    for (const gid of gids.filter((g) => /^\d+$/.test(g)).map(Number)) {
      const known = out.filter((g) => g.gid === gid);
      if (!known.length || known.some((g) => g.members.includes(user))) continue;
      out.push({ name: known[0]!.name, gid, members: [user], source: `NSS (getent initgroups ${user}; no /etc/group line lists ${user})` });
    }
  }
  return out;
}

/** The probe's reduced shadow: name:state:lastchg:min:max:warn:inactive:expire[:lock] (no hash; lock is `!` or `*`). */
export function parseShadowMeta(text: string): ShadowEntry[] {
  const num = (s: string | undefined) => (s && /^-?\d+$/.test(s) ? Number(s) : undefined);
  return lines(text).map((l, i) => {
    const f = l.split(':');
    const state = f[1];
    if (f.length < 8 || (state !== 'set' && state !== 'locked' && state !== 'empty')) throw new ParseError(`shadow line ${i + 1} is not name:state:aging…`);
    const e: ShadowEntry = { name: f[0]!, state };
    const set = (k: keyof ShadowEntry, v: number | undefined) => {
      if (v !== undefined) (e as unknown as Record<string, number>)[k] = v;
    };
    set('lastChange', num(f[2]));
    set('minDays', num(f[3]));
    set('maxDays', num(f[4]));
    set('warnDays', num(f[5]));
    set('inactiveDays', num(f[6]));
    set('expireDay', num(f[7]));
    if (state === 'locked' && (f[8] === '!' || f[8] === '*')) e.lock = f[8];
    return e;
  });
}

export function parsePackages(text: string): Map<string, PackageEntry> {
  const out = new Map<string, PackageEntry>();
  for (const l of lines(text)) {
    const [name, version, status] = l.split('\t');
    if (!name || version === undefined) throw new ParseError(`package line '${l.slice(0, 60)}' is not name<TAB>version<TAB>status`);
    // The second letter is dpkg's package state: a held (hi) or to-be-removed (ri) package is installed all the same, and
    // so is one whose files are unpacked (U, H, F, W, t); only not-installed (n) and config-files (c) are not.
    const state = (status ?? '').charAt(1);
    out.set(name.replace(/:.*$/, ''), { name: name.replace(/:.*$/, ''), version, installed: state !== '' && state !== 'n' && state !== 'c' && state !== ' ' });
  }
  return out;
}

/** `stat -c '%a %U %G %F %n'` lines, or `missing - - - PATH`. */
export function parseFileMeta(text: string): Map<string, FileMeta> {
  const out = new Map<string, FileMeta>();
  for (const l of lines(text)) {
    const m = /^(missing|[0-7]{3,4}) (\S+) (\S+) (.+?) (\/.*)$/.exec(l);
    if (!m) throw new ParseError(`file line '${l.slice(0, 80)}' is not 'mode owner group type path'`);
    const path = m[5]!;
    if (m[1] === 'missing') out.set(path, { path, exists: false });
    else out.set(path, { path, exists: true, mode: parseInt(m[1]!, 8), owner: m[2]!, group: m[3]!, kind: m[4]! });
  }
  return out;
}

/**
 * `df -P -k -T`: Filesystem Type 1024-blocks Used Available Capacity Mounted-on; then, after a `#inodes` line, `df -P -i -T`
 * (Inodes IUsed IFree IUse%): each file system's inodes used, matched by file system and mount. A file system without
 * inode counts (IUse% `-`, e.g. btrfs) has none.
 */
export function parseDf(text: string): DiskEntry[] {
  const [blocks, inodes] = text.split(/^#inodes\n/m) as [string, string | undefined];
  const used = new Map<string, number>();
  for (const d of inodes === undefined ? [] : dfTable(inodes, 'Inodes')) if (d.used + d.avail > 0) used.set(`${d.filesystem}\u0000${d.mount}`, d.percent);
  return dfTable(blocks, '1024-blocks').map((d) => {
    const iu = used.get(`${d.filesystem}\u0000${d.mount}`);
    return { filesystem: d.filesystem, type: d.type, sizeKb: d.size, usedKb: d.used, usedPercent: d.percent, mount: d.mount, ...(iu === undefined ? {} : { inodesUsedPercent: iu }) };
  });
}

function dfTable(text: string, what: string) {
  const rows = lines(text);
  if (!rows[0] || !/^Filesystem\s+Type/.test(rows[0])) throw new ParseError(`df output has no 'Filesystem Type' header (${what})`);
  return rows.slice(1).map((l) => {
    const m = /^(\S+)\s+(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+|-)%?\s+(\/.*)$/.exec(l);
    if (!m) throw new ParseError(`df line '${l.slice(0, 80)}' is not understood`);
    const used = Number(m[4]);
    const avail = Number(m[5]);
    // df's Capacity rounds up used/(used+avail); compute it the same way so figures match what operators see.
    return { filesystem: m[1]!, type: m[2]!, size: Number(m[3]), used, avail, percent: used + avail > 0 ? Math.ceil((used * 100) / (used + avail)) : 0, mount: m[7]! };
  });
}

export function parseMeminfo(text: string): MemoryFacts {
  const kv = new Map<string, number>();
  for (const l of lines(text)) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(l);
    if (m) kv.set(m[1]!, Number(m[2]));
  }
  const total = kv.get('MemTotal');
  const avail = kv.get('MemAvailable') ?? (kv.get('MemFree') ?? 0) + (kv.get('Buffers') ?? 0) + (kv.get('Cached') ?? 0);
  if (!total) throw new ParseError('meminfo has no MemTotal');
  return { totalKb: total, availableKb: avail, usedPercent: Math.round(((total - avail) * 1000) / total) / 10, swapTotalKb: kv.get('SwapTotal') ?? 0, swapFreeKb: kv.get('SwapFree') ?? 0 };
}

export function parseLoad(text: string): LoadFacts {
  const [loadavg, cpus] = lines(text);
  const m = /^([\d.]+)\s+([\d.]+)\s+([\d.]+)/.exec(loadavg ?? '');
  if (!m || !cpus || !/^\d+$/.test(cpus.trim())) throw new ParseError('expected /proc/loadavg and a CPU count');
  return { load1: Number(m[1]), load5: Number(m[2]), load15: Number(m[3]), cpus: Number(cpus.trim()) };
}
