/**
 * A change's `converge` steps, planned like every other step: the access
 * policy or the baseline's typed remediations rendered for the host into one
 * root script (sent on stdin), with the same safety as the converge command —
 * all or nothing, the login account never managed, sshd settings opsgate could
 * not survive refused here, and sshd or sudoers.d changes commit-confirmed by
 * the script itself (it arms the host's dead-man timer; the run confirms over a
 * fresh connection). Pure.
 */
import { createHash } from 'node:crypto';
import type { CheckDef } from '../inspect/model.ts';
import { inScope } from '../inspect/model.ts';
import type { HostDocument } from '../model/documents.generated.ts';
import { renderRootScript } from '../remote/commands.ts';
import { renderAccessPolicy, type AccessInputs } from '../converge/access.ts';
import { renderAccessScript } from '../converge/access-script.ts';
import { planStaticBaseline, renderBaselineScript } from '../converge/baseline.ts';
import { loginAccountProblem } from '../converge/login-account.ts';
import { sshdSettingProblem } from '../converge/sshd-safety.ts';
import type { PlannedInput } from './types.ts';

export type PlanHost = { id: string; data: Pick<HostDocument, 'groups'> & Partial<Pick<HostDocument, 'user' | 'host_keys' | 'env' | 'backup_repositories'>> };

export interface ConvergeContext {
  change: string;
  access: AccessInputs;
  /** Canonical sudoers lines the baselines allow (converge/sudoers-allow.ts). */
  allowedSudo: readonly string[];
  baselines: ReadonlyArray<{ id: string; checks: readonly CheckDef[] }>;
  jumpHosts: ReadonlySet<string>;
  now: Date;
  confirmSeconds: number;
}

export type PlannedConverge = { ok: true; argv: string[]; sudo: boolean; command: string; stdin: PlannedInput } | { ok: false; problems: Array<{ code: string; message: string; hint?: string }> };

const sha = (t: string) => createHash('sha256').update(t).digest('hex');

export function planConvergeStep(step: { target: 'access' | 'baseline'; baseline?: string }, host: PlanHost, ctx: ConvergeContext): PlannedConverge {
  const r = renderRootScript();
  const user = host.data.user ?? 'opsgate';
  if (step.target === 'access') {
    const policy = renderAccessPolicy(host, ctx.access, ctx.now);
    const login = loginAccountProblem(policy, user);
    const problems = [
      ...policy.problems.map((p) => ({ code: 'plan.access', message: p })),
      ...(login ? [{ code: 'access.manages-login-account', message: `on ${host.id}: ${login}`, hint: 'opsgate must keep the key it logs in with: give the role another unix_account' }] : []),
    ];
    if (problems.length) return { ok: false, problems };
    const script = renderAccessScript(policy, 'apply', { loginUser: user, allowed: ctx.allowedSudo, confirm: { id: `access-${ctx.change}-${host.id}`, seconds: ctx.confirmSeconds } });
    const keys = policy.accounts.reduce((n, a) => n + a.keys.length, 0);
    return {
      ok: true,
      ...r,
      stdin: {
        source: 'generated',
        label: `access policy: ${policy.accounts.length} accounts, ${keys} keys, ${policy.sudoers.length} sudoers files; sudoers.d changes commit-confirmed`,
        sha256: sha(script),
        content: script,
      },
    };
  }
  const baseline = ctx.baselines.find((b) => b.id === step.baseline);
  if (!step.baseline || !baseline)
    return {
      ok: false,
      problems: [
        {
          code: 'plan.unknown-baseline',
          message: step.baseline ? `baseline '${step.baseline}' is not in policies/baselines/` : 'a converge step with target baseline names no baseline',
          hint: 'baseline: <id of a file in policies/baselines/>',
        },
      ],
    };
  const inventoryHost = { id: host.id, groups: host.data.groups, env: host.data.env ?? 'prod' } as never;
  const checks = baseline.checks.filter((c) => inScope(c.applies_to, inventoryHost));
  const plan = planStaticBaseline(host.id, checks);
  const facts = { user, isJumpHost: ctx.jumpHosts.has(host.id), hostKeyTypes: (host.data.host_keys ?? ['ssh-ed25519 x']).map((k) => k.split(/\s+/)[0]!) };
  const unsafe = plan.sshd.flatMap((s) => {
    const p = sshdSettingProblem(s.keyword, s.value, facts);
    return p
      ? [
          {
            code: 'converge.unsafe-sshd-setting',
            message: `${baseline.id}/${s.check} on ${host.id}: ${p}`,
            hint: 'opsgate would lock itself out of the host: change the check, or exclude the host with applies_to',
          },
        ]
      : [];
  });
  if (unsafe.length) return { ok: false, problems: unsafe };
  const script = renderBaselineScript(plan, { confirm: { id: `baseline-${ctx.change}-${host.id}`, seconds: ctx.confirmSeconds } });
  return {
    ok: true,
    ...r,
    stdin: {
      source: 'generated',
      label: `baseline ${baseline.id}: ${plan.sshd.length} sshd settings (commit-confirmed), ${plan.sysctl.length} sysctl, ${plan.files.length} file modes`,
      sha256: sha(script),
      content: script,
    },
  };
}
