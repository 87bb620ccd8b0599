/**
 * Whether a repository's settings give opsgate what it relies on, check by
 * check, each `ok` or a `problem` with its fix (README, "Branch protection and
 * environments"). A setting that could not be read is a problem too: what
 * cannot be seen is not assumed. Pure.
 */
import type { BranchRule, EnvironmentSettings, Read, RepositorySettings } from '../github/settings.ts';

export interface DoctorCheck {
  id: string;
  status: 'ok' | 'problem';
  message: string;
  fix?: string;
}

export interface Expectations {
  /** The required status context for the default branch, e.g. `opsgate/approval (main)`. */
  statusContext: string;
  lintCheck: string;
  /** The opsgate App's id (--app-id, else the OPSGATE_APP_ID variable). */
  appId?: number;
  environment: string;
  appEnvironment: string;
  sshKeySecret: string;
  appKeySecret: string;
  allowedSecrets: readonly string[];
  /** The organisation policy's file as the repository spells it (policies/organisation.yaml or .yml); the default: .yaml. */
  organisationFile?: string;
  leaseBranch: string;
}

const ok = (id: string, message: string): DoctorCheck => ({ id, status: 'ok', message });
const problem = (id: string, message: string, fix: string): DoctorCheck => ({ id, status: 'problem', message, fix });
const READ_FIX = 'run doctor with a token that may read the settings: a fine-grained token with Administration, Environments, Secrets, Actions and Variables read (names only are read, never values)';
const unreadable = (id: string, r: Extract<Read<unknown>, { ok: false }>) => problem(id, r.reason, READ_FIX);

const LOCKING = new Set(['pull_request', 'required_status_checks', 'update', 'required_signatures', 'required_linear_history', 'non_fast_forward', 'deletion']);

interface StatusCheck {
  context: string;
  integrationId: number | null;
  strict: boolean;
  source: string;
}

function requiredChecks(rules: readonly BranchRule[]): StatusCheck[] {
  return rules
    .filter((r) => r.type === 'required_status_checks')
    .flatMap((r) => {
      const p = (r.parameters ?? {}) as { required_status_checks?: { context: string; integration_id?: number | null }[]; strict_required_status_checks_policy?: boolean };
      return (p.required_status_checks ?? []).map((c) => ({
        context: c.context,
        integrationId: c.integration_id ?? null,
        strict: p.strict_required_status_checks_policy === true,
        source: `ruleset ${r.rulesetId ?? '?'}`,
      }));
    });
}

export function checkSettings(s: RepositorySettings, e: Expectations): DoctorCheck[] {
  const out: DoctorCheck[] = [];
  const branch = s.defaultBranch;
  const appId = e.appId ?? (s.appIdVariable.ok && s.appIdVariable.value && /^\d+$/.test(s.appIdVariable.value) ? Number(s.appIdVariable.value) : undefined);

  // The App.
  if (appId !== undefined) out.push(ok('app.id', `the opsgate App is ${appId}${e.appId === undefined ? ' (repository variable OPSGATE_APP_ID)' : ''}`));
  else if (!s.appIdVariable.ok && e.appId === undefined) out.push(unreadable('app.id', s.appIdVariable));
  else
    out.push(
      problem(
        'app.id',
        'no opsgate App is configured: records cannot land under branch protection, and the approval status cannot be pinned to its source',
        'create a GitHub App (contents write, pull requests read, statuses write, issues write), install it on this repository, set the repository variable OPSGATE_APP_ID to its id and put its key in the environment ' +
          e.appEnvironment,
      ),
    );

  // Protection of the default branch: rulesets (preferred) or classic protection.
  const rules = s.branchRules.ok ? s.branchRules.value : undefined;
  const classic = s.classic.ok ? s.classic.value : undefined;
  if (!s.branchRules.ok) out.push(unreadable('protection.rules', s.branchRules));
  if (!s.classic.ok) out.push(unreadable('protection.classic', s.classic));
  const has = (type: string) => (rules ?? []).some((r) => r.type === type);
  const checks: StatusCheck[] = [
    ...requiredChecks(rules ?? []),
    ...(classic?.requiredChecks ?? []).map((c) => ({ context: c.context, integrationId: c.appId, strict: classic!.strict, source: 'branch protection' })),
  ];
  const protectedAtAll = (rules ?? []).some((r) => LOCKING.has(r.type)) || Boolean(classic);
  if (rules !== undefined && classic !== undefined && !protectedAtAll) {
    out.push(
      problem(
        'protection.exists',
        `nothing protects ${branch}: anyone with write access can push to it, and apply runs whatever lands there`,
        `add a ruleset targeting the default branch (README, "Branch protection and environments")`,
      ),
    );
  }
  if (rules !== undefined || classic !== undefined) {
    out.push(
      has('pull_request') || classic?.requiresPullRequest
        ? ok('protection.pull-request', `a pull request is required before merging into ${branch}`)
        : problem(
            'protection.pull-request',
            `${branch} accepts changes without a pull request, so without the gate`,
            'in the ruleset, turn on "Require a pull request before merging" (required approvals may stay 0: the gate counts)',
          ),
    );

    const approval = checks.find((c) => c.context === e.statusContext);
    const stale = checks.find((c) => c.context === 'opsgate/approval');
    if (!approval) {
      out.push(
        problem(
          'protection.approval-check',
          `the status check "${e.statusContext}" is not required on ${branch}${stale ? ' (the ruleset still requires "opsgate/approval", the name before the base branch was part of it: no status carries that name now)' : ''}`,
          `require the status check "${e.statusContext}" in the ruleset, exactly that name`,
        ),
      );
    } else {
      out.push(ok('protection.approval-check', `"${e.statusContext}" is required (${approval.source})`));
      out.push(
        appId !== undefined && approval.integrationId === appId
          ? ok('protection.approval-source', `"${e.statusContext}" counts only when the opsgate App (${appId}) sets it`)
          : problem(
              'protection.approval-source',
              approval.integrationId === null
                ? `"${e.statusContext}" counts from any source: a workflow on any branch with statuses: write could post it`
                : `"${e.statusContext}" is pinned to app ${approval.integrationId}, not the opsgate App${appId !== undefined ? ` (${appId})` : ''}`,
              'in the ruleset, set the source of the required check to the opsgate App',
            ),
      );
      out.push(
        approval.strict
          ? ok('protection.up-to-date', `branches must be up to date with ${branch} before merging`)
          : problem(
              'protection.up-to-date',
              `a pull request can merge without being up to date with ${branch}: the gate judged it against an older base`,
              'turn on "Require branches to be up to date before merging" for the required checks',
            ),
      );
    }
    const lint = checks.find((c) => c.context === e.lintCheck);
    out.push(
      lint
        ? ok('protection.lint-check', `"${e.lintCheck}" (opsgate lint) is required`)
        : problem('protection.lint-check', `the check "${e.lintCheck}" (opsgate lint, pr.yml) is not required on ${branch}`, `require the status check "${e.lintCheck}" in the ruleset`),
    );

    const history = (has('non_fast_forward') || (classic && !classic.allowForcePushes)) && (has('deletion') || (classic && !classic.allowDeletions));
    out.push(
      history
        ? ok('protection.history', `${branch} cannot be force-pushed or deleted: the records on it stay`)
        : problem(
            'protection.history',
            `${branch} can be force-pushed or deleted, which rewrites or removes the evidence in records/`,
            'turn on "Block force pushes" and "Restrict deletions" in the ruleset',
          ),
    );
  }

  // Who may bypass.
  if (classic && !(rules ?? []).some((r) => LOCKING.has(r.type))) {
    out.push(
      problem(
        'protection.bypass',
        `${branch} is protected by classic branch protection only, which cannot exempt an App from required checks: the records commits cannot land`,
        'protect the default branch with a ruleset whose only bypass actor is the opsgate App',
      ),
    );
  } else if (!s.rulesets.ok) out.push(unreadable('protection.bypass', s.rulesets));
  else if (rules) {
    const locking = s.rulesets.value.filter((rs) => rules.some((r) => r.rulesetId === rs.id && LOCKING.has(r.type)));
    const hidden = locking.filter((rs) => rs.bypassActors === undefined);
    const others = locking.flatMap((rs) =>
      (rs.bypassActors ?? [])
        .filter((a) => !(a.actorType === 'Integration' && appId !== undefined && a.actorId === appId))
        .map((a) => `${a.actorType}${a.actorId !== null ? ` ${a.actorId}` : ''} (${a.bypassMode}) in "${rs.name}"`),
    );
    const withoutApp = locking.filter(
      (rs) => rs.bypassActors && !rs.bypassActors.some((a) => a.actorType === 'Integration' && appId !== undefined && a.actorId === appId && a.bypassMode !== 'pull_request'),
    );
    if (hidden.length)
      out.push(
        problem('protection.bypass', `cannot see who may bypass ${hidden.map((r) => `"${r.name}"`).join(', ')} (GitHub shows bypass actors only to a token that may edit the ruleset)`, READ_FIX),
      );
    else if (others.length)
      out.push(
        problem(
          'protection.bypass',
          `besides the opsgate App, these may bypass the rules of ${branch}: ${others.join('; ')} — they can change it without the gate`,
          'remove every bypass actor but the opsgate App',
        ),
      );
    else if (withoutApp.length)
      out.push(
        problem(
          'protection.bypass',
          `the opsgate App may not bypass ${withoutApp.map((r) => `"${r.name}"`).join(', ')}: records commits (no pull request, no status) are refused, and every apply stops on its lease`,
          'add the opsgate App to the ruleset\'s bypass list (mode "always"), and nobody else',
        ),
      );
    else if (locking.length) out.push(ok('protection.bypass', `only the opsgate App bypasses the rules of ${branch} (it lands records/** and reports/**, nothing else)`));
  }

  // The lease branches stay free for the workflows.
  if (!s.leaseRules.ok) out.push(unreadable('lease.branch', s.leaseRules));
  else {
    const blocking = s.leaseRules.value.filter((r) => LOCKING.has(r.type) || r.type === 'creation');
    out.push(
      blocking.length === 0
        ? ok('lease.branch', `${e.leaseBranch} can be created and deleted by the workflows`)
        : problem(
            'lease.branch',
            `rules apply to ${e.leaseBranch} (${[...new Set(blocking.map((r) => `${r.type}${r.rulesetId !== undefined ? ` from ruleset ${r.rulesetId}` : ''}`))].join(', ')}): apply cannot take or release its lease`,
            'exclude refs/heads/opsgate/lease/** from those rulesets',
          ),
    );
  }

  // Environments.
  const envs = s.environments.ok ? s.environments.value : undefined;
  if (!s.environments.ok) out.push(unreadable('environments', s.environments));
  const env = (name: string) => envs?.find((x) => x.name.toLowerCase() === name.toLowerCase());
  for (const [name, role] of [
    [e.environment, 'holds the SSH key and the secrets changes use'],
    [e.appEnvironment, 'holds the opsgate App key'],
  ] as const) {
    if (!envs) break;
    const x = env(name);
    if (!x) {
      out.push(
        problem(
          `environment.${name}`,
          `there is no environment "${name}" (it ${role}); a workflow that names it creates it unprotected`,
          `create the environment "${name}" with the deployment branch policy "Selected branches: ${branch}"`,
        ),
      );
      continue;
    }
    out.push(branchPolicyCheck(x, branch));
    const reviewers = x.protectionRules.some((r) => r.type === 'required_reviewers');
    const timer = x.protectionRules.find((r) => r.type === 'wait_timer' && (r.waitTimer ?? 0) > 0);
    out.push(
      reviewers || timer
        ? problem(
            `environment.${x.name}.rules`,
            `${reviewers ? 'required reviewers' : `a ${timer!.waitTimer}-minute wait timer`} on "${x.name}" hold${reviewers ? '' : 's'} every scheduled run (apply runs every 15 minutes, about 96 times a day); the approval already happened in the pull request`,
            `remove ${reviewers ? 'the required reviewers' : 'the wait timer'} from "${x.name}": its branch policy is what keeps other code out`,
          )
        : ok(`environment.${x.name}.rules`, `"${x.name}" holds no run for a person (no required reviewers, no wait timer)`),
    );
  }

  // Where the keys and the allowed secrets live.
  const repoSecrets = s.repositorySecrets.ok ? s.repositorySecrets.value : undefined;
  const orgSecrets = s.organisationSecrets.ok ? s.organisationSecrets.value : undefined;
  if (!s.repositorySecrets.ok) out.push(unreadable('secrets.repository', s.repositorySecrets));
  if (!s.organisationSecrets.ok) out.push(unreadable('secrets.organisation', s.organisationSecrets));
  const envSecrets = (name: string): string[] | undefined => {
    const x = env(name);
    return x && x.secrets.ok ? x.secrets.value : undefined;
  };
  for (const x of envs ?? []) if (!x.secrets.ok && [e.environment, e.appEnvironment].includes(x.name)) out.push(unreadable(`environment.${x.name}.secrets`, x.secrets));
  const placeSecret = (id: string, secret: string, home: string, notIn: string) => {
    const wide = [repoSecrets?.includes(secret) ? 'a repository secret' : '', orgSecrets?.includes(secret) ? 'an organisation secret' : ''].filter(Boolean);
    const inHome = envSecrets(home)?.includes(secret);
    const inOther = envSecrets(notIn)?.includes(secret);
    if (wide.length) out.push(problem(id, `${secret} is ${wide.join(' and ')}: a workflow pushed on any branch can read it`, `delete it there and keep it only in the environment "${home}"`));
    else if (inOther) out.push(problem(id, `${secret} is also in the environment "${notIn}", whose jobs do not need it`, `delete it from "${notIn}"`));
    else if (envSecrets(home) === undefined) return;
    else if (!inHome) out.push(problem(id, `${secret} is not in the environment "${home}"`, `add it as an environment secret of "${home}"`));
    else out.push(ok(id, `${secret} is an environment secret of "${home}" only`));
  };
  placeSecret('secret.app-key', e.appKeySecret, e.appEnvironment, e.environment);
  placeSecret('secret.ssh-key', e.sshKeySecret, e.environment, e.appEnvironment);

  const prod = envSecrets(e.environment);
  if (prod) {
    const missing = e.allowedSecrets.filter((n) => !prod.includes(n));
    const wide = e.allowedSecrets.filter((n) => repoSecrets?.includes(n) || orgSecrets?.includes(n));
    const extra = prod.filter((n) => n !== e.sshKeySecret && !e.allowedSecrets.includes(n));
    const note = extra.length ? `; present in "${e.environment}" but not allowed, so never passed: ${extra.join(', ')}` : '';
    if (wide.length)
      out.push(problem('secrets.allowed', `allowed secrets readable by any branch (repository or organisation secrets): ${wide.join(', ')}`, `move them into the environment "${e.environment}"`));
    else if (missing.length)
      out.push(
        problem(
          'secrets.allowed',
          `allowed by ${e.organisationFile ?? 'policies/organisation.yaml'} but not set in "${e.environment}": ${missing.join(', ')}${note}`,
          `add them as secrets of the environment "${e.environment}", or remove them from allowed_secrets`,
        ),
      );
    else
      out.push(
        ok(
          'secrets.allowed',
          `${e.allowedSecrets.length ? `every secret the policy allows (${e.allowedSecrets.join(', ')}) is in "${e.environment}"` : 'the policy allows no secret, so none is passed'}${note}`,
        ),
      );
  }

  // Actions' defaults.
  if (!s.workflowPermissions.ok) out.push(unreadable('actions.token', s.workflowPermissions));
  else {
    const w = s.workflowPermissions.value;
    out.push(
      w.defaultPermissions === 'read'
        ? ok('actions.token', 'the workflow token is read-only unless a job asks for more')
        : problem(
            'actions.token',
            `the workflow token defaults to ${w.defaultPermissions} access for every job that does not declare its permissions`,
            'Settings → Actions → General → Workflow permissions: "Read repository contents and packages permissions"',
          ),
    );
    out.push(
      w.canApprovePullRequests
        ? problem('actions.approve', 'GitHub Actions may create and approve pull requests', 'turn off "Allow GitHub Actions to create and approve pull requests"')
        : ok('actions.approve', 'GitHub Actions may not approve pull requests'),
    );
  }
  return out;
}

function branchPolicyCheck(x: EnvironmentSettings, branch: string): DoctorCheck {
  const id = `environment.${x.name}.branches`;
  const fix = `set the deployment branch policy of "${x.name}" to "Selected branches" with only ${branch}`;
  if (!x.branchPolicy) return problem(id, `any branch may use the environment "${x.name}" and read its secrets`, fix);
  if (x.branchPolicy.protectedBranches) return ok(id, `only protected branches may use "${x.name}" (make sure ${branch} is the only protected branch, or select it alone)`);
  if (!x.branchPatterns) return problem(id, `"${x.name}" has no branch rule`, fix);
  if (!x.branchPatterns.ok) return problem(id, x.branchPatterns.reason, READ_FIX);
  const others = x.branchPatterns.value.filter((p) => !(p.type === 'branch' && p.name === branch));
  if (others.length) return problem(id, `besides ${branch}, these may use "${x.name}": ${others.map((p) => `${p.type} ${p.name}`).join(', ')}`, fix);
  if (x.branchPatterns.value.length === 0) return problem(id, `no branch may use "${x.name}"`, fix);
  return ok(id, `only ${branch} may use "${x.name}"`);
}

export function renderDoctorText(repository: string, branch: string, checks: readonly DoctorCheck[]): string {
  const width = Math.max(...checks.map((c) => c.id.length));
  const lines = [`opsgate doctor: ${repository} (default branch ${branch})`];
  for (const c of checks) {
    lines.push(`${c.status === 'ok' ? 'ok     ' : 'PROBLEM'}  ${c.id.padEnd(width)}  ${c.message}`);
    if (c.fix) lines.push(`${' '.repeat(9 + width + 2)}fix: ${c.fix}`);
  }
  const problems = checks.filter((c) => c.status === 'problem').length;
  lines.push(`${checks.length} checks: ${checks.length - problems} ok, ${problems} problem${problems === 1 ? '' : 's'}`);
  return lines.join('\n') + '\n';
}
