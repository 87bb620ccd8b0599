/**
 * service_active (issue 16 item 5): each named systemd unit active and, unless
 * `enabled: false`, enabled (started at boot). Read from systemd itself (the
 * `units` probe section). On a host where systemd is not PID 1 the check
 * cannot be judged: not_applicable, saying what PID 1 is, never a pass.
 * Registered in scripts/inspect/evaluate.ts. Pure.
 */
import type { HostFacts } from './facts.ts';
import { factError, type Fact } from './facts.ts';
import { factFailed } from './checks-system.ts';
import type { CheckDef, Outcome } from './model.ts';
import type { UnitFacts } from './probe-service-active.ts';

/** States `is-enabled` reports for a unit that starts at boot. */
const ENABLED = new Set(['enabled', 'enabled-runtime', 'generated']);

/** A name without a unit type is a service, as systemctl reads it. */
export const unitNameOf = (n: string) => (/\.(service|socket|timer|path|mount|automount|swap|target|slice|scope|device)$/.test(n) ? n : `${n}.service`);

export function evaluateServiceActive(c: CheckDef, f: HostFacts): Outcome {
  const names = ((c.params.units ?? []) as string[]).map(unitNameOf);
  const wantEnabled = c.params.enabled !== false;
  const expected = `${names.join(', ')} active${wantEnabled ? ' and enabled' : ''}`;
  const units: Fact<UnitFacts> = f.units ?? factError<UnitFacts>("not gathered (section 'units' missing from the probe output)", 'units');
  const err = factFailed(units, expected);
  if (err || !units.ok) return err!;
  const u = units.value;
  if (!u.systemd)
    return {
      status: 'not_applicable',
      expected,
      observed: `PID 1 is '${u.pid1}'; /run/systemd/system is absent`,
      reason: `systemd is not PID 1 on this host (PID 1 is '${u.pid1}'), so there is no unit state to read; check the service another way (listening_service, a process check) or keep this check to systemd hosts (applies_to)`,
      evidence: units.command,
    };
  const seen: string[] = [];
  const problems: string[] = [];
  for (const name of names) {
    const canonical = u.aliases.get(name) ?? name;
    const template = canonical.replace(/@[^.]*\./, '@.');
    const file = u.files.get(canonical) ?? u.files.get(name) ?? (canonical !== template ? u.files.get(template) : undefined);
    const loaded = u.units.get(canonical);
    if (!file && (!loaded || loaded.load === 'not-found')) {
      seen.push(`${name} not found`);
      problems.push(`${name} does not exist on the host (no unit file)`);
      continue;
    }
    const active = loaded?.active ?? 'inactive';
    const sub = loaded?.sub ?? 'dead';
    const state = file ?? 'unknown';
    seen.push(`${name}${canonical !== name ? ` (${canonical})` : ''} ${active} (${sub}), ${state}`);
    if (active !== 'active') problems.push(`${name} is ${active} (${sub})`);
    if (wantEnabled && !ENABLED.has(state))
      problems.push(
        state === 'static'
          ? `${name} is static: it has no [Install] section and cannot be enabled (set enabled: false if another unit pulls it in)`
          : state === 'masked'
            ? `${name} is masked: it can be neither started nor enabled`
            : `${name} is ${state}: it will not start at boot`,
      );
  }
  return { status: problems.length ? 'fail' : 'pass', expected, observed: seen.join('; '), reason: problems.join('; '), evidence: units.command };
}

/** The registry entry (scripts/inspect/evaluate.ts spreads it in). */
export const SERVICE_ACTIVE_CHECKS = {
  service_active: { sections: ['units'], evaluate: (c: CheckDef, f: HostFacts) => evaluateServiceActive(c, f) },
} as const;
