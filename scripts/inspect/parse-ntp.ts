/**
 * Parser of the `ntp` probe section (scripts/inspect/probe-services.ts): what each
 * time-sync daemon says through its own client (chronyc, ntpq, timedatectl), and the
 * kernel's clock state from adjtimex(2). Pure.
 */
import { markerBlocks } from './parse-framed.ts';

export type TimeDaemon = 'chronyd' | 'ntpd' | 'systemd-timesyncd';

/** A daemon that answered through its client. */
export interface NtpSource {
  daemon: TimeDaemon;
  synced: boolean;
  /** |offset| of the system clock from the daemon's time, when it says. */
  offsetMs?: number;
  /** The daemon's own words, condensed: reference, stratum, leap status. */
  detail: string;
}

/** adjtimex(2): `state` is its return (0 TIME_OK … 5 TIME_ERROR), `status` the STA_* bits. */
export interface KernelClock {
  state: number;
  status: number;
  maxErrorUs: number;
}

export interface NtpFacts {
  sources: NtpSource[];
  /** Clients that are absent or got no answer, with why (`chronyc: not installed`). */
  silent: string[];
  kernel?: KernelClock;
  /** Why the kernel's state could not be read. */
  kernelError?: string;
}

export const STA_UNSYNC = 0x40;
const STATES = ['TIME_OK', 'TIME_INS', 'TIME_DEL', 'TIME_OOP', 'TIME_WAIT', 'TIME_ERROR'];
export const clockStateName = (s: number) => STATES[s] ?? `state ${s}`;
export const kernelSynced = (k: KernelClock) => k.state !== 5 && (k.status & STA_UNSYNC) === 0;

const firstLine = (lines: string[]) => (lines.find((l) => l.trim() !== '')?.trim() ?? 'no output').slice(0, 160);

/** chronyc -n tracking: `Key : value` lines. Reference 7F7F0101 is chronyd's own clock (`local`), not a time source. */
function chrony(lines: string[]): NtpSource | string {
  const kv = new Map<string, string>();
  for (const l of lines) {
    const m = /^([A-Za-z][A-Za-z ()]*?)\s*:\s(.*)$/.exec(l);
    if (m) kv.set(m[1]!.trim(), m[2]!.trim());
  }
  const leap = kv.get('Leap status');
  if (!leap) return firstLine(lines);
  const ref = (kv.get('Reference ID') ?? '').split(/\s+/)[0] ?? '';
  const stratum = Number(kv.get('Stratum'));
  const off = /^([0-9.]+) seconds (fast|slow) of NTP time/.exec(kv.get('System time') ?? '');
  const detail = `reference ${kv.get('Reference ID') ?? '?'}, stratum ${kv.get('Stratum') ?? '?'}, leap status ${leap}`;
  const local = ref.toUpperCase() === '7F7F0101';
  const synced = /^(Normal|Insert second|Delete second)$/.test(leap) && !/^0+$/.test(ref) && stratum > 0 && !local;
  const s: NtpSource = { daemon: 'chronyd', synced, detail: local ? `${detail} (its own clock: the local directive, no time source)` : detail };
  if (off) s.offsetMs = Number(off[1]) * 1000;
  return s;
}

/** ntpq -c 'rv 0 leap,stratum,offset,refid': `name=value` pairs, comma separated, over one or more lines. */
function ntpq(lines: string[]): NtpSource | string {
  const kv = new Map<string, string>();
  for (const m of lines.join(' ').matchAll(/([a-z]+)=("[^"]*"|[^,\s]*)/g)) kv.set(m[1]!, m[2]!.replace(/^"|"$/g, ''));
  const leap = kv.get('leap');
  if (leap === undefined || !/^[01]{2}$/.test(leap)) return firstLine(lines);
  const stratum = Number(kv.get('stratum'));
  const refid = kv.get('refid') ?? '';
  const local = /^(LOCL|LOCAL|127\.127\.1\.)/i.test(refid);
  const detail = `refid ${refid || '?'}, stratum ${kv.get('stratum') ?? '?'}, leap ${leap}`;
  const s: NtpSource = { daemon: 'ntpd', synced: leap !== '11' && stratum > 0 && stratum < 16 && !local, detail: local ? `${detail} (its own clock, no time source)` : detail };
  const off = Number(kv.get('offset'));
  if (kv.has('offset') && Number.isFinite(off)) s.offsetMs = Math.abs(off);
  return s;
}

/** timedatectl show: NTP=yes means timedated has a time-sync service running; NTPSynchronized is the kernel's flag. */
function timedatectl(lines: string[], rc: number): NtpSource | string {
  const kv = new Map(lines.filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()] as const));
  if (rc !== 0 || !kv.has('NTPSynchronized')) return firstLine(lines);
  if (kv.get('NTP') !== 'yes') return `no time-sync service enabled (NTP=${kv.get('NTP') ?? '?'}, CanNTP=${kv.get('CanNTP') ?? '?'})`;
  return { daemon: 'systemd-timesyncd', synced: kv.get('NTPSynchronized') === 'yes', detail: `timedatectl: NTP=yes, NTPSynchronized=${kv.get('NTPSynchronized')}` };
}

export function parseNtp(text: string, boundary: string): NtpFacts {
  const f: NtpFacts = { sources: [], silent: [] };
  const blocks = markerBlocks(text, boundary, 'tool', 'rc');
  if (blocks.length === 0) throw new Error('no tool output in the section');
  for (const b of blocks) {
    if (b.label === 'adjtimex') {
      const m = /^state=(-?\d+) status=(-?\d+) maxerror=(-?\d+) esterror=(-?\d+)$/.exec(b.lines.find((l) => l.startsWith('state='))?.trim() ?? '');
      if (b.status === 0 && m) f.kernel = { state: Number(m[1]), status: Number(m[2]), maxErrorUs: Number(m[3]) };
      else f.kernelError = b.status === 127 ? 'neither perl nor python3 is installed' : firstLine(b.lines);
      continue;
    }
    const parse = b.label === 'chronyc' ? chrony : b.label === 'ntpq' ? ntpq : b.label === 'timedatectl' ? timedatectl : undefined;
    if (!parse) continue;
    const r = b.status === 127 ? 'not installed' : b.status < 0 ? 'output cut short' : parse(b.lines, b.status);
    if (typeof r === 'string') f.silent.push(`${b.label}: ${r}`);
    else f.sources.push(r);
  }
  return f;
}
