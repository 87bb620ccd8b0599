/**
 * planChange: a change, its target hosts, the repository files it references
 * and the access policy → a ChangePlan (data). Pure: the edge reads the files
 * and passes their bytes' hashes in.
 */
import { createHash } from 'node:crypto';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import type { ChangeDocument, Check, Step } from '../model/documents.generated.ts';
import type { AccessInputs } from '../converge/access.ts';
import { planConvergeStep, type ConvergeContext, type PlanHost } from './plan-converge.ts';
import { DEFAULT_ROLLOUT, planBatches } from './batches.ts';
import { renderCheck, renderRestore, renderRun, renderUpload } from './render-command.ts';
import { lockoutSensitive } from '../remote/lockout.ts';
import { renderBackupFresh } from '../backup/fresh-precheck.ts';
import type { ChangePlan, HostPlan, PlannedAction } from './types.ts';

export interface RepoFileInfo {
  sha256: string;
  bytes: number;
}

export interface PlanInput {
  change: { id: string; file: string; sha256: string; data: ChangeDocument; locate?: (pointer: string) => { line: number; col: number } };
  /** Target hosts, already resolved from targets.hosts / targets.groups, in inventory order. */
  hosts: ReadonlyArray<PlanHost>;
  /** Missing target ids (named in targets.hosts but not in the inventory). */
  unknownHosts?: readonly string[];
  /** Repository files referenced by script/upload steps that exist (path → hash). */
  files: ReadonlyMap<string, RepoFileInfo>;
  access: AccessInputs;
  /** Baselines a `converge baseline` step may name (their checks). */
  baselines?: ConvergeContext['baselines'];
  /** Canonical sudoers lines the baselines allow in unmanaged files (converge/sudoers-allow.ts). */
  allowedSudo?: readonly string[];
  /** Hosts other hosts are reached through (forwarding must stay on there). */
  jumpHosts?: ReadonlySet<string>;
  /** Backup policies a `backup_fresh` check may name (repository, tags, paths). */
  backupPolicies?: ReadonlyArray<{ id: string; repository: { url: string; password_env: string }; tags?: readonly string[]; paths: readonly string[] }>;
  now: Date;
}

const sha = (t: string) => createHash('sha256').update(t).digest('hex');

export function planChange(input: PlanInput): ChangePlan {
  const { change } = input;
  const c = change.data;
  const diagnostics: Diagnostic[] = [];
  const where = (pointer: string) => ({ file: change.file, ...(change.locate?.(pointer) ?? { line: 1, col: 1 }) });
  const problem = (code: string, pointer: string, message: string, hint?: string) => diagnostics.push(diagnostic(code, where(pointer), message, { pointer, ...(hint ? { hint } : {}) }));

  for (const id of input.unknownHosts ?? []) problem('plan.unknown-host', '/targets/hosts', `target host '${id}' is not in the inventory`, 'add inventory/hosts/<id>.yaml or fix the id');
  if (input.hosts.length === 0) problem('plan.no-hosts', '/targets', 'the change targets no host', 'name hosts or groups under targets');

  const seen = new Set<string>();
  const checkIds = (list: ReadonlyArray<{ id: string }>, ptr: string) =>
    list.forEach((s, i) => {
      if (seen.has(`${ptr}:${s.id}`)) problem('plan.duplicate-id', `${ptr}/${i}/id`, `id '${s.id}' is used twice in ${ptr.slice(1)}`, 'give every step and check its own id');
      seen.add(`${ptr}:${s.id}`);
    });
  checkIds(c.prechecks ?? [], '/prechecks');
  checkIds(c.steps, '/steps');
  checkIds(c.verification ?? [], '/verification');
  checkIds(c.rollback ?? [], '/rollback');

  // A step starts only if it would end, at its timeout, inside the window (window-gate.ts): one that outlasts the whole window could never start.
  const windowMs = Date.parse(c.window.end) - Date.parse(c.window.start);
  c.steps.forEach((step, i) => {
    const t = step.timeout_seconds ?? 300;
    if (windowMs > 0 && t * 1000 > windowMs)
      problem(
        'plan.step-outlasts-window',
        step.timeout_seconds !== undefined ? `/steps/${i}/timeout_seconds` : `/steps/${i}`,
        `step '${step.id}' may run ${t} s (its timeout${step.timeout_seconds === undefined ? ', the default' : ''}), longer than the whole window (${Math.floor(windowMs / 1000)} s): it could never start`,
        'lengthen the window or shorten timeout_seconds',
      );
  });

  const checkAction = (chk: Check, phase: 'precheck' | 'verification', ptr: string, host: PlanHost): PlannedAction | undefined => {
    if ((chk.argv === undefined) === (chk.backup_fresh === undefined)) {
      problem('plan.check-shape', ptr, `check '${chk.id}' needs exactly one of argv or backup_fresh`);
      return undefined;
    }
    if (chk.backup_fresh) return backupFreshAction(chk, chk.backup_fresh, phase, ptr, host);
    const argv = chk.argv!;
    if (argv[0]!.startsWith('-')) problem('plan.option-command', `${ptr}/argv/0`, `the command '${argv[0]}' starts with '-'`, 'the first argv item must be a program');
    const r = renderCheck({ argv });
    const action: PlannedAction = {
      id: chk.id,
      phase,
      kind: 'check',
      idempotent: true,
      timeoutMs: (chk.timeout_seconds ?? 300) * 1000,
      ...r,
      expect: {
        exit_code: chk.expect?.exit_code ?? 0,
        ...(chk.expect?.stdout_contains !== undefined ? { stdout_contains: chk.expect.stdout_contains } : {}),
        ...(chk.expect?.stdout_matches !== undefined ? { stdout_matches: chk.expect.stdout_matches } : {}),
      },
    };
    if (chk.name) action.name = chk.name;
    if (chk.expect?.stdout_matches !== undefined) {
      try {
        new RegExp(chk.expect.stdout_matches);
      } catch {
        problem('plan.bad-regex', `${ptr}/expect/stdout_matches`, `'${chk.expect.stdout_matches}' is not a valid regular expression`);
      }
    }
    return action;
  };

  // backup_fresh: restic on the host, through its backup_repositories entry for the policy, else the policy's repository.
  const backupFreshAction = (chk: Check, bf: { policy: string; within_hours: number }, phase: 'precheck' | 'verification', ptr: string, host: PlanHost): PlannedAction | undefined => {
    const bp = input.backupPolicies?.find((p) => p.id === bf.policy);
    if (!bp) {
      problem('plan.unknown-backup-policy', `${ptr}/backup_fresh/policy`, `backup policy '${bf.policy}' does not exist`, 'name a policy under policies/backup/');
      return undefined;
    }
    const own = host.data.backup_repositories?.find((r) => r.policy === bf.policy);
    let r;
    try {
      r = renderBackupFresh({
        repository: own?.repository ?? bp.repository.url,
        passwordEnv: own?.password_env ?? bp.repository.password_env,
        host: host.id,
        tags: bp.tags,
        paths: bp.paths,
        withinHours: bf.within_hours,
      });
    } catch (e) {
      problem('plan.backup-fresh', `${ptr}/backup_fresh`, `backup_fresh of '${bf.policy}' on ${host.id}: ${(e as Error).message}`);
      return undefined;
    }
    return {
      id: chk.id,
      name: chk.name ?? `newest snapshot of ${bf.policy} at most ${bf.within_hours} h old`,
      phase,
      kind: 'check',
      idempotent: true,
      timeoutMs: (chk.timeout_seconds ?? 300) * 1000,
      argv: r.argv,
      sudo: r.sudo,
      command: r.command,
      stdin: { source: 'secrets', names: r.secretNames },
      expect: { exit_code: 0, stdout_contains: 'fresh: ' },
    };
  };

  const stepAction = (step: Step, phase: 'step' | 'rollback', ptr: string, host: PlanHost): PlannedAction | undefined => {
    const base = { id: step.id, phase, idempotent: step.idempotent ?? false, timeoutMs: (step.timeout_seconds ?? 300) * 1000, ...(step.name ? { name: step.name } : {}) };
    if (step.kind === 'run') {
      if (!step.argv === !step.script) {
        problem('plan.run-shape', ptr, `run step '${step.id}' needs exactly one of argv or script`);
        return undefined;
      }
      if (step.argv?.[0]?.startsWith('-')) problem('plan.option-command', `${ptr}/argv/0`, `the command '${step.argv[0]}' starts with '-'`, 'the first argv item must be a program');
      for (const [k, v] of Object.entries(step.env ?? {})) if (typeof v === 'string' && /[\r\n\0]/.test(v)) problem('plan.env-value', `${ptr}/env/${k}`, `env ${k} contains a line break or NUL`);
      const r = renderRun(step);
      const action: PlannedAction = { ...base, kind: 'run', argv: r.argv, sudo: r.sudo, command: r.command };
      if (step.script) {
        const f = input.files.get(step.script);
        if (!f) {
          problem('plan.missing-file', `${ptr}/script`, `script '${step.script}' does not exist in the repository`);
          return undefined;
        }
        if (r.secretNames.length > 0)
          problem('plan.script-secrets', `${ptr}/env`, 'a script step reads its body on stdin and cannot also receive secrets there', 'use an argv step, e.g. [sh, /path/to/installed/script]');
        action.stdin = { source: 'repo', path: step.script, sha256: f.sha256, bytes: f.bytes };
      } else if (r.secretNames.length > 0) action.stdin = { source: 'secrets', names: r.secretNames };
      return action;
    }
    if (step.kind === 'upload') {
      const f = input.files.get(step.source);
      if (!f) {
        problem('plan.missing-file', `${ptr}/source`, `upload source '${step.source}' does not exist in the repository`);
        return undefined;
      }
      const r = renderUpload(step, change.id);
      const sensitive = lockoutSensitive(step.dest);
      return {
        ...base,
        kind: 'upload',
        argv: r.argv,
        sudo: r.sudo,
        command: r.command,
        stdin: { source: 'repo', path: step.source, sha256: f.sha256, bytes: f.bytes },
        ...(sensitive && phase === 'step' ? { confirm: { files: [step.dest], reload: sensitive.reload } } : {}),
      };
    }
    const c = planConvergeStep(step, host, {
      change: change.id,
      access: input.access,
      allowedSudo: input.allowedSudo ?? [],
      baselines: input.baselines ?? [],
      jumpHosts: input.jumpHosts ?? new Set(),
      now: input.now,
      confirmSeconds: 120,
    });
    if (!c.ok) {
      for (const p of c.problems) problem(p.code, `${ptr}/${p.code === 'plan.unknown-baseline' ? 'baseline' : 'target'}`, p.message, p.hint);
      return undefined;
    }
    return { ...base, kind: 'converge', argv: c.argv, sudo: c.sudo, command: c.command, stdin: c.stdin };
  };

  const hosts: HostPlan[] = input.hosts.map((h) => {
    const steps = c.steps.map((s, i) => stepAction(s, 'step', `/steps/${i}`, h)).filter((a): a is PlannedAction => !!a);
    // Restores of uploads run first (last upload first), then the declared rollback.
    const restores: PlannedAction[] = c.steps
      .flatMap((s) => (s.kind === 'upload' ? [s] : []))
      .reverse()
      .map((s) => {
        const r = renderRestore(s, change.id);
        return {
          id: `restore-${s.id}`,
          name: `put back the previous ${s.dest}`,
          phase: 'rollback',
          kind: 'restore',
          idempotent: true,
          timeoutMs: 60_000,
          argv: r.argv,
          sudo: r.sudo,
          command: r.command,
          restores: s.id,
        };
      });
    return {
      host: h.id,
      prechecks: (c.prechecks ?? []).map((k, i) => checkAction(k, 'precheck', `/prechecks/${i}`, h)).filter((a): a is PlannedAction => !!a),
      steps,
      verification: (c.verification ?? []).map((k, i) => checkAction(k, 'verification', `/verification/${i}`, h)).filter((a): a is PlannedAction => !!a),
      rollback: [...restores, ...(c.rollback ?? []).map((s, i) => stepAction(s, 'rollback', `/rollback/${i}`, h)).filter((a): a is PlannedAction => !!a)],
    };
  });
  // Problems found once per host are reported once.
  const unique = [...new Map(diagnostics.map((d) => [`${d.code}|${d.pointer}|${d.message}`, d])).values()];

  const rollout = {
    canary: c.rollout?.canary ?? DEFAULT_ROLLOUT.canary,
    batchSize: c.rollout?.batch_size ?? DEFAULT_ROLLOUT.batchSize,
    maxFailures: c.rollout?.max_failures ?? DEFAULT_ROLLOUT.maxFailures,
    pauseSeconds: c.rollout?.pause_seconds ?? DEFAULT_ROLLOUT.pauseSeconds,
    onWindowEnd: c.rollout?.on_window_end ?? 'stop',
  };
  return {
    change: change.id,
    title: c.title,
    type: c.type,
    risk: c.risk,
    file: change.file,
    fileSha256: change.sha256,
    window: { start: c.window.start, end: c.window.end },
    rollout,
    batches: planBatches(
      hosts.map((h) => h.host),
      rollout.canary,
      rollout.batchSize,
    ),
    hosts,
    diagnostics: unique,
  };
}

/** Repository paths the change reads (scripts and upload sources). Pure. */
export function referencedFiles(change: ChangeDocument): string[] {
  const steps = [...change.steps, ...(change.rollback ?? [])];
  return [...new Set(steps.flatMap((s) => (s.kind === 'run' && s.script ? [s.script] : s.kind === 'upload' ? [s.source] : [])))];
}

/** A stable hash of the plan, recorded so evidence shows exactly what was planned. */
export function planDigest(plan: ChangePlan): string {
  const { riskDerivation: _explanation, ...planned } = plan;
  return sha(JSON.stringify({ ...planned, hosts: plan.hosts.map((h) => ({ ...h, steps: h.steps.map(stripContent), rollback: h.rollback.map(stripContent) })) }));
}

function stripContent(a: PlannedAction): PlannedAction {
  return a.stdin?.source === 'generated' ? { ...a, stdin: { ...a.stdin, content: '' } } : a;
}
