/**
 * The probe section of service_active (`units`) and its parser: what PID 1 is,
 * whether systemd booted the host (/run/systemd/system, as sd_booted decides),
 * and systemd's own lists — `systemctl list-unit-files` (the state `is-enabled`
 * reports) and `systemctl list-units --all` (load, active and sub state), with
 * each alias resolved to the unit it names. Read-only. Pure data and parsing.
 *
 * Output: `pid1 COMM`, `systemd booted|not-booted`, then on systemd hosts three
 * framed lists (`<B> unit-files`, `<B> units`, `<B> aliases`).
 */
export const UNIT_SECTION_BODIES: Record<string, string> = {
  units: `p=unknown; read -r p < /proc/1/comm 2>/dev/null; echo "pid1 $p"
if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
  echo 'systemd booted'
  systemctl list-unit-files --no-legend --no-pager > "$T/og-unit-files" || exit 4
  printf '%s unit-files\\n' "$B"; cat "$T/og-unit-files"
  printf '%s units\\n' "$B"; systemctl list-units --all --no-legend --no-pager --plain || exit 5
  printf '%s aliases\\n' "$B"
  awk '$2 == "alias" { print $1 }' "$T/og-unit-files" | while read -r a; do printf '%s %s\\n' "$a" "$(systemctl show -p Id --value -- "$a")"; done
else echo 'systemd not-booted'; fi`,
};

export const UNIT_SECTION_COMMANDS: Record<string, string> = {
  units: 'cat /proc/1/comm; test -d /run/systemd/system; systemctl list-unit-files; systemctl list-units --all --plain; systemctl show -p Id ALIAS',
};

export interface UnitFacts {
  /** PID 1's command name (/proc/1/comm). */
  pid1: string;
  /** systemd booted the host (/run/systemd/system exists and systemctl is there). */
  systemd: boolean;
  /** Unit file → state as `systemctl is-enabled` says it (enabled, disabled, static, masked, alias, …). */
  files: Map<string, string>;
  /** Loaded unit → its states. */
  units: Map<string, { load: string; active: string; sub: string }>;
  /** Alias → the unit it names. */
  aliases: Map<string, string>;
}

export function parseUnits(text: string, boundary: string): UnitFacts {
  const out: UnitFacts = { pid1: 'unknown', systemd: false, files: new Map(), units: new Map(), aliases: new Map() };
  let part: 'head' | 'unit-files' | 'units' | 'aliases' = 'head';
  for (const line of text.split('\n')) {
    if (line.startsWith(`${boundary} `)) {
      const p = line.slice(boundary.length + 1).trim();
      if (p === 'unit-files' || p === 'units' || p === 'aliases') part = p;
      continue;
    }
    const f = line.trim().split(/\s+/);
    if (!f[0]) continue;
    if (part === 'head') {
      if (f[0] === 'pid1') out.pid1 = f.slice(1).join(' ') || 'unknown';
      else if (f[0] === 'systemd') out.systemd = f[1] === 'booted';
    } else if (part === 'unit-files' && f[1]) out.files.set(f[0], f[1]);
    else if (part === 'units' && f[3]) out.units.set(f[0], { load: f[1]!, active: f[2]!, sub: f[3] });
    else if (part === 'aliases' && f[1]) out.aliases.set(f[0], f[1]);
  }
  if (out.systemd && out.files.size === 0) throw new Error('systemd booted, but systemctl list-unit-files listed no unit');
  return out;
}
