/** Text and Markdown renderings of a ChangePlan (the gate's PR comment shows the Markdown). Pure. */
import type { ChangePlan, HostPlan, PlannedAction } from './types.ts';

function stdinNote(a: PlannedAction): string {
  const s = a.stdin;
  if (!s) return '';
  if (s.source === 'repo') return `  < ${s.path} (${s.bytes} bytes, sha256 ${s.sha256.slice(0, 12)})`;
  if (s.source === 'generated') return `  < ${s.label} (sha256 ${s.sha256.slice(0, 12)})`;
  return `  < secrets on stdin: ${s.names.join(', ')}`;
}

function expectNote(a: PlannedAction): string {
  if (!a.expect) return '';
  const parts = [`exit ${a.expect.exit_code}`];
  if (a.expect.stdout_contains !== undefined) parts.push(`stdout contains ${JSON.stringify(a.expect.stdout_contains)}`);
  if (a.expect.stdout_matches !== undefined) parts.push(`stdout matches /${a.expect.stdout_matches}/`);
  return ` [expect ${parts.join(', ')}]`;
}

function flags(a: PlannedAction): string {
  return `${a.idempotent ? ' (idempotent)' : ''} timeout ${a.timeoutMs / 1000}s`;
}

/** True when every host runs the same commands (so the plan prints them once). */
function sameEverywhere(plan: ChangePlan): boolean {
  const key = (h: HostPlan) => JSON.stringify([h.prechecks, h.steps, h.verification, h.rollback].map((l) => l.map((a) => [a.command, a.stdin && 'sha256' in a.stdin ? a.stdin.sha256 : a.stdin])));
  return plan.hosts.every((h) => key(h) === key(plan.hosts[0]!));
}

/**
 * What a reviewer must see at a glance: how many hosts, which secret goes to
 * which host, and which commands run as root. Pure.
 */
export function planExposure(plan: ChangePlan): { hosts: number; secrets: { name: string; hosts: string[] }[]; sudo: string[] } {
  const secrets = new Map<string, Set<string>>();
  const sudo = new Set<string>();
  for (const h of plan.hosts) {
    for (const a of [...h.prechecks, ...h.steps, ...h.verification, ...h.rollback]) {
      if (a.stdin?.source === 'secrets') for (const n of a.stdin.names) secrets.set(n, (secrets.get(n) ?? new Set()).add(h.host));
      if (a.sudo || a.argv[0] === 'sudo') sudo.add(`${a.phase} ${a.id}`);
    }
  }
  return { hosts: plan.hosts.length, secrets: [...secrets].map(([name, hosts]) => ({ name, hosts: [...hosts] })), sudo: [...sudo] };
}

function exposureLines(plan: ChangePlan): string[] {
  const e = planExposure(plan);
  const list = (xs: string[]) => (xs.length > 8 ? `${xs.slice(0, 8).join(', ')} and ${xs.length - 8} more` : xs.join(', '));
  return [
    `hosts: ${e.hosts}`,
    `secrets: ${e.secrets.length ? e.secrets.map((s) => `${s.name} → ${list(s.hosts)}`).join('; ') : 'none'}`,
    `as root (sudo): ${e.sudo.length ? list(e.sudo) : 'nothing'}`,
  ];
}

const SECTIONS: Array<[keyof Omit<HostPlan, 'host'>, string]> = [
  ['prechecks', 'prechecks'],
  ['steps', 'steps'],
  ['verification', 'verification'],
  ['rollback', 'rollback (on failure)'],
];

export function renderPlanText(plan: ChangePlan): string {
  const out: string[] = [];
  out.push(`${plan.change}: ${plan.title}`);
  out.push(`type ${plan.type}, risk ${plan.risk}, window ${plan.window.start} → ${plan.window.end}`);
  if (plan.riskDerivation) out.push(`derived risk: ${plan.riskDerivation}`);
  out.push(`rollout: canary ${plan.rollout.canary}, batches of ${plan.rollout.batchSize}, max failures ${plan.rollout.maxFailures}${plan.rollout.pauseSeconds ? `, pause ${plan.rollout.pauseSeconds}s` : ''}`);
  out.push(...exposureLines(plan));
  out.push('');
  for (const b of plan.batches) out.push(`batch ${b.index}${b.canary ? ' (canary)' : ''}: ${b.hosts.join(', ')}`);
  const hostBlocks = sameEverywhere(plan) && plan.hosts.length > 0 ? [{ ...plan.hosts[0]!, host: 'every host' }] : plan.hosts;
  for (const h of hostBlocks) {
    out.push('', `on ${h.host}:`);
    for (const [key, title] of SECTIONS) {
      const list = h[key];
      if (list.length === 0) continue;
      out.push(`  ${title}:`);
      list.forEach((a, i) => {
        out.push(`    ${i + 1}. ${a.id}${a.name ? ` — ${a.name}` : ''}${flags(a)}${expectNote(a)}`);
        out.push(`       $ ${a.command}${stdinNote(a)}`);
      });
    }
  }
  if (plan.diagnostics.length > 0) {
    out.push('', 'problems:');
    for (const d of plan.diagnostics) out.push(`  ${d.file}:${d.line}:${d.col}  ${d.code}  ${d.message}${d.hint ? ` (${d.hint})` : ''}`);
  }
  return out.join('\n') + '\n';
}

function mdCode(text: string): string {
  const fence = text.includes('```') ? '~~~~' : '```';
  return `${fence}sh\n${text}\n${fence}`;
}

export function renderPlanMarkdown(plan: ChangePlan): string {
  const out: string[] = [];
  out.push(`### Plan for ${plan.change}: ${escapeMd(plan.title)}`, '');
  out.push(`| type | risk | window | rollout |`, `|---|---|---|---|`);
  out.push(`| ${plan.type} | ${plan.risk}${plan.riskDerivation ? ` (derived: ${plan.riskDerivation})` : ''} | ${plan.window.start} → ${plan.window.end} | canary ${plan.rollout.canary}, batches of ${plan.rollout.batchSize}, max failures ${plan.rollout.maxFailures} |`, '');
  out.push(...exposureLines(plan).map((l) => `- ${escapeMd(l)}`), '');
  out.push('**Batches**', '');
  for (const b of plan.batches) out.push(`${b.index}. ${b.canary ? '(canary) ' : ''}${b.hosts.map((h) => `\`${h}\``).join(', ')}`);
  const hostBlocks = sameEverywhere(plan) && plan.hosts.length > 0 ? [{ ...plan.hosts[0]!, host: 'every host' }] : plan.hosts;
  for (const h of hostBlocks) {
    out.push('', `<details><summary>Commands on ${h.host}</summary>`, '');
    for (const [key, title] of SECTIONS) {
      const list = h[key];
      if (list.length === 0) continue;
      out.push(`**${title}**`, '');
      for (const a of list) {
        out.push(`- \`${a.id}\`${a.name ? ` ${escapeMd(a.name)}` : ''}${flags(a)}${expectNote(a)}${stdinNote(a) ? ` — stdin: ${stdinNote(a).replace(/^\s*<\s*/, '')}` : ''}`, '', mdCode(a.command), '');
      }
    }
    out.push('</details>');
  }
  if (plan.diagnostics.length > 0) {
    out.push('', '**Problems**', '');
    for (const d of plan.diagnostics) out.push(`- \`${d.file}:${d.line}:${d.col}\` ${d.code}: ${escapeMd(d.message)}`);
  }
  return out.join('\n') + '\n';
}

function escapeMd(t: string): string {
  return t.replace(/([\\`*_<>|[\]])/g, '\\$1');
}
