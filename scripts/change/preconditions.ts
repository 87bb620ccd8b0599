/**
 * Whether a change may be applied now. Pure: the edge gathers the facts (git,
 * gate decision records, earlier runs, calendar) and this decides, failing
 * closed: any fact that is missing or unreadable refuses.
 */

export interface Refusal {
  code: string;
  message: string;
  hint?: string;
}

export interface GateFacts {
  /** The pull request that merged the change file, found in the git history. */
  pr?: number;
  /** The commit on the default branch that brought the change file in. */
  mergeCommit?: string;
  /** The newest gate decision for that pull request. */
  decision?: { status: string; pr: number; head_sha?: string; at?: string; file: string };
  /** Why no PR or decision was found (unreadable records, no history). */
  problem?: string;
  /** Why the decision found does not bind exactly what HEAD holds (other blobs, another branch, no head). */
  unbound?: string;
  /** The change file or deployed files that are links (or submodules) in the commit. */
  links?: string[];
}

export interface ApplyFacts {
  change: { id: string; type: 'standard' | 'normal' | 'emergency'; window: { start: string; end: string }; closed: boolean };
  now: Date;
  git: { branch?: string; defaultBranch: string; tracked: boolean; modified: string[] };
  gate: GateFacts;
  /** Freezes covering now that do not allow this change type. */
  freezes: Array<{ id: string; title: string; end: string }>;
  runs: Array<{ run: string; outcome?: string }>;
  resume: boolean;
  /** Emergency override of the window and freezes, with its reason. */
  override?: { reason: string };
}

export function evaluatePreconditions(f: ApplyFacts): Refusal[] {
  const out: Refusal[] = [];
  const id = f.change.id;
  if (!f.git.branch || f.git.branch !== f.git.defaultBranch) {
    out.push({
      code: 'apply.not-default-branch',
      message: `the checkout is on '${f.git.branch ?? 'a detached HEAD'}', not the default branch '${f.git.defaultBranch}': only merged changes are applied`,
      hint: `run from ${f.git.defaultBranch} after the pull request is merged`,
    });
  }
  if (!f.git.tracked) out.push({ code: 'apply.not-committed', message: `${id} is not committed on ${f.git.defaultBranch}`, hint: 'merge its pull request first' });
  if (f.git.modified.length > 0)
    out.push({
      code: 'apply.modified',
      message: `uncommitted edits to governed paths: ${f.git.modified.slice(0, 10).join(', ')}${f.git.modified.length > 10 ? ` and ${f.git.modified.length - 10} more` : ''}; apply reads the committed tree and refuses rather than ignore or honour an edit nobody approved`,
      hint: 'discard local edits (git checkout -- FILE, git clean) or change them by pull request',
    });

  if (f.gate.problem && !f.gate.decision)
    out.push({
      code: 'apply.gate-unknown',
      message: `cannot tell whether the gate approved ${id}: ${f.gate.problem}`,
      hint: 'the gate must record a satisfied decision (records/gate/) for the pull request that merged the change',
    });
  else if (!f.gate.decision)
    out.push({
      code: 'apply.gate-missing',
      message: `no gate decision found for ${f.gate.pr ? `pull request #${f.gate.pr}` : 'the pull request that merged the change'}`,
      hint: 'merge changes through a pull request that the gate evaluated',
    });
  else if (f.gate.decision.status !== 'satisfied')
    out.push({
      code: 'apply.not-approved',
      message: `the gate decision for pull request #${f.gate.decision.pr} is '${f.gate.decision.status}', not 'satisfied' (${f.gate.decision.file})`,
      hint: 'the approvals the gate asked for are missing; a new pull request must be approved',
    });
  else if (f.gate.unbound)
    out.push({ code: 'apply.not-bound', message: f.gate.unbound, hint: 'apply runs only the exact bytes a satisfied gate decision approved; change them by a pull request the gate approves' });
  for (const l of f.gate.links ?? []) out.push({ code: 'apply.link', message: `${l} is a symbolic link or submodule in the commit; opsgate never follows links`, hint: 'commit the file itself' });

  const now = f.now.getTime();
  const start = Date.parse(f.change.window.start);
  const end = Date.parse(f.change.window.end);
  const overrideOk = f.override && f.change.type === 'emergency' && f.override.reason.trim().length >= 10;
  if (f.override && !overrideOk) {
    out.push({
      code: 'apply.override-refused',
      message: f.change.type !== 'emergency' ? `only an emergency change may override its window or a freeze; ${id} is ${f.change.type}` : 'the override reason must say why (at least 10 characters)',
      hint: "--emergency-override 'REASON' is recorded with the run",
    });
  }
  if (!(now >= start && now < end) && !overrideOk) {
    out.push({
      code: 'apply.outside-window',
      message:
        Number.isNaN(start) || Number.isNaN(end)
          ? `the window of ${id} is not readable`
          : now < start
            ? `the window of ${id} opens at ${f.change.window.start}`
            : `the window of ${id} closed at ${f.change.window.end}`,
      hint: 'wait for the window, or file a new change with a new window',
    });
  }
  for (const fr of f.freezes) {
    if (!overrideOk) out.push({ code: 'apply.freeze', message: `freeze '${fr.id}' (${fr.title}) is in force until ${fr.end} and does not allow ${f.change.type} changes` });
  }
  if (f.change.closed) out.push({ code: 'apply.closed', message: `${id} is closed (it has a closure review)`, hint: 'file a new change' });
  const succeeded = f.runs.find((r) => r.outcome === 'succeeded');
  if (succeeded) out.push({ code: 'apply.already-succeeded', message: `${id} already succeeded in run ${succeeded.run}`, hint: 'file a new change to do it again' });
  const unfinished = f.runs.filter((r) => r.outcome === undefined || r.outcome === 'needs_attention');
  if (!f.resume && unfinished.length > 0)
    out.push({ code: 'apply.unfinished-run', message: `run ${unfinished[unfinished.length - 1]!.run} of ${id} did not finish`, hint: 'continue it with --resume' });
  if (f.resume && unfinished.length === 0) out.push({ code: 'apply.nothing-to-resume', message: `${id} has no interrupted run to resume` });
  return out;
}
