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

/**
 * The value each key gets at boot, as systemd-sysctl applies it: *.conf files from all
 * directories sorted by file name (a name in /etc hides the same name further down),
 * later files win; /etc/sysctl.conf (Debian links it as 99-sysctl.conf) last.
 */
export function parseSysctlPersisted(text: string, boundary: string): Map<string, PersistedSysctl> {
  // Framed by the run's boundary: no line of a file can pose as the start of another.
  const files = new Map<string, string[]>();
  for (const f of parseFramed(text, boundary).files) files.set(f.label, f.content.split('\n'));
  const chosen = new Map<string, string>();
  for (const f of [...files.keys()].filter((f) => f !== '/etc/sysctl.conf')) {
    const base = f.slice(f.lastIndexOf('/') + 1);
    const rank = DIR_RANK.findIndex((d) => f.startsWith(d));
    const prev = chosen.get(base);
    if (prev === undefined || rank < DIR_RANK.findIndex((d) => prev.startsWith(d))) chosen.set(base, f);
  }
  const order = [...chosen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, f]) => f);
  if (files.has('/etc/sysctl.conf') && !chosen.has('99-sysctl.conf')) order.push('/etc/sysctl.conf');
  const out = new Map<string, PersistedSysctl>();
  for (const f of order) {
    files.get(f)!.forEach((raw, i) => {
      const l = raw.trim();
      if (!l || l.startsWith('#') || l.startsWith(';')) return;
      const m = /^-?\s*([^=\s]+)\s*=\s*(.*)$/.exec(l);
      if (m) out.set(m[1]!.replace(/\//g, '.'), { value: m[2]!.trim().replace(/\s+/g, ' '), file: f, line: i + 1 });
    });
  }
  return out;
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
