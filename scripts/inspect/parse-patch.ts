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
  const f: RebootFacts = { running: '', marker: false, markerPackages: [], kernels: [] };
  for (const l of text.split('\n')) {
    const [k, ...rest] = l.trim().split(' ');
    const v = rest.join(' ');
    if (k === 'running') f.running = v;
    else if (k === 'marker') f.marker = true;
    else if (k === 'pkg' && v) f.markerPackages.push(v);
    else if (k === 'kernel' && v && v !== '*') f.kernels.push(v);
    else if (k === 'needs-restarting') f.needsRestarting = v === '1';
  }
  if (!f.running) throw new Error('no running kernel (uname -r) in the output');
  return f;
}
