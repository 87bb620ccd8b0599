/**
 * Patch compliance checks (及时更新补丁, 等保 2.0 8.1.10.5): minimum package
 * versions, pending security updates from the package manager's own
 * simulation, and a pending reboot. Registered in scripts/inspect/evaluate.ts.
 * Pure.
 */
import type { HostFacts } from './facts.ts';
import type { CheckDef, Outcome } from './model.ts';
import { COMPARATOR_COMMANDS, NO_COMPARATOR, type VersionRequest } from './probe-patch.ts';
import { factFailed } from './checks-system.ts';
import { factError, type Fact } from './facts.ts';

/** Optional facts (older callers build HostFacts without them) read as not gathered. */
const orMissing = <T>(x: Fact<T> | undefined, section: string): Fact<T> => x ?? factError<T>(`not gathered (section '${section}' missing from the probe output)`, section);

/** The (name, minimum) pairs of every package_version check, once each: what the probe's `versions` section compares. */
export function versionRequests(checks: readonly CheckDef[]): VersionRequest[] {
  const out = new Map<string, VersionRequest>();
  for (const c of checks) {
    if (c.type !== 'package_version') continue;
    for (const p of (c.params.packages ?? []) as Array<{ name: string; min_version: string }>) out.set(`${p.name}\0${p.min_version}`, { name: p.name, min: p.min_version });
  }
  return [...out.values()];
}

/**
 * package_version: each named package, when installed, at least `min_version`, as the host's own
 * comparator orders them (dpkg --compare-versions; rpmdev-vercmp or rpm.vercmp where dpkg is absent).
 * A version the comparator cannot read makes the row an `error` with its message, unless another package fails.
 */
export function evaluatePackageVersion(c: CheckDef, f: HostFacts): Outcome {
  const wanted = (c.params.packages ?? []) as Array<{ name: string; min_version: string }>;
  const expected = wanted.map((p) => `${p.name} ≥ ${p.min_version}`).join(', ');
  const versions = orMissing(f.versions, 'versions');
  const err = factFailed(versions, expected);
  if (err || !versions.ok) return err!;
  const v = versions.value;
  const old: string[] = [];
  const bad: string[] = [];
  const seen: string[] = [];
  for (const p of wanted) {
    const r = v.results.find((x) => x.name === p.name && x.min === p.min_version);
    if (!r) {
      bad.push(`${p.name} was not compared`);
      continue;
    }
    if (!r.instances.length) seen.push(`${p.name} not installed`);
    for (const i of r.instances) {
      seen.push(`${p.name} ${i.installed}`);
      if (i.verdict === 'older') old.push(`${p.name} ${i.installed} < ${p.min_version}`);
      if (i.verdict === 'bad') bad.push(`${v.tool} could not compare ${p.name} ${i.installed} with ${p.min_version}${i.message ? `: ${i.message}` : ''}`);
    }
  }
  const reason = [old.length ? `older than the minimum (${v.tool}): ${old.join(', ')}` : '', ...bad].filter(Boolean).join('; ');
  return { status: old.length ? 'fail' : bad.length ? 'error' : 'pass', expected, observed: seen.join(', '), reason, evidence: COMPARATOR_COMMANDS[v.tool] ?? versions.command };
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

/**
 * reboot_required: no reboot-required marker, needs-restarting agrees, and (unless `kernel: false`) the newest installed
 * kernel, as the host's own comparator orders them, is not newer than the running one. Without a comparator on the host
 * the kernel part cannot be decided: `error` with the reason, unless a marker already fails the row.
 */
export function evaluateRebootRequired(c: CheckDef, f: HostFacts): Outcome {
  const expected = 'no reboot pending';
  const reboot = orMissing(f.reboot, 'reboot');
  const err = factFailed(reboot, expected);
  if (err || !reboot.ok) return err!;
  const r = reboot.value;
  const problems: string[] = [];
  if (r.marker) problems.push(`/var/run/reboot-required is present${r.markerPackages.length ? ` (for ${r.markerPackages.join(', ')})` : ''}`);
  if (r.needsRestarting) problems.push('needs-restarting -r says a reboot is needed');
  const newest = r.newest;
  const kernel = c.params.kernel !== false;
  if (kernel && newest && r.runningOlder) problems.push(`running kernel ${r.running} is older than the newest installed ${newest} (${r.newestBy})`);
  const unknown = kernel && r.orderUnavailable && r.kernels.length > 0;
  return {
    status: problems.length ? 'fail' : unknown ? 'error' : 'pass',
    expected,
    observed: `running ${r.running}${newest ? `, newest installed ${newest}` : ''}${r.marker ? ', reboot-required marker' : ''}`,
    reason: problems.length ? problems.join('; ') : unknown ? `${NO_COMPARATOR}, so the running kernel cannot be ordered against the installed ones` : '',
    evidence: reboot.command,
  };
}

/** The registry entries (scripts/inspect/evaluate.ts spreads them in). */
export const PATCH_CHECKS = {
  package_version: { sections: ['versions'], evaluate: (c: CheckDef, f: HostFacts) => evaluatePackageVersion(c, f) },
  pending_updates: { sections: ['updates'], evaluate: (c: CheckDef, f: HostFacts) => evaluatePendingUpdates(c, f) },
  reboot_required: { sections: ['reboot'], evaluate: (c: CheckDef, f: HostFacts) => evaluateRebootRequired(c, f) },
} as const;
