import { renderBackupEditMarkdown } from '../converge/backup-edit.ts';
import { sanitizeForLog } from '../render/sanitize.ts';
import type { GateResult, IgnoredReview, NodeStatus, RequirementResult, RuleResult } from './types.ts';

/** The hidden marker that identifies the gate's one sticky comment. */
export const COMMENT_MARKER = '<!-- opsgate:approval -->';

const ICON: Record<NodeStatus, string> = { satisfied: '✅', pending: '⏳', failed: '❌' };
const REASON: Record<IgnoredReview['reason'], string> = {
  author: 'author',
  contributor: 'commit contributor',
  implementer: 'implementer',
  bot: 'bot',
  not_eligible: 'not eligible',
  unknown_user: 'not eligible (unknown login)',
  deleted_user: 'deleted account',
  no_permission: 'no write permission',
  inactive: 'not eligible (inactive)',
  superseded: 'superseded',
  dismissed: 'dismissed',
  comment: 'comment only',
  stale: 'stale',
  unknown_state: 'unknown review state',
  undated: 'no submission time',
  identity_mismatch: 'another account (github_id)',
  unverified_origin: 'not shown to be this pull request’s',
};

/**
 * Text from the PR (titles, paths, logins) must not become markup: no tables broken, no hidden HTML, no
 * fake marker, and no `@user` or `@org/team` mention (a zero-width space after the @ keeps it from notifying).
 */
export function escapeMd(s: string): string {
  return sanitizeForLog(
    s
      .replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`)
      .replace(/\r?\n/g, ' ')
      .replace(/@(?=[A-Za-z0-9_-])/g, '@\u200b'),
  );
}

const short = (sha: string) => sha.slice(0, 7);

/**
 * The reviews a reader needs explained, once each: the rule-independent ones
 * (author, bot, superseded, ...), every stale approval with its rule, and
 * approvals that count for no applying rule at all. "Not eligible for rule X"
 * for someone who satisfied rule Y is left to the decision record.
 */
export function reviewsToExplain(result: GateResult): (IgnoredReview & { rule: string })[] {
  const counted = new Set(result.rules.flatMap((r) => allApprovers(r.requirement)).map((a) => a.review_id));
  const out: (IgnoredReview & { rule: string })[] = result.ignored.map((i) => ({ ...i, rule: 'every rule' }));
  const noRule = new Map<number, IgnoredReview & { rule: string }>();
  for (const r of result.rules) {
    for (const i of r.ignored) {
      if (i.reason === 'stale') out.push({ ...i, rule: r.id });
      else if (i.reason === 'not_eligible' && !counted.has(i.review_id) && !noRule.has(i.review_id)) {
        noRule.set(i.review_id, { ...i, rule: 'every rule', detail: `${i.person ?? i.login} is not among those who may approve any rule that applies` });
      }
    }
  }
  const staleIds = new Set(out.filter((i) => i.reason === 'stale').map((i) => i.review_id));
  return [...out, ...[...noRule.values()].filter((i) => !staleIds.has(i.review_id))];
}

function allApprovers(req: RequirementResult): RequirementResult['approvers'] {
  return [...req.approvers, ...(req.children ?? []).flatMap(allApprovers)];
}

/** A person as reviewers know them: display name and GitHub login (the @ neutralised: the comment never pings). */
function person(names: GateResult['names'], id: string): string {
  const n = names?.[id];
  if (!n) return escapeMd(id);
  return `${escapeMd(n.name)} (${n.login ? escapeMd(`@${n.login}`) : 'no GitHub login'})`;
}

function needed(req: RequirementResult, names: GateResult['names']): string {
  if (req.status === 'satisfied') return '—';
  if (req.type === 'leaf') {
    const who = req.still_needed_from.length ? ` (${req.still_needed_from.map((id) => person(names, id)).join(', ')})` : '';
    return req.status === 'failed' ? `cannot be met: ${escapeMd(req.why)}` : `${req.missing} more of ${escapeMd(req.description.replace(/^\d+ of /, ''))}${who}`;
  }
  const open = (req.children ?? []).filter((c) => c.status !== 'satisfied').map((c) => needed(c, names));
  return req.type === 'all' ? open.join('; and ') : `one of: ${open.join('; or ')}`;
}

function ruleRow(r: RuleResult, names: GateResult['names']): string {
  const approvers = r.requirement.approvers.map((a) => person(names, a.person)).join(', ') || '—';
  const title = `**${escapeMd(r.id)}**${r.tier === 'governance' ? ' (highest tier)' : ''}<br>${escapeMd(r.title)}${r.emergency_reduced ? '<br>🚨 emergency: reduced approval' : ''}`;
  return `| ${title} | ${ICON[r.status]} ${r.status} | ${escapeMd(r.requirement.description)} | ${approvers} | ${needed(r.requirement, names)} |`;
}

/** Markdown for the sticky comment (with the marker) or the job summary (without). */
export function renderMarkdown(result: GateResult, opts: { marker?: boolean; runUrl?: string; compact?: boolean } = {}): string {
  const out: string[] = [];
  if (opts.marker !== false) out.push(COMMENT_MARKER);
  out.push(`## ${ICON[result.status]} opsgate approval: ${result.status}`);
  out.push('');
  out.push(`${escapeMd(result.summary)}`);
  out.push('');
  out.push(`Head \`${short(result.head_sha)}\` · policy from base \`${short(result.policy_commit)}\` · evaluated ${result.evaluated_at}${opts.runUrl ? ` · [run](${opts.runUrl})` : ''}`);
  if (result.problems.length) {
    out.push('', '### ❌ Failed closed', '', 'The gate could not read everything it needs, so it does not pass:', '');
    const shown = opts.compact ? result.problems.slice(0, 30) : result.problems;
    for (const p of shown) out.push(`- \`${escapeMd(p.code)}\` ${escapeMd(p.message)}`);
    if (shown.length < result.problems.length) out.push(`- … and ${result.problems.length - shown.length} more`);
  }
  if (result.freezes.length) {
    out.push('', '### ❄️ Change freeze', '');
    for (const f of result.freezes) out.push(`- **${escapeMd(f.change)}** (${f.type}): ${escapeMd(f.why)}`);
  }
  if (result.veto.status === 'failed') {
    out.push('', '### 🛑 Changes requested', '', escapeMd(result.veto.why));
  }
  if (result.uncovered_files.length) {
    out.push('', '### ❌ Files no rule covers', '', ...result.uncovered_files.slice(0, 20).map((f) => `- \`${escapeMd(f)}\``));
  }
  if (result.rules.length) {
    out.push('', '### Rules', '', '| Rule | Status | Requires | Approved by | Still needed |', '|---|---|---|---|---|');
    for (const r of result.rules) out.push(ruleRow(r, result.names));
    if (!opts.compact) {
      out.push('', '<details><summary>Why each rule applies</summary>', '');
      for (const r of result.rules) {
        out.push(`- **${escapeMd(r.id)}**: ${r.match_reasons.length} file${r.match_reasons.length === 1 ? '' : 's'}`);
        for (const why of r.match_reasons.slice(0, 10)) out.push(`  - ${escapeMd(why)}`);
        if (r.match_reasons.length > 10) out.push(`  - … and ${r.match_reasons.length - 10} more`);
      }
      out.push('', '</details>');
    }
  }
  const ignored = opts.compact ? [] : reviewsToExplain(result);
  if (ignored.length) {
    out.push('', `<details><summary>Reviews that did not count (${ignored.length})</summary>`, '', '| Reviewer | Review | For | Reason | Detail |', '|---|---|---|---|---|');
    for (const i of ignored.slice(0, 200)) {
      out.push(`| ${escapeMd(i.login)}${i.person ? ` (${escapeMd(i.person)})` : ''} | #${i.review_id} ${i.state.toLowerCase()} | ${escapeMd(i.rule)} | ${REASON[i.reason]} | ${escapeMd(i.detail)} |`);
    }
    if (ignored.length > 200) out.push(`| … | | | | ${ignored.length - 200} more in the decision record |`);
    out.push('', '</details>');
  }
  if (result.changes.length && opts.compact)
    out.push(
      '',
      `${result.changes.length} change request${result.changes.length === 1 ? '' : 's'} in this pull request: ${result.changes
        .slice(0, 50)
        .map((c) => escapeMd(c.id))
        .join(', ')}${result.changes.length > 50 ? ', …' : ''}`,
    );
  if (result.changes.length && !opts.compact) {
    out.push('', '### Change requests in this pull request', '');
    for (const c of result.changes) {
      const risk = `risk ${c.risk}${c.derived_risk ? ` declared / ${c.derived_risk} derived` : ''}`;
      const targets = [...c.targets.hosts, ...c.targets.groups.map((g) => `group ${g}`)].map(escapeMd).join(', ') || 'no targets';
      const window = c.window ? `${c.window.start} → ${c.window.end}` : 'no window';
      out.push(
        `- **${escapeMd(c.id)}** ${escapeMd(c.title)} — ${c.type}, ${risk}; targets ${targets}; window ${escapeMd(window)}; ${c.prechecks} prechecks, ${c.steps} steps, ${c.verification} verifications, ${c.rollback} rollback steps; implementer ${c.implementer ? person(result.names, c.implementer) : '—'}`,
      );
      if (c.rollout) {
        const b = c.rollout.batches.map((hosts, i) => `${i + 1}: ${hosts.map(escapeMd).join(', ')}`).join(' → ');
        out.push(
          `  - rollout over ${c.rollout.hosts.length} host${c.rollout.hosts.length === 1 ? '' : 's'}: ${b || 'no hosts resolved'}; stops after ${c.rollout.max_failures + 1} failure${c.rollout.max_failures ? 's' : ''}`,
        );
      }
      for (const why of c.derived_reasons ?? []) out.push(`  - derived ${escapeMd(why)}`);
      const e = result.emergency.find((x) => x.change === c.id);
      if (e) out.push(`  - 🚨 emergency change: retro review due ${escapeMd(e.retro_review_due)}`);
      const plan = (result.plans ?? []).find((p) => p.change === c.id);
      if (plan) out.push('', ...planBlock(plan), '');
    }
  }
  if (result.backup_plans?.length) {
    out.push('', '### Backup policies in this pull request', '', "After merge, `opsgate converge backup` changes these hosts' backup jobs:", '');
    for (const v of result.backup_plans) out.push(...renderBackupEditMarkdown(v, escapeMd));
  }
  out.push(
    '',
    '<sub>Only the latest review of each person counts. Approvals from the author, commit authors or committers, the implementer, bots and people outside the required teams never count; an approval goes stale when a file its rule governs changes after the approved commit. The policy is always read from the base branch.</sub>',
  );
  return out.join('\n') + '\n';
}

/** A collapsed `opsgate plan --format markdown`, summarised by what it exposes. */
function planBlock(p: NonNullable<GateResult['plans']>[number]): string[] {
  const list = (xs: string[]) => (xs.length > 6 ? `${xs.slice(0, 6).join(', ')} and ${xs.length - 6} more` : xs.join(', '));
  const e = (xs: string[]) => xs.map(escapeMd);
  const parts = [
    `${p.hosts} host${p.hosts === 1 ? '' : 's'}${p.prod_hosts.length ? ` (**${p.prod_hosts.length} prod**: ${list(e(p.prod_hosts))})` : ''}`,
    p.secrets.length ? `🔑 secrets: ${p.secrets.map((x) => `${escapeMd(x.name)} → ${list(e(x.hosts))}`).join('; ')}` : 'no secrets',
    p.sudo.length ? `⚠️ as root: ${list(e(p.sudo))}` : 'nothing as root',
  ];
  return [`  <details><summary>What ${escapeMd(p.change)} will run: ${parts.join(' · ')}</summary>`, '', neutraliseOutsideCode(p.markdown), '  </details>'];
}

/** @mentions outside code blocks are neutralised; commands inside fences stay byte for byte (GitHub never notifies from code). */
function neutraliseOutsideCode(md: string): string {
  let fence: string | undefined;
  return md
    .split('\n')
    .map((line) => {
      const f = /^(```|~~~~)/.exec(line)?.[1];
      if (f && (!fence || fence === f)) fence = fence ? undefined : f;
      else if (!fence) return line.replace(/@(?=[A-Za-z0-9_-])/g, '@\u200b');
      return line;
    })
    .join('\n');
}

/** GitHub refuses a comment body over 65536 characters; stay well below it. */
export const COMMENT_LIMIT = 60_000;

/**
 * The sticky comment: the full rendering when it fits GitHub's comment limit,
 * otherwise the compact one (status, problems, rules) that points to the job
 * summary and the run for the rest, cut at a line if even that is too long.
 */
export function renderComment(result: GateResult, opts: { runUrl?: string } = {}): string {
  const full = renderMarkdown(result, opts);
  if (full.length <= COMMENT_LIMIT) return full;
  const where = opts.runUrl ? `the [job summary of the run](${opts.runUrl})` : 'the job summary of the gate run';
  const note = `\n> This report is too long for a comment (${full.length} characters; GitHub allows 65536). The full report, with every file, review and change request, is in ${where} and in the decision artifact.\n`;
  const compact = renderMarkdown(result, { ...opts, compact: true });
  let body = compact + note;
  if (body.length > COMMENT_LIMIT) {
    const cut = compact.lastIndexOf('\n', COMMENT_LIMIT - note.length - 40);
    body = compact.slice(0, cut) + '\n\n… (cut)\n' + note;
  }
  return body;
}

/** Plain text for a terminal. */
export function renderText(result: GateResult): string {
  const out: string[] = [];
  out.push(`opsgate approval: ${result.status.toUpperCase()} — ${result.summary}`);
  out.push(`  ${result.repository}#${result.pr} head ${short(result.head_sha)}, policy from ${short(result.policy_commit)}`);
  for (const p of result.problems) out.push(`  problem ${p.code}: ${p.message}`);
  for (const f of result.freezes) out.push(`  freeze ${f.freeze}: ${f.change} ${f.why}`);
  if (result.veto.status === 'failed') out.push(`  veto: ${result.veto.why}`);
  for (const f of result.uncovered_files) out.push(`  uncovered: ${f}`);
  for (const r of result.rules) {
    out.push(`  [${r.status}] ${r.id}${r.tier === 'governance' ? ' (highest tier)' : ''}${r.emergency_reduced ? ' (emergency: reduced)' : ''}: ${r.why}`);
    out.push(`      requires ${r.requirement.description}`);
  }
  for (const i of reviewsToExplain(result)) out.push(`  not counted: ${i.login} #${i.review_id} for ${i.rule} — ${REASON[i.reason]}: ${i.detail}`);
  for (const e of result.emergency) out.push(`  emergency ${e.change}: retro review due ${e.retro_review_due}`);
  // Every line is built from values a pull request controls (paths, titles, logins): none may start a log line.
  return out.map(sanitizeForLog).join('\n') + '\n';
}

/** One line for the commit status (GitHub truncates at 140 characters). */
export function renderStatusDescription(result: GateResult): string {
  const s = result.summary;
  return s.length > 140 ? s.slice(0, 139) + '…' : s;
}
