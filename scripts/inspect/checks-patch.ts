/**
 * Patch compliance checks (及时更新补丁, 等保 2.0 8.1.10.5): minimum package
 * versions, pending security updates from the package manager's own
 * simulation, and a pending reboot. Registered in scripts/inspect/evaluate.ts.
 * Pure.
 */
import type { HostFacts } from './facts.ts';
import type { CheckDef, Outcome } from './model.ts';
import { compareDebianVersions } from './debian-version.ts';
import { factFailed } from './checks-system.ts';
import { factError, type Fact } from './facts.ts';

/** Optional facts (older callers build HostFacts without them) read as not gathered. */
const orMissing = <T>(x: Fact<T> | undefined, section: string): Fact<T> => x ?? factError<T>(`not gathered (section '${section}' missing from the probe output)`, section);

/** package_version: each named package, when installed, at least `min_version` (dpkg's ordering). */
export function evaluatePackageVersion(c: CheckDef, f: HostFacts): Outcome {
  const wanted = (c.params.packages ?? []) as Array<{ name: string; min_version: string }>;
  const expected = wanted.map((p) => `${p.name} ≥ ${p.min_version}`).join(', ');
  const err = factFailed(f.packages, expected);
  if (err || !f.packages.ok) return err!;
  const old: string[] = [];
  const seen: string[] = [];
  for (const p of wanted) {
    const e = f.packages.value.get(p.name);
    if (!e || !e.installed) {
      seen.push(`${p.name} not installed`);
      continue;
    }
    seen.push(`${p.name} ${e.version}`);
    if (compareDebianVersions(e.version, p.min_version) < 0) old.push(`${p.name} ${e.version} < ${p.min_version}`);
  }
  return { status: old.length ? 'fail' : 'pass', expected, observed: seen.join(', '), reason: old.length ? `older than the minimum: ${old.join(', ')}` : '', evidence: f.packages.command };
}

/** pending_updates: at most `max` (default 0) upgrades pending; only security ones unless `security_only: false`. */
export function evaluatePendingUpdates(c: CheckDef, f: HostFacts): Outcome {
  const securityOnly = c.params.security_only !== false;
  const max = typeof c.params.max === 'number' ? c.params.max : 0;
  const expected = `≤ ${max} pending ${securityOnly ? 'security ' : ''}update(s)`;
  const updates = orMissing(f.updates, 'updates');
  const err = factFailed(updates, expected);
  if (err || !updates.ok) return err!;
  const pending = updates.value.updates.filter((u) => !securityOnly || u.security).sort((a, b) => a.name.localeCompare(b.name));
  const list = pending.map((u) => `${u.name} ${u.installed ? `${u.installed} → ` : ''}${u.available}`);
  return {
    status: pending.length > max ? 'fail' : 'pass',
    expected,
    observed: `${pending.length} pending ${securityOnly ? 'security ' : ''}update(s)${list.length ? `: ${list.slice(0, 10).join(', ')}${list.length > 10 ? ', …' : ''}` : ''}`,
    reason: pending.length > max ? `${pending.length} ${securityOnly ? 'security ' : ''}update(s) available from ${[...new Set(pending.flatMap((u) => u.origins))].join(', ')}` : '',
    evidence: updates.command,
  };
}

/** reboot_required: no reboot-required marker, needs-restarting agrees, and (unless `kernel: false`) the newest installed kernel is the running one. */
export function evaluateRebootRequired(c: CheckDef, f: HostFacts): Outcome {
  const expected = 'no reboot pending';
  const reboot = orMissing(f.reboot, 'reboot');
  const err = factFailed(reboot, expected);
  if (err || !reboot.ok) return err!;
  const r = reboot.value;
  const problems: string[] = [];
  if (r.marker) problems.push(`/var/run/reboot-required is present${r.markerPackages.length ? ` (for ${r.markerPackages.join(', ')})` : ''}`);
  if (r.needsRestarting) problems.push('needs-restarting -r says a reboot is needed');
  const newest = [...r.kernels].sort(compareDebianVersions).pop();
  if (c.params.kernel !== false && newest && compareDebianVersions(newest, r.running) > 0) problems.push(`running kernel ${r.running} is older than the newest installed ${newest}`);
  return {
    status: problems.length ? 'fail' : 'pass',
    expected,
    observed: `running ${r.running}${newest ? `, newest installed ${newest}` : ''}${r.marker ? ', reboot-required marker' : ''}`,
    reason: problems.join('; '),
    evidence: reboot.command,
  };
}

/** The registry entries (scripts/inspect/evaluate.ts spreads them in). */
export const PATCH_CHECKS = {
  package_version: { sections: ['packages'], evaluate: (c: CheckDef, f: HostFacts) => evaluatePackageVersion(c, f) },
  pending_updates: { sections: ['updates'], evaluate: (c: CheckDef, f: HostFacts) => evaluatePendingUpdates(c, f) },
  reboot_required: { sections: ['reboot'], evaluate: (c: CheckDef, f: HostFacts) => evaluateRebootRequired(c, f) },
} as const;
