import type { Command, CommandContext } from './context.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import { integer, is, parseCommandArgs } from './args.ts';
import { applyChange, dueChanges, openCommitted, type ApplyOutcome, type Resolution } from '../change/apply-change.ts';
import { selectDueWork } from '../change/due.ts';
import { findChange, loadPlan } from '../change/load-plan.ts';
import { describeRetry, renderPlanText } from '../change/render-plan.ts';
import { listRuns } from '../change/recorder.ts';
import { sanitizeForLog } from '../render/sanitize.ts';

/**
 * Everything apply prints carries text from the change (patterns, names), the calendar, the hosts (errors, marker
 * evidence) and records: every control and bidi character becomes a visible escape, line by line, as lint and plan do.
 */
function say(stream: NodeJS.WritableStream, text: string): void {
  stream.write(text.split('\n').map(sanitizeForLog).join('\n'));
}

const USAGE = [
  'usage: opsgate apply CHG-YYYY-NNNN [--dry-run] [--resume [--resolve HOST:PHASE:STEP=done|failed]...]',
  '       opsgate apply --due',
  '  options: --identity FILE (SSH key; default OPSGATE_SSH_KEY or SSH_AUTH_SOCK), --concurrency N,',
  "           --emergency-override 'REASON' (emergency changes only: outside the window or in a freeze; recorded)",
  '           --rerun-succeeded (a retry also runs hosts that succeeded before; the plan lists the non-idempotent steps that run again)',
  '           --confirm-seconds S (dead-man timer of commit-confirmed steps, default 120)',
].join('\n');
const HELP = `${USAGE}

Applies an approved change over SSH inside its window and writes a hash-chained record
under records/changes/. Refuses, running nothing, unless the change is unmodified on the
default branch, its gate decision is satisfied, its window is open and no freeze applies.

  CHG-YYYY-NNNN            the change to apply
  --due                    every change whose window is open now (the schedule); a failed one waits for a person;
                           then the backup jobs whose policies changed since they were last converged (converge backup)
  --dry-run                print exactly the plan it would carry out, and run nothing
  --resume                 continue an interrupted run of the change in the same record
  --resolve H:PHASE:STEP=done|failed
                           with --resume: a person's verdict on a step whose outcome is unknown (repeatable)
  --emergency-override R   emergency changes only: apply outside the window or in a freeze; the reason is recorded
  --identity FILE          SSH private key (default: $OPSGATE_SSH_KEY, else the agent at $SSH_AUTH_SOCK)
  --concurrency N          hosts in flight within a batch
  --lock-ttl S             seconds a host lock outlives a lost controller (at least 3)
  --rerun-succeeded        a retry also runs hosts that succeeded before (the plan lists the non-idempotent steps that run again)
  --confirm-seconds S      dead-man timer of commit-confirmed steps, 5 to 3600 (default 120)

exit codes: 0 succeeded, 1 refused, failed, partial or needs attention, 2 usage, 3 internal error
`;
/** `--resolve HOST:PHASE:STEP=done|failed`. */
const RESOLUTION = /^([^:=\s]+):(precheck|step|verification|rollback):([^:=\s]+)=(done|failed)$/;
export const ARGS = {
  usage: USAGE,
  help: HELP,
  positionals: { max: 1 },
  options: {
    'dry-run': { type: 'boolean' },
    resume: { type: 'boolean' },
    due: { type: 'boolean' },
    identity: { type: 'string', check: is.given('a key file') },
    concurrency: { type: 'string', check: is.integer({ min: 1, max: 500 }) },
    'emergency-override': { type: 'string', check: is.given('the reason, which is recorded') },
    'lock-ttl': { type: 'string', check: is.integer({ min: 3 }) },
    'rerun-succeeded': { type: 'boolean' },
    'confirm-seconds': { type: 'string', check: is.integer({ min: 5, max: 3600 }) },
    resolve: { type: 'string', multiple: true, check: is.matches('HOST:PHASE:STEP=done|failed, PHASE one of precheck, step, verification, rollback', RESOLUTION) },
  },
} as const;

function parseResolution(text: string): Resolution {
  const m = RESOLUTION.exec(text);
  if (!m) throw new UsageError(`--resolve '${text}' is not HOST:PHASE:STEP=done|failed`, USAGE);
  return { host: m[1]!, phase: m[2]!, step: m[3]!, resolution: m[4] as 'done' | 'failed' };
}

function progress(ctx: CommandContext) {
  return (e: Record<string, unknown>) => {
    const t = e.type;
    if (t === 'batch.started') say(ctx.stdout, `batch ${e.batch}${e.canary ? ' (canary)' : ''}: ${(e.hosts as string[]).join(', ')}\n`);
    else if (t === 'step.done' && e.ok === false) say(ctx.stdout, `  ${e.host}: ${e.phase} ${e.step} failed: ${e.why ?? ''}${e.error ? ` (${e.error})` : ''}\n`);
    else if (t === 'step.unknown') say(ctx.stdout, `  ${e.host}: ${e.phase} ${e.step}: its outcome is unknown (${e.action})${e.evidence ? `: ${e.evidence}` : ''}\n`);
    else if (t === 'window.closed') say(ctx.stdout, `  ${e.host}: not starting ${e.before_step}: ${e.reason}\n`);
    else if (t === 'confirm.done')
      say(ctx.stdout, `  ${e.host}: commit-confirmation ${e.confirmed ? 'confirmed over a fresh connection' : `failed: ${e.why}${e.reverted ? '; the host restored itself' : ''}`}\n`);
    else if (t === 'host.done') say(ctx.stdout, `  ${e.host}: ${e.outcome}\n`);
    else if (t === 'rollout.stopped') say(ctx.stdout, `rollout stopped: ${e.reason}; batches not started: ${(e.batches_not_started as number[]).join(', ')}\n`);
  };
}

function report(ctx: CommandContext, id: string, r: ApplyOutcome): number {
  if (r.status === 'refused') {
    say(ctx.stderr, `opsgate: refusing to apply ${id}; nothing was run:\n`);
    for (const f of r.refusals) say(ctx.stderr, `  ${f.code}  ${f.message}${f.hint ? `\n    hint: ${f.hint}` : ''}\n`);
    return ExitCode.findings;
  }
  if (r.status === 'needs_attention') {
    const unknown =
      r.unknown ??
      Object.entries(r.result?.hosts ?? {})
        .filter(([, o]) => o === 'needs_attention')
        .map(([host]) => ({ host, phase: '?', step: '?', evidence: 'see the record' }));
    say(ctx.stdout, `${id}: stopped for a person (record ${r.record}): these may or may not have taken effect:\n`);
    for (const u of unknown) say(ctx.stdout, `  ${u.host} ${u.phase}:${u.step}: ${u.evidence}\n`);
    say(ctx.stdout, `check each on the host, then: opsgate apply ${id} --resume --resolve HOST:PHASE:STEP=done|failed\n`);
  } else say(ctx.stdout, `${id}: ${r.status} (record ${r.record})\n`);
  return r.status === 'succeeded' ? ExitCode.clean : ExitCode.findings;
}

export const applyCommand: Command = async (ctx) => {
  const { values: flags, positionals: positional } = parseCommandArgs(ctx.argv, ARGS);
  const due = flags.due === true;
  if (due === (positional.length === 1)) throw new UsageError('name exactly one change, or give --due', USAGE);
  if (flags.resolve && !flags.resume) throw new UsageError('--resolve only makes sense with --resume', USAGE);
  if (flags['emergency-override'] !== undefined && !flags['emergency-override'].trim()) throw new UsageError('--emergency-override needs the reason, which is recorded', USAGE);
  const concurrency = integer('concurrency', flags.concurrency, { min: 1, max: 500 }, USAGE);
  const confirmSeconds = integer('confirm-seconds', flags['confirm-seconds'], { min: 5, max: 3600 }, USAGE);
  const lockTtl = integer('lock-ttl', flags['lock-ttl'], { min: 3 }, USAGE);
  if (flags['rerun-succeeded'] && (flags.resume || due)) throw new UsageError('--rerun-succeeded is for a retry of one change, not with --resume or --due', USAGE);
  const resolutions = (flags.resolve ?? []).map(parseResolution);
  // Everything apply decides on and sends comes from the committed tree at HEAD, never the working tree.
  const committed = await openCommitted(ctx.root);
  if (!committed) throw new UsageError(`${ctx.root} is not a git repository with a commit`, 'apply runs from a checkout of the default branch');
  const { repo, tree } = committed;
  const work = due ? await selectDueWork(repo, ctx.now()) : undefined;
  const ids = work ? work.apply : [positional[0]!];
  // The schedule also converges what is due outside changes (backup jobs whose policy changed), after the changes.
  const dueConverges = async (dryRun: boolean) =>
    due
      ? (await import('../converge/backup-due-run.ts')).runDueBackupConverge(ctx, {
          repo,
          dryRun,
          lockScope: `${await (await import('../change/repo-identity.ts')).repoIdentity(ctx.root, ctx.env)}/converge-backup`,
          ...(typeof flags.identity === 'string' ? { identityFile: flags.identity } : {}),
          ...(concurrency ? { concurrency } : {}),
        })
      : ExitCode.clean;

  if (flags['dry-run']) {
    for (const id of due ? dueChanges(repo, ctx.now()) : ids) {
      const plan = await loadPlan(repo, findChange(repo, id), ctx.now(), (rel) => tree.read(rel));
      say(ctx.stdout, renderPlanText(plan));
      const runs = await listRuns(ctx.root, id);
      const retry = describeRetry(
        plan,
        runs.flatMap((r) => (r.state && r.outcome !== 'needs_attention' ? [{ run: r.run, state: r.state }] : [])),
        flags['rerun-succeeded'] === true,
      );
      if (retry) say(ctx.stdout, `${retry}\n`);
    }
    if (due && dueChanges(repo, ctx.now()).length === 0) say(ctx.stdout, 'no change has its window open now\n');
    await dueConverges(true);
    return ExitCode.clean;
  }
  let exit: number = ExitCode.clean;
  // The schedule applies a change once; after a failed run a person decides (opsgate apply CHG, or --resume).
  for (const s of work?.personDecides ?? []) {
    say(ctx.stdout, `${s.id}: skipped: run ${s.run} ended ${s.outcome}; a person decides: 'opsgate apply ${s.id}' to try again, or close the change\n`);
    exit = Math.max(exit, ExitCode.findings);
  }
  if (due && ids.length === 0 && exit === ExitCode.clean) {
    say(ctx.stdout, 'no change has its window open now\n');
    return dueConverges(false);
  }
  for (const id of ids) {
    const r = await applyChange({
      repo,
      committed,
      changeId: id,
      env: ctx.env,
      now: ctx.now,
      resume: flags.resume === true,
      ...(typeof flags['emergency-override'] === 'string' ? { override: flags['emergency-override'] } : {}),
      resolutions,
      ...(typeof flags.identity === 'string' ? { identityFile: flags.identity } : {}),
      ...(concurrency ? { concurrency } : {}),
      ...(lockTtl ? { lockTtlSeconds: lockTtl } : {}),
      ...(confirmSeconds ? { confirmSeconds } : {}),
      ...(flags['rerun-succeeded'] ? { rerunSucceeded: true } : {}),
      actor: ctx.env.GITHUB_ACTOR ?? ctx.env.USER ?? 'unknown',
      onEvent: progress(ctx),
    });
    // With --due, a change that already succeeded is simply done.
    if (due && r.status === 'refused' && r.refusals.every((f) => f.code === 'apply.already-succeeded')) continue;
    exit = Math.max(exit, report(ctx, id, r));
  }
  return Math.max(exit, await dueConverges(false));
};
