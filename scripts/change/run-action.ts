/**
 * One remote action of a run: `step.executing` written and flushed, then the
 * command under the host-side step runner, then `step.done` with how it ended.
 * Edge (ARCHITECTURE.md, "Safe execution").
 */
import { createHash } from 'node:crypto';
import { SshError } from '../model/errors.ts';
import type { StepOutcome } from '../model/outcome.ts';
import { controllerDeadlineSeconds, parseRunnerTrailer, renderRemoteStep, type RunnerContext } from '../remote/step-runner.ts';
import { guardChanges, guardId, needsGuard, parseGuardLine } from '../remote/step-guard.ts';
import { redactSecrets } from '../ssh/redact.ts';
import type { HostSession } from '../ssh/types.ts';
import { parseAccessOutput } from '../converge/access-script.ts';
import { evaluateExpectation, truncateOutput } from './check.ts';
import type { Recorder } from './recorder.ts';
import { markerKey } from './resume.ts';
import type { PlannedAction } from './types.ts';

export interface ActionResult {
  outcome: StepOutcome;
  /** The action never started (no channel): the host is unreachable, nothing is in doubt. */
  notStarted?: boolean;
  /** The connection is gone. */
  lost?: boolean;
  stdout?: string;
  /** What the protected-set guard found after the step (step-guard.ts); `changed` leaves the host's dead-man timer armed. */
  guard?: { id: string; state: 'changed' | 'unchanged' | 'error'; detail: string };
}

export interface ActionContext {
  recorder: Recorder;
  runner: RunnerContext;
  /** Secret values (sent on stdin only; redacted from everything recorded). */
  secrets: Readonly<Record<string, string>>;
  stdinFor: (a: PlannedAction) => Promise<string | Buffer | undefined>;
}

const sha = (t: string) => createHash('sha256').update(t).digest('hex');

/** What the guard saw change: the labels, and the network's lines that came (`+`) and went (`-`). */
function changedRecord(detail: string): { changed: string[]; lines?: string[] } {
  const c = guardChanges(detail);
  return { changed: c.changed, ...(c.lines.length > 0 ? { lines: c.lines } : {}) };
}

export async function runAction(ctx: ActionContext, session: HostSession, host: string, a: PlannedAction, note: Record<string, unknown> = {}): Promise<ActionResult> {
  const { recorder } = ctx;
  const stdin = await ctx.stdinFor(a);
  const timeoutSeconds = Math.max(1, Math.ceil(a.timeoutMs / 1000));
  const marker = !a.idempotent;
  await recorder.event('step.executing', {
    host,
    phase: a.phase,
    step: a.id,
    kind: a.kind,
    command: a.command,
    timeout_seconds: timeoutSeconds,
    ...(marker ? { marker: `${ctx.runner.runDir}/${markerKey(a)}.state` } : {}),
    ...(a.stdin ? { stdin: a.stdin.source === 'generated' ? { source: 'generated', label: a.stdin.label, sha256: a.stdin.sha256 } : a.stdin } : {}),
    ...note,
  });
  const guard = ctx.runner.guard ? needsGuard(a, a.kind === 'run' && a.stdin?.source === 'repo' ? stdin : undefined, ctx.runner.guard.loginRoot) : undefined;
  const key = markerKey(a);
  const argv = renderRemoteStep({ argv: a.argv, sudo: a.sudo, timeoutSeconds, marker, key, ...(guard ? { guard } : {}) }, ctx.runner);
  let r;
  try {
    r = await session.exec(argv, { timeoutMs: controllerDeadlineSeconds({ timeoutSeconds }) * 1000, ...(stdin !== undefined ? { stdin } : {}) });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof SshError && e.phase === 'timeout') {
      await recorder.event('step.done', {
        host,
        phase: a.phase,
        step: a.id,
        ok: false,
        outcome: 'unknown',
        exit_code: null,
        error: message,
        why: 'the host did not report within the step timeout plus its grace period: whether the step is still running is unknown',
      });
      return { outcome: 'unknown', lost: true };
    }
    await recorder.event('step.done', { host, phase: a.phase, step: a.id, ok: false, outcome: 'failed', exit_code: null, error: message, why: 'the step could not be started' });
    return { outcome: 'failed', notStarted: true, lost: true };
  }
  const t0 = parseRunnerTrailer(r.stderr, ctx.runner.nonce);
  // The guard's line counts only when this step was guarded and it names this step's guard (a step can print anything).
  const g = guard && ctx.runner.guard ? parseGuardLine(t0.stderr, ctx.runner.nonce) : { stderr: t0.stderr };
  const named = g.guard && ctx.runner.guard && g.guard.id === guardId(ctx.runner.guard.prefix, key) ? g.guard : undefined;
  // Fail closed: a guarded step that ran (the runner reported how it ended) and whose guard said nothing readable
  // (a full disk, noise on its line) is one whose change nobody saw: confirmed over a fresh connection, or reverted.
  const guarded =
    named ??
    (guard && ctx.runner.guard && t0.state && t0.state !== 'error'
      ? { id: guardId(ctx.runner.guard.prefix, key), state: 'error' as const, detail: 'the guard said nothing readable after the step' }
      : undefined);
  const t = { ...t0, stderr: g.stderr };
  const known = Object.values(ctx.secrets);
  // Hashes are of the redacted text: a hash of a secret-bearing output would let anyone confirm a guessed secret.
  const stdoutText = redactSecrets(r.stdout, known);
  const stderrText = redactSecrets(t.stderr, known);
  const out = truncateOutput(stdoutText);
  const err = truncateOutput(stderrText);
  let outcome: StepOutcome;
  let why: string | undefined;
  let lost = false;
  if (t.state === 'ended') {
    const verdict = evaluateExpectation({ code: t.code ?? r.code, stdout: r.stdout }, a.expect);
    outcome = verdict.ok ? 'succeeded' : 'failed';
    why = verdict.why;
  } else if (t.state === 'timed_out') {
    outcome = 'timed_out';
    why = `timed out after ${timeoutSeconds} s; the host stopped its process group (TERM, then KILL) and confirmed it ended`;
  } else if (t.state === 'unconfirmed') {
    outcome = 'unknown';
    why = `timed out after ${timeoutSeconds} s, but processes of the step survived KILL on the host: it may still be running`;
  } else if (t.state === 'error') {
    outcome = 'failed';
    why = `the step runner could not start the step: ${t.message ?? 'unknown reason'}`;
  } else if (r.code === null) {
    outcome = 'unknown';
    lost = true;
    why = r.signal ? `the step runner was ended by signal ${r.signal}` : 'the connection was lost: whether the step took effect on the host is unknown';
  } else {
    outcome = 'failed';
    why = `the step runner did not start (exit ${r.code})`;
  }
  await recorder.event('step.done', {
    host,
    phase: a.phase,
    step: a.id,
    ok: outcome === 'succeeded',
    outcome,
    exit_code: t.code ?? r.code,
    ...(r.signal ? { signal: r.signal } : {}),
    duration_ms: r.durationMs,
    ...(why ? { why } : {}),
    stdout: out.text,
    stderr: err.text,
    stdout_sha256: sha(stdoutText),
    stderr_sha256: sha(stderrText),
    ...(out.truncated || err.truncated || r.truncated ? { truncated: true } : {}),
    ...(a.kind === 'converge' && a.stdin?.source === 'generated' && a.stdin.label.startsWith('access') ? { converge: parseAccessOutput(r.stdout) } : {}),
    ...(guarded ? { protected: guarded.state === 'changed' ? changedRecord(guarded.detail) : guarded.state === 'error' ? { error: guarded.detail } : 'unchanged' } : {}),
  });
  return { outcome, lost, stdout: r.stdout, ...(guarded ? { guard: guarded } : {}) };
}
