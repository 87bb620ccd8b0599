/**
 * Text, Markdown and JSON renderings of a ChangePlan (the gate's PR comment
 * shows the Markdown). Every value a change author wrote passes through the
 * lint sanitiser: no control or bidi-override character reaches a terminal,
 * a log or a comment raw. Pure.
 */
import { sanitizeForLog, sanitizeJson } from '../render/sanitize.ts';
import { planRetry, type RunState } from './resume.ts';
import type { ChangePlan, HostPlan, PlannedAction } from './types.ts';

const s = sanitizeForLog;

function stdinNote(a: PlannedAction): string {
  const i = a.stdin;
  if (!i) return '';
  if (i.source === 'repo') return `  < ${s(i.path)} (${i.bytes} bytes, sha256 ${i.sha256.slice(0, 12)})`;
  if (i.source === 'generated') return `  < ${s(i.label)} (sha256 ${i.sha256.slice(0, 12)})`;
  return `  < secrets on stdin: ${i.names.map(s).join(', ')}`;
}

function expectNote(a: PlannedAction): string {
  if (!a.expect) return '';
  const parts = [`exit ${a.expect.exit_code}`];
  if (a.expect.stdout_contains !== undefined) parts.push(`stdout contains ${s(JSON.stringify(a.expect.stdout_contains))}`);
  if (a.expect.stdout_matches !== undefined) parts.push(`stdout matches /${s(a.expect.stdout_matches)}/`);
  return ` [expect ${parts.join(', ')}]`;
}

function flags(a: PlannedAction): string {
  const notes = [
    a.idempotent ? 'idempotent' : a.phase === 'step' || a.phase === 'rollback' ? 'marker' : '',
    a.confirm ? `commit-confirmed: ${a.confirm.files.map(s).join(', ')}${a.confirm.reload.length ? `, reload ${a.confirm.reload.join(', ')}` : ''}` : '',
  ].filter(Boolean);
  return `${notes.length ? ` (${notes.join('; ')})` : ''} timeout ${a.timeoutMs / 1000}s`;
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

const RUNNER_NOTE =
  'every command runs under the host-side step runner: its own session and process group, the timeout kills the group (TERM, then KILL after 5 s); steps marked "marker" leave a marker on the host before they start';

export function renderPlanText(plan: ChangePlan): string {
  const out: string[] = [];
  out.push(`${plan.change}: ${s(plan.title)}`);
  out.push(`type ${plan.type}, risk ${plan.risk}, window ${s(plan.window.start)} → ${s(plan.window.end)}`);
  if (plan.riskDerivation) out.push(`derived risk: ${s(plan.riskDerivation)}`);
  out.push(
    `rollout: canary ${plan.rollout.canary}, batches of ${plan.rollout.batchSize}, max failures ${plan.rollout.maxFailures}${plan.rollout.pauseSeconds ? `, pause ${plan.rollout.pauseSeconds}s` : ''}, when the window closes: ${plan.rollout.onWindowEnd}`,
  );
  out.push(...exposureLines(plan).map((l) => s(l)));
  out.push('');
  for (const b of plan.batches) out.push(`batch ${b.index}${b.canary ? ' (canary)' : ''}: ${b.hosts.map(s).join(', ')}`);
  const hostBlocks = sameEverywhere(plan) && plan.hosts.length > 0 ? [{ ...plan.hosts[0]!, host: 'every host' }] : plan.hosts;
  for (const h of hostBlocks) {
    out.push('', `on ${s(h.host)}:`);
    for (const [key, title] of SECTIONS) {
      const list = h[key];
      if (list.length === 0) continue;
      out.push(`  ${title}:`);
      list.forEach((a, i) => {
        out.push(`    ${i + 1}. ${s(a.id)}${a.name ? ` — ${s(a.name)}` : ''}${flags(a)}${expectNote(a)}`);
        out.push(`       $ ${s(a.command)}${stdinNote(a)}`);
      });
    }
  }
  out.push('', `(${RUNNER_NOTE})`);
  if (plan.diagnostics.length > 0) {
    out.push('', 'problems:');
    for (const d of plan.diagnostics) out.push(`  ${s(d.file)}:${d.line}:${d.col}  ${d.code}  ${s(d.message)}${d.hint ? ` (${s(d.hint)})` : ''}`);
  }
  return out.join('\n') + '\n';
}

function mdCode(text: string): string {
  const fence = text.includes('```') ? '~~~~' : '```';
  return `${fence}sh\n${text}\n${fence}`;
}

export function renderPlanMarkdown(plan: ChangePlan): string {
  const out: string[] = [];
  out.push(`### Plan for ${plan.change}: ${md(plan.title)}`, '');
  out.push(`| type | risk | window | rollout |`, `|---|---|---|---|`);
  out.push(
    `| ${plan.type} | ${plan.risk}${plan.riskDerivation ? ` (derived: ${md(plan.riskDerivation)})` : ''} | ${md(plan.window.start)} → ${md(plan.window.end)} | canary ${plan.rollout.canary}, batches of ${plan.rollout.batchSize}, max failures ${plan.rollout.maxFailures}, when the window closes: ${plan.rollout.onWindowEnd} |`,
    '',
  );
  out.push(...exposureLines(plan).map((l) => `- ${md(l)}`), '');
  out.push('**Batches**', '');
  for (const b of plan.batches) out.push(`${b.index}. ${b.canary ? '(canary) ' : ''}${b.hosts.map((h) => `\`${md(h)}\``).join(', ')}`);
  const hostBlocks = sameEverywhere(plan) && plan.hosts.length > 0 ? [{ ...plan.hosts[0]!, host: 'every host' }] : plan.hosts;
  for (const h of hostBlocks) {
    out.push('', `<details><summary>Commands on ${md(h.host)}</summary>`, '');
    for (const [key, title] of SECTIONS) {
      const list = h[key];
      if (list.length === 0) continue;
      out.push(`**${title}**`, '');
      for (const a of list) {
        out.push(
          `- \`${md(a.id)}\`${a.name ? ` ${md(a.name)}` : ''}${md(flags(a))}${md(expectNote(a))}${stdinNote(a) ? ` — stdin: ${md(stdinNote(a).replace(/^\s*<\s*/, ''))}` : ''}`,
          '',
          mdCode(s(a.command)),
          '',
        );
      }
    }
    out.push('</details>');
  }
  out.push('', `_${md(RUNNER_NOTE)}_`);
  if (plan.diagnostics.length > 0) {
    out.push('', '**Problems**', '');
    for (const d of plan.diagnostics) out.push(`- \`${md(d.file)}:${d.line}:${d.col}\` ${d.code}: ${md(d.message)}`);
  }
  return out.join('\n') + '\n';
}

/** The plan as JSON (generated stdin contents left out); terminal-active characters escaped. */
export function renderPlanJson(plan: ChangePlan): string {
  const strip = (a: PlannedAction) => (a.stdin?.source === 'generated' ? { ...a, stdin: { ...a.stdin, content: undefined } } : a);
  return sanitizeJson(JSON.stringify({ ...plan, hosts: plan.hosts.map((h) => ({ ...h, steps: h.steps.map(strip), rollback: h.rollback.map(strip) })) }, null, 2)) + '\n';
}

/** Markdown-escaped and sanitised. */
function md(t: string): string {
  return s(t).replace(/([\\`*_<>|[\]])/g, '\\$1');
}

/**
 * What a retry of a change that ran before would do: which hosts it skips because they succeeded, or
 * (rerunSucceeded) on which it runs the non-idempotent steps again. Undefined when nothing ran before. Pure.
 */
export function describeRetry(plan: ChangePlan, earlier: ReadonlyArray<{ run: string; state: RunState }>, rerunSucceeded: boolean): string | undefined {
  if (earlier.length === 0) return undefined;
  const r = planRetry(plan, earlier, rerunSucceeded);
  const runs = earlier.map((e) => e.run).join(', ');
  const done = [...r.succeeded.keys()];
  const partial = [...r.from.keys()].filter((h) => !r.succeeded.has(h));
  const lines = [
    `retry of run ${runs}: ${done.length === 0 ? 'no host succeeded before' : rerunSucceeded ? `runs again on ${done.join(', ')} (succeeded before)` : `skips ${done.join(', ')} (succeeded)`}`,
  ];
  if (rerunSucceeded) {
    for (const h of done) {
      const again =
        plan.hosts
          .find((x) => x.host === h)
          ?.steps.filter((a) => !a.idempotent)
          .map((a) => a.id) ?? [];
      lines.push(`  ${h}: non-idempotent steps that run again: ${again.length ? again.join(', ') : 'none'}`);
    }
  }
  for (const h of partial) lines.push(`  ${h}: continues where run ${r.from.get(h)} stopped (steps it recorded as done are not run again)`);
  return lines.join('\n');
}
