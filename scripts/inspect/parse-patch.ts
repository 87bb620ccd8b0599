/**
 * Parsers of the patch sections (scripts/inspect/probe-patch.ts): the package
 * manager's own simulation of an upgrade, and whether the host needs a reboot.
 * Pure.
 */

export interface PendingUpdate {
  name: string;
  installed: string;
  available: string;
  origins: string[];
  security: boolean;
}
export interface PendingUpdates {
  manager: 'apt' | 'dnf';
  updates: PendingUpdate[];
}
export interface RebootFacts {
  running: string;
  /** /var/run/reboot-required exists. */
  marker: boolean;
  /** The packages /var/run/reboot-required.pkgs names. */
  markerPackages: string[];
  /** Kernels installed under /boot (vmlinuz-VERSION). */
  kernels: string[];
  /** `needs-restarting -r` (dnf/yum hosts): true when it says a reboot is needed; undefined where absent. */
  needsRestarting?: boolean;
  /** The newest installed kernel, as the host's own comparator (`newestBy`) orders them; undefined without kernels or comparator. */
  newest?: string;
  newestBy?: string;
  /** The host's comparator says the running kernel is older than `newest`. */
  runningOlder: boolean;
  /** The host has no version comparator, so kernels could not be ordered. */
  orderUnavailable: boolean;
}

/** One installed instance of a requested package, compared with its minimum on the host. */
export interface VersionVerdict {
  installed: string;
  verdict: 'older' | 'ok' | 'bad';
  /** The comparator's own message when it could not compare ('bad'). */
  message: string;
}
export interface VersionResult {
  name: string;
  min: string;
  /** [] when the package is not installed. */
  instances: VersionVerdict[];
}
export interface VersionFacts {
  /** The comparator the host used. */
  tool: 'dpkg' | 'rpmdev-vercmp' | 'rpm';
  results: VersionResult[];
}

const SECURITY = /security/i;

/**
 * apt: `apt-get -s dist-upgrade` prints one line per upgrade,
 *   Inst NAME [INSTALLED] (AVAILABLE ORIGIN:SUITE[, ORIGIN:SUITE…] [ARCH])
 * dnf: `dnf updateinfo list --updates --security` prints ADVISORY SEVERITY/Sec. NEVRA (security only).
 */
export function parseUpdates(text: string): PendingUpdates {
  const lines = text.split('\n');
  const head = lines[0]?.trim();
  if (head === '#dnf') {
    const updates = lines
      .slice(1)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 3 && /\/Sec\.$/.test(f[1]!))
      .map((f) => ({ name: f[2]!.replace(/-[^-]+-[^-]+$/, ''), installed: '', available: f[2]!.slice(f[2]!.replace(/-[^-]+-[^-]+$/, '').length + 1), origins: [f[0]!], security: true }));
    return { manager: 'dnf', updates };
  }
  if (head !== '#apt') throw new Error(`expected '#apt' or '#dnf' first, got '${(head ?? '').slice(0, 40)}'`);
  const updates: PendingUpdate[] = [];
  for (const l of lines) {
    const m = /^Inst (\S+) (?:\[([^\]]*)\] )?\((\S+) (.*?)(?: \[[^\]]*\])?\)/.exec(l);
    if (!m) continue;
    const origins = m[4]!
      .split(', ')
      .map((s) => s.trim())
      .filter(Boolean);
    updates.push({ name: m[1]!, installed: m[2] ?? '', available: m[3]!, origins, security: origins.some((o) => SECURITY.test(o)) });
  }
  return { manager: 'apt', updates };
}

export function parseReboot(text: string): RebootFacts {
  const f: RebootFacts = { running: '', marker: false, markerPackages: [], kernels: [], runningOlder: false, orderUnavailable: false };
  for (const l of text.split('\n')) {
    const [k, ...rest] = l.trim().split(' ');
    const v = rest.join(' ');
    if (k === 'running') f.running = v;
    else if (k === 'marker') f.marker = true;
    else if (k === 'pkg' && v) f.markerPackages.push(v);
    else if (k === 'kernel' && v && v !== '*') f.kernels.push(v);
    else if (k === 'needs-restarting') f.needsRestarting = v === '1';
    else if (k === 'newest' && / by \S+$/.test(v)) {
      f.newest = v.replace(/ by \S+$/, '');
      f.newestBy = v.slice(f.newest.length + 4);
    } else if (k === 'running-older') f.runningOlder = true;
    else if (k === 'order' && v === 'unavailable') f.orderUnavailable = true;
  }
  if (!f.running) throw new Error('no running kernel (uname -r) in the output');
  return f;
}

const TOOLS = new Set(['dpkg', 'rpmdev-vercmp', 'rpm']);

/**
 * The `versions` section (scripts/inspect/probe-patch.ts buildVersionsBody): the host's
 * verdicts, matched back to the requests by their index, so nothing the host prints can
 * stand for another package.
 */
export function parseVersions(text: string, wanted: ReadonlyArray<{ name: string; min: string }>): VersionFacts {
  const lines = text.split('\n').filter((l) => l !== '');
  const tool = lines[0]?.startsWith('#') ? lines[0].slice(1) : '';
  if (!TOOLS.has(tool)) throw new Error(`expected the comparator ('#dpkg', '#rpmdev-vercmp' or '#rpm') first, got '${(lines[0] ?? '').slice(0, 40)}'`);
  const results: VersionResult[] = wanted.map((w) => ({ name: w.name, min: w.min, instances: [] }));
  const seen = new Set<number>();
  for (const l of lines.slice(1)) {
    const [i, verdict, installed = '', ...message] = l.split('\t');
    const r = results[Number(i)];
    if (!r || !/^\d+$/.test(i!)) throw new Error(`line '${l.slice(0, 60)}' names no requested package`);
    seen.add(Number(i));
    if (verdict === 'absent') continue;
    if (verdict !== 'older' && verdict !== 'ok' && verdict !== 'bad') throw new Error(`unknown verdict '${verdict}' for ${r.name}`);
    r.instances.push({ installed, verdict, message: message.join(' ').trim() });
  }
  const missing = results.filter((_, i) => !seen.has(i)).map((r) => r.name);
  if (missing.length) throw new Error(`no verdict for ${missing.join(', ')}`);
  return { tool: tool as VersionFacts['tool'], results };
}
