/**
 * Which hand-written sudo rules in /etc/sudoers.d are allowed to stay: those a
 * baseline's `sudoers` check lists under `allow` (`{who, runas, commands,
 * nopasswd}`), compared as canonical text. The host-side filter
 * (access-script.ts) canonicalises each user specification the same way
 * (whitespace collapsed, none around `= , : ( )`), so a rule written with other
 * spacing still matches; a rule that grants anything else is drift. Pure.
 */

export interface AllowedRule {
  who: string;
  runas?: string;
  commands?: string[];
  nopasswd?: boolean;
}

export function canonicalSudoLine(line: string): string {
  return line
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/ ?= ?/g, '=')
    .replace(/ ?, ?/g, ',')
    .replace(/ ?: ?/g, ':')
    .replace(/ ?\( ?/g, '(')
    .replace(/ ?\) ?/g, ')');
}

export function renderAllowedRule(r: AllowedRule): string {
  return `${r.who} ALL=(${r.runas ?? 'root'}) ${r.nopasswd ? 'NOPASSWD: ' : ''}${(r.commands ?? ['ALL']).join(', ')}`;
}

/** The canonical allowed lines from every `sudoers` check's `allow` list. */
export function allowedSudoLines(baselines: ReadonlyArray<{ checks: ReadonlyArray<{ type: string; params?: Record<string, unknown> }> }>): string[] {
  const out = new Set<string>();
  for (const b of baselines) {
    for (const c of b.checks) {
      if (c.type !== 'sudoers' || !Array.isArray(c.params?.allow)) continue;
      for (const a of c.params.allow as AllowedRule[]) {
        if (typeof a?.who !== 'string' || /[\r\n]/.test(JSON.stringify(a))) continue;
        out.add(canonicalSudoLine(renderAllowedRule(a)));
      }
    }
  }
  return [...out].sort();
}
