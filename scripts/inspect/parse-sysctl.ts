import type { PersistedSysctl, ResticSnapshot } from './facts.ts';
import { parseFramed } from './parse-framed.ts';
import { ParseError } from './parse-system.ts';

/** `key = value` or `key unavailable` per requested key. Whitespace inside values is normalised to one space. Pure. */
export function parseSysctlRunning(text: string): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const l of text.split('\n')) {
    if (!l.trim()) continue;
    const m = /^(\S+) = (.*)$/.exec(l);
    if (m) out.set(m[1]!, m[2]!.trim().replace(/\s+/g, ' '));
    else if (/^\S+ unavailable$/.test(l)) out.set(l.split(' ')[0]!, null);
    else throw new ParseError(`sysctl line '${l.slice(0, 60)}' is not 'key = value'`);
  }
  return out;
}

const DIR_RANK = ['/etc/sysctl.d/', '/run/sysctl.d/', '/usr/local/lib/sysctl.d/', '/usr/lib/sysctl.d/', '/lib/sysctl.d/'];

/** The program that applies persisted sysctls at boot: the probe's `@boot` frame (absent in older output: procps). */
export type SysctlBootReader = 'systemd-sysctl' | 'procps';

const BOOT_LABEL = '@boot ';

/**
 * The value each key gets at boot, as the host's boot applies it: *.conf files from all
 * directories sorted by file name (a name in /etc hides the same name further down),
 * later files win. /etc/sysctl.conf itself: systemd-sysctl never reads it (Debian reads it only
 * through the /etc/sysctl.d/99-sysctl.conf link, which is framed under that name), while procps'
 * `sysctl --system` (a host whose init is not systemd) reads it last. A value only an unread
 * /etc/sysctl.conf sets is kept with `unread` (why), so the check can say where it is and why it
 * does not count. systemd-sysctl also applies glob keys (`net.ipv4.conf.*.rp_filter`) to every key
 * no line names explicitly: those are kept under their pattern (see persistedFor).
 */
export function parseSysctlPersisted(text: string, boundary: string): Map<string, PersistedSysctl> {
  // Framed by the run's boundary: no line of a file can pose as the start of another.
  const files = new Map<string, string[]>();
  let reader: SysctlBootReader = 'procps';
  for (const f of parseFramed(text, boundary).files) {
    if (f.label.startsWith(BOOT_LABEL)) reader = f.label.slice(BOOT_LABEL.length) === 'systemd-sysctl' ? 'systemd-sysctl' : 'procps';
    else files.set(f.label, f.content.split('\n'));
  }
  const chosen = new Map<string, string>();
  for (const f of [...files.keys()].filter((f) => f !== '/etc/sysctl.conf')) {
    const base = f.slice(f.lastIndexOf('/') + 1);
    const rank = DIR_RANK.findIndex((d) => f.startsWith(d));
    const prev = chosen.get(base);
    if (prev === undefined || rank < DIR_RANK.findIndex((d) => prev.startsWith(d))) chosen.set(base, f);
  }
  const order = [...chosen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, f]) => f);
  const confRead = files.has('/etc/sysctl.conf') && !chosen.has('99-sysctl.conf') && reader === 'procps';
  if (confRead) order.push('/etc/sysctl.conf');
  const out = new Map<string, PersistedSysctl>();
  const read = (f: string, each: (key: string, e: PersistedSysctl) => void) =>
    files.get(f)!.forEach((raw, i) => {
      const l = raw.trim();
      if (!l || l.startsWith('#') || l.startsWith(';')) return;
      const m = /^-?\s*([^=\s]+)\s*=\s*(.*)$/.exec(l);
      if (m) each(m[1]!.replace(/\//g, '.'), { value: m[2]!.trim().replace(/\s+/g, ' '), file: f, line: i + 1 });
    });
  // A key set again moves to the end (systemd-sysctl's ordered map): the last glob matching a key is the one applied.
  for (const f of order)
    read(f, (k, e) => {
      out.delete(k);
      out.set(k, e);
    });
  if (files.has('/etc/sysctl.conf') && !confRead) {
    const why = chosen.has('99-sysctl.conf')
      ? `/etc/sysctl.conf is read only as ${chosen.get('99-sysctl.conf')}, which is not a link to it`
      : 'systemd-sysctl does not read /etc/sysctl.conf (no link to it in sysctl.d)';
    read('/etc/sysctl.conf', (k, e) => {
      if (!out.has(k) || out.get(k)!.unread) out.set(k, { ...e, unread: why });
    });
  }
  if (reader === 'procps') for (const k of [...out.keys()]) if (/[*?]/.test(k)) out.delete(k);
  return out;
}

/** Whether a sysctl glob key (`*` and `?` within one path component) matches a key. */
function globMatches(pattern: string, key: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, (c) => (c === '.' ? '\\.' : `\\${c}`))
    .replace(/\*/g, '[^.]*')
    .replace(/\?/g, '[^.]');
  return new RegExp(`^${re}$`).test(key);
}

/**
 * The persisted entry that sets `key` at boot: its explicit line, else the last glob line that matches it (systemd-sysctl
 * never lets a glob overwrite a key some line names explicitly). An entry with `unread` sets nothing at boot.
 */
export function persistedFor(all: Map<string, PersistedSysctl>, key: string): PersistedSysctl | undefined {
  const own = all.get(key);
  if (own && !own.unread) return own;
  let glob: PersistedSysctl | undefined;
  for (const [k, e] of all) if (!e.unread && /[*?]/.test(k) && globMatches(k, key)) glob = e;
  return glob ?? own;
}

/** `restic snapshots --json`. */
export function parseResticSnapshots(text: string): ResticSnapshot[] {
  let data: unknown;
  try {
    data = JSON.parse(text.trim() || 'null');
  } catch {
    throw new ParseError('restic snapshots did not print JSON');
  }
  if (!Array.isArray(data)) throw new ParseError('restic snapshots JSON is not a list');
  return data.map((s: Record<string, unknown>, i) => {
    if (typeof s.time !== 'string' || typeof s.id !== 'string') throw new ParseError(`snapshot ${i} has no id/time`);
    return { id: String(s.short_id ?? s.id).slice(0, 8), time: s.time, host: String(s.hostname ?? ''), paths: (s.paths as string[]) ?? [], tags: (s.tags as string[]) ?? [] };
  });
}
