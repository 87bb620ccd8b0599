/**
 * Reads the repository settings opsgate depends on — rulesets and branch
 * protection, environments and their branch policies, where secrets live
 * (names only), Actions' token defaults, the App id variable — in domain
 * words, for `opsgate doctor`. Every read says whether it succeeded; a read
 * that fails (no permission, not found where something must exist) is data
 * the checks turn into a problem, never an exception. Edge.
 */
import type { GateOctokit } from './client.ts';
import { readAllPages } from './paginate.ts';
import { list, obj, optId, str } from './payload.ts';

export type Read<T> = { ok: true; value: T } | { ok: false; status?: number; reason: string };

export interface BranchRule {
  type: string;
  rulesetId?: number;
  rulesetSource?: string;
  parameters?: Record<string, unknown>;
}

export interface BypassActor {
  actorId: number | null;
  actorType: string;
  bypassMode: string;
}

export interface Ruleset {
  id: number;
  name: string;
  enforcement: string;
  source: string;
  /** undefined when the token may not see them (GitHub returns them only with write access to the ruleset). */
  bypassActors?: BypassActor[];
}

export interface ClassicProtection {
  requiredChecks: { context: string; appId: number | null }[];
  strict: boolean;
  requiresPullRequest: boolean;
  enforceAdmins: boolean;
  allowForcePushes: boolean;
  allowDeletions: boolean;
}

export interface EnvironmentSettings {
  name: string;
  protectionRules: { type: string; waitTimer?: number }[];
  /** null: any branch may deploy. */
  branchPolicy: { protectedBranches: boolean; customBranchPolicies: boolean } | null;
  /** The custom branch and tag patterns, when customBranchPolicies. */
  branchPatterns?: Read<{ name: string; type: string }[]>;
  secrets: Read<string[]>;
}

export interface RepositorySettings {
  repository: string;
  defaultBranch: string;
  /** Active rules that apply to the default branch (from every ruleset, repository or organisation). */
  branchRules: Read<BranchRule[]>;
  rulesets: Read<Ruleset[]>;
  /** null: no classic protection on the default branch. */
  classic: Read<ClassicProtection | null>;
  /** Active rules that apply to a lease branch (opsgate/lease/apply). */
  leaseRules: Read<BranchRule[]>;
  /** Every environment of the repository, by name. */
  environments: Read<EnvironmentSettings[]>;
  repositorySecrets: Read<string[]>;
  organisationSecrets: Read<string[]>;
  workflowPermissions: Read<{ defaultPermissions: string; canApprovePullRequests: boolean }>;
  /** The repository variable OPSGATE_APP_ID; null when unset. */
  appIdVariable: Read<string | null>;
}

interface HttpError {
  status?: number;
  message?: string;
}

async function read<T>(what: string, f: () => Promise<T>, onMissing?: () => T): Promise<Read<T>> {
  try {
    return { ok: true, value: await f() };
  } catch (e) {
    const err = e as HttpError;
    if (err.status === 404 && onMissing) return { ok: true, value: onMissing() };
    const why =
      err.status === 403 || err.status === 401 || err.status === 404
        ? 'the token may not read it (GitHub answers 404 or 403 without administration:read / secrets:read / actions:read)'
        : (err.message ?? String(e)).split('\n')[0]!;
    return { ok: false, ...(err.status ? { status: err.status } : {}), reason: `cannot read ${what}${err.status ? ` (HTTP ${err.status})` : ''}: ${why}` };
  }
}

/** Names only: GitHub never returns a secret's value, and opsgate never asks. One request per 100 names. */
async function secretNames(octokit: GateOctokit, route: string, params: Record<string, string>): Promise<string[]> {
  const names: string[] = [];
  for (let page = 1; page <= 50; page++) {
    const data = (await octokit.request(`GET ${route}`, { ...params, per_page: 100, page })).data as { total_count?: number; secrets?: { name: string }[] };
    const got = (data.secrets ?? []).map((x) => x.name);
    names.push(...got);
    if (got.length < 100 || (data.total_count !== undefined && names.length >= data.total_count)) break;
  }
  return names;
}

function ruleOf(r: { type: string; ruleset_id?: number; ruleset_source?: string; parameters?: unknown }): BranchRule {
  return {
    type: r.type,
    ...(r.ruleset_id !== undefined ? { rulesetId: r.ruleset_id } : {}),
    ...(r.ruleset_source ? { rulesetSource: r.ruleset_source } : {}),
    ...(r.parameters ? { parameters: r.parameters as Record<string, unknown> } : {}),
  };
}

export async function readRepositorySettings(octokit: GateOctokit, repository: string, opts: { leaseBranch: string }): Promise<RepositorySettings | { unreadable: string }> {
  const [owner, repo] = repository.split('/') as [string, string];
  const base = { owner, repo };
  // Each answer is checked where it is read: a wrong shape is a read that failed, named, never a crash.
  const info = await read('the repository', async () => {
    const d = obj((await octokit.rest.repos.get(base)).data, 'the repository');
    return { branch: str(d, 'default_branch', 'the repository'), id: optId(d, 'id') };
  });
  if (!info.ok) return { unreadable: info.reason };
  const branch = info.value.branch;
  // A `next` link by repository id must name this repository's (paginate.ts).
  const ownId = info.value.id !== undefined ? { id: info.value.id } : { unknown: 'the repository answer has no id' };
  const branchRules = (b: string) =>
    read(`the rules of ${b}`, async () =>
      (
        await readAllPages(octokit.rest.repos.getBranchRules as never, { ...base, branch: b, per_page: 100 }, String(octokit.request.endpoint.DEFAULTS.baseUrl), {
          repositoryId: async () => ownId,
        })
      ).map((r) => ruleOf(r as never)),
    );

  const [rules, leaseRules, classic, environments, repositorySecrets, organisationSecrets, workflowPermissions, appIdVariable] = await Promise.all([
    branchRules(branch),
    branchRules(opts.leaseBranch),
    read(
      `the branch protection of ${branch}`,
      async (): Promise<ClassicProtection | null> => {
        const p = (await octokit.rest.repos.getBranchProtection({ ...base, branch })).data;
        const checks = p.required_status_checks;
        return {
          requiredChecks: checks?.checks?.map((c) => ({ context: c.context, appId: c.app_id ?? null })) ?? (checks?.contexts ?? []).map((c) => ({ context: c, appId: null })),
          strict: checks?.strict === true,
          requiresPullRequest: Boolean(p.required_pull_request_reviews),
          enforceAdmins: p.enforce_admins?.enabled === true,
          allowForcePushes: p.allow_force_pushes?.enabled === true,
          allowDeletions: p.allow_deletions?.enabled === true,
        };
      },
      () => null,
    ),
    read('the environments', async () => {
      const data = obj((await octokit.rest.repos.getAllEnvironments({ ...base, per_page: 100 })).data, 'the environments');
      const envs = list(data.environments ?? [], 'the environments').map((e, i) => {
        const where = `environment ${i + 1} of the list`;
        str(obj(e, where), 'name', where);
        return e as { name: string; deployment_branch_policy?: { protected_branches: boolean; custom_branch_policies: boolean } | null; protection_rules?: { type: string }[] };
      });
      return Promise.all(
        envs.map(async (e): Promise<EnvironmentSettings> => {
          const policy = e.deployment_branch_policy
            ? { protectedBranches: e.deployment_branch_policy.protected_branches, customBranchPolicies: e.deployment_branch_policy.custom_branch_policies }
            : null;
          const env: EnvironmentSettings = {
            name: e.name,
            protectionRules: (e.protection_rules ?? []).map((r) => ({ type: r.type, ...('wait_timer' in r && typeof r.wait_timer === 'number' ? { waitTimer: r.wait_timer } : {}) })),
            branchPolicy: policy,
            secrets: await read(`the secrets of environment ${e.name}`, () =>
              secretNames(octokit, '/repos/{owner}/{repo}/environments/{environment_name}/secrets', { ...base, environment_name: e.name }),
            ),
          };
          if (policy?.customBranchPolicies) {
            env.branchPatterns = await read(`the deployment branch policies of ${e.name}`, async () =>
              (await octokit.rest.repos.listDeploymentBranchPolicies({ ...base, environment_name: e.name, per_page: 100 })).data.branch_policies.map((b) => ({
                name: b.name ?? '',
                type: (b as { type?: string }).type ?? 'branch',
              })),
            );
          }
          return env;
        }),
      );
    }),
    read('the repository secrets', () => secretNames(octokit, '/repos/{owner}/{repo}/actions/secrets', base)),
    read('the organisation secrets this repository can use', () => secretNames(octokit, '/repos/{owner}/{repo}/actions/organization-secrets', base)),
    read("Actions' default token permissions", async () => {
      const d = (await octokit.rest.actions.getGithubActionsDefaultWorkflowPermissionsRepository(base)).data;
      return { defaultPermissions: d.default_workflow_permissions, canApprovePullRequests: d.can_approve_pull_request_reviews };
    }),
    read(
      'the variable OPSGATE_APP_ID',
      async () => (await octokit.rest.actions.getRepoVariable({ ...base, name: 'OPSGATE_APP_ID' })).data.value,
      () => null,
    ),
  ]);

  // The rulesets behind the default branch's rules, with their bypass lists.
  const ids = rules.ok ? [...new Set(rules.value.map((r) => r.rulesetId).filter((x): x is number => x !== undefined))] : [];
  const rulesets = await read('the rulesets of the default branch', () =>
    Promise.all(
      ids.map(async (id): Promise<Ruleset> => {
        const r = (await octokit.rest.repos.getRepoRuleset({ ...base, ruleset_id: id, includes_parents: true })).data;
        return {
          id: r.id,
          name: r.name,
          enforcement: r.enforcement,
          source: r.source,
          ...(r.bypass_actors ? { bypassActors: r.bypass_actors.map((a) => ({ actorId: a.actor_id ?? null, actorType: a.actor_type, bypassMode: a.bypass_mode ?? 'always' })) } : {}),
        };
      }),
    ),
  );

  return { repository, defaultBranch: branch, branchRules: rules, rulesets, classic, leaseRules, environments, repositorySecrets, organisationSecrets, workflowPermissions, appIdVariable };
}
