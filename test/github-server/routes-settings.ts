/**
 * Repository settings endpoints for `opsgate doctor`, answering with GitHub's
 * documented payloads (REST API 2022-11-28): the repository, rules for a
 * branch (active rulesets only, each rule with its ruleset), a repository
 * ruleset (bypass actors only for a token that may edit it), classic branch
 * protection, environments and their deployment branch policies, secret names
 * (repository, organisation, environment), the default workflow permissions
 * and a repository variable. Registered with `server.route(...settingsRoutes(store))`.
 */
import type { Route, RouteContext } from './server.ts';

export interface FakeRuleset {
  id: number;
  name: string;
  enforcement?: 'active' | 'evaluate' | 'disabled';
  sourceType?: 'Repository' | 'Organization';
  /** ref_name conditions: `~DEFAULT_BRANCH`, `~ALL`, or `refs/heads/<pattern>` (`*` within a segment, `**` across). */
  include: string[];
  exclude?: string[];
  bypassActors?: { actor_id: number | null; actor_type: string; bypass_mode: string }[];
  rules: { type: string; parameters?: Record<string, unknown> }[];
}

export interface FakeEnvironment {
  name: string;
  reviewers?: boolean;
  waitTimer?: number;
  /** null: every branch may deploy. */
  branchPolicy: null | { protected_branches: boolean; custom_branch_policies: boolean };
  branchPatterns?: { name: string; type?: 'branch' | 'tag' }[];
  secrets: string[];
}

export interface FakeSettings {
  defaultBranch: string;
  rulesets: FakeRuleset[];
  /** The documented request shape of "Update branch protection", stored as GitHub returns it; null: not protected. */
  classic: null | { contexts: { context: string; app_id: number | null }[]; strict: boolean; pullRequest: boolean; enforceAdmins: boolean; allowForcePushes: boolean; allowDeletions: boolean };
  environments: FakeEnvironment[];
  secrets: string[];
  orgSecrets: string[];
  workflowPermissions: { default_workflow_permissions: 'read' | 'write'; can_approve_pull_request_reviews: boolean };
  variables: Record<string, string>;
  /** What the token may do: `admin` reads everything; `read` gets GitHub's answers for a read-only token. */
  access: 'admin' | 'read';
}

export type SettingsStore = Map<string, FakeSettings>;

const AT = '2026-11-20T02:00:00Z';
const forbidden = (c: RouteContext) => c.send(403, { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest', status: '403' });

function glob(pattern: string): RegExp {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*\*/g, '\0')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]')
    .replace(/\0/g, '.*');
  return new RegExp(`^${re}$`);
}

function applies(rs: FakeRuleset, branch: string, defaultBranch: string): boolean {
  const ref = `refs/heads/${branch}`;
  const hit = (p: string) => (p === '~ALL' ? true : p === '~DEFAULT_BRANCH' ? branch === defaultBranch : glob(p).test(ref));
  return rs.include.some(hit) && !(rs.exclude ?? []).some(hit);
}

function page<T>(c: RouteContext, items: T[], key: string) {
  const perPage = Math.min(100, Math.max(1, Number(c.url.searchParams.get('per_page') ?? 30) || 30));
  const n = Math.max(1, Number(c.url.searchParams.get('page') ?? 1) || 1);
  c.send(200, { total_count: items.length, [key]: items.slice((n - 1) * perPage, n * perPage) });
}

const secretJson = (name: string) => ({ name, created_at: AT, updated_at: AT });

function rulesetJson(c: RouteContext, s: FakeSettings, rs: FakeRuleset) {
  return {
    id: rs.id,
    name: rs.name,
    target: 'branch',
    source_type: rs.sourceType ?? 'Repository',
    source: rs.sourceType === 'Organization' ? c.repo.owner : c.repo.fullName,
    enforcement: rs.enforcement ?? 'active',
    ...(s.access === 'admin' ? { bypass_actors: rs.bypassActors ?? [] } : {}),
    current_user_can_bypass: 'never',
    node_id: `RRS_${rs.id}`,
    _links: { self: { href: `${c.base}/repos/${c.repo.fullName}/rulesets/${rs.id}` }, html: { href: `https://github.local/${c.repo.fullName}/rules/${rs.id}` } },
    conditions: { ref_name: { include: rs.include, exclude: rs.exclude ?? [] } },
    rules: rs.rules,
    created_at: AT,
    updated_at: AT,
  };
}

export function settingsRoutes(store: SettingsStore): Route[] {
  const get = (c: RouteContext) => store.get(c.repo.fullName);
  const env = (c: RouteContext) => get(c)?.environments.find((e) => e.name.toLowerCase() === c.match[1]!.toLowerCase());
  return [
    {
      method: 'GET',
      pattern: /^$/,
      handle: (c) => {
        const s = get(c);
        if (!s) return c.notFound();
        const owner = { login: c.repo.owner, id: 1, type: 'Organization' };
        c.send(200, {
          id: 4242,
          node_id: 'R_kgDO',
          name: c.repo.name,
          full_name: c.repo.fullName,
          private: true,
          owner,
          html_url: `https://github.local/${c.repo.fullName}`,
          url: `${c.base}/repos/${c.repo.fullName}`,
          default_branch: s.defaultBranch,
          visibility: 'private',
          archived: false,
          disabled: false,
        });
      },
    },
    {
      method: 'GET',
      pattern: /^\/rules\/branches\/(.+)$/,
      handle: (c) => {
        const s = get(c);
        if (!s) return c.notFound();
        const rules = s.rulesets
          .filter((rs) => (rs.enforcement ?? 'active') === 'active' && applies(rs, c.match[1]!, s.defaultBranch))
          .flatMap((rs) =>
            rs.rules.map((r) => ({ ...r, ruleset_source_type: rs.sourceType ?? 'Repository', ruleset_source: rs.sourceType === 'Organization' ? c.repo.owner : c.repo.fullName, ruleset_id: rs.id })),
          );
        c.paginate(rules);
      },
    },
    {
      method: 'GET',
      pattern: /^\/rulesets\/(\d+)$/,
      handle: (c) => {
        const s = get(c);
        const rs = s?.rulesets.find((r) => r.id === Number(c.match[1]));
        if (!s || !rs || (rs.sourceType === 'Organization' && c.url.searchParams.get('includes_parents') === 'false')) return c.notFound();
        c.send(200, rulesetJson(c, s, rs));
      },
    },
    {
      method: 'GET',
      pattern: /^\/branches\/(.+)\/protection$/,
      handle: (c) => {
        const s = get(c);
        if (!s) return c.notFound();
        if (s.access !== 'admin') return forbidden(c);
        if (!s.classic || c.match[1] !== s.defaultBranch)
          return c.send(404, { message: 'Branch not protected', documentation_url: 'https://docs.github.com/rest/branches/branch-protection#get-branch-protection', status: '404' });
        const p = s.classic;
        const url = `${c.base}/repos/${c.repo.fullName}/branches/${c.match[1]}/protection`;
        c.send(200, {
          url,
          required_status_checks: {
            url: `${url}/required_status_checks`,
            strict: p.strict,
            contexts: p.contexts.map((x) => x.context),
            contexts_url: `${url}/required_status_checks/contexts`,
            checks: p.contexts,
          },
          ...(p.pullRequest
            ? {
                required_pull_request_reviews: {
                  url: `${url}/required_pull_request_reviews`,
                  dismiss_stale_reviews: false,
                  require_code_owner_reviews: false,
                  required_approving_review_count: 0,
                  require_last_push_approval: false,
                },
              }
            : {}),
          enforce_admins: { url: `${url}/enforce_admins`, enabled: p.enforceAdmins },
          required_linear_history: { enabled: false },
          allow_force_pushes: { enabled: p.allowForcePushes },
          allow_deletions: { enabled: p.allowDeletions },
          block_creations: { enabled: false },
          required_conversation_resolution: { enabled: false },
          lock_branch: { enabled: false },
          allow_fork_syncing: { enabled: false },
        });
      },
    },
    {
      method: 'GET',
      pattern: /^\/environments$/,
      handle: (c) => {
        const s = get(c);
        if (!s) return c.notFound();
        page(
          c,
          s.environments.map((e, i) => ({
            id: 5000 + i,
            node_id: `EN_${i}`,
            name: e.name,
            url: `${c.base}/repos/${c.repo.fullName}/environments/${e.name}`,
            html_url: `https://github.local/${c.repo.fullName}/deployments/activity_log?environments_filter=${e.name}`,
            created_at: AT,
            updated_at: AT,
            protection_rules: [
              ...(e.waitTimer ? [{ id: 3515 + i, node_id: `GA_${i}`, type: 'wait_timer', wait_timer: e.waitTimer }] : []),
              ...(e.reviewers
                ? [{ id: 3600 + i, node_id: `GB_${i}`, prevent_self_review: false, type: 'required_reviewers', reviewers: [{ type: 'User', reviewer: { login: 'zhangwei-yf', id: 1, type: 'User' } }] }]
                : []),
              ...(e.branchPolicy ? [{ id: 3700 + i, node_id: `GC_${i}`, type: 'branch_policy' }] : []),
            ],
            deployment_branch_policy: e.branchPolicy,
          })),
          'environments',
        );
      },
    },
    {
      method: 'GET',
      pattern: /^\/environments\/([^/]+)\/deployment-branch-policies$/,
      handle: (c) => {
        const e = env(c);
        if (!e) return c.notFound();
        page(
          c,
          (e.branchPatterns ?? []).map((p, i) => ({ id: 361471 + i, node_id: `MDE2OkdhdGVCcmFuY2hQb2xpY3kzNjE0NzE=${i}`, name: p.name, type: p.type ?? 'branch' })),
          'branch_policies',
        );
      },
    },
    {
      method: 'GET',
      pattern: /^\/environments\/([^/]+)\/secrets$/,
      handle: (c) => {
        const e = env(c);
        if (!e) return c.notFound();
        if (get(c)!.access !== 'admin') return forbidden(c);
        page(c, e.secrets.map(secretJson), 'secrets');
      },
    },
    {
      method: 'GET',
      pattern: /^\/actions\/secrets$/,
      handle: (c) => {
        const s = get(c);
        if (!s) return c.notFound();
        if (s.access !== 'admin') return forbidden(c);
        page(c, s.secrets.map(secretJson), 'secrets');
      },
    },
    {
      method: 'GET',
      pattern: /^\/actions\/organization-secrets$/,
      handle: (c) => {
        const s = get(c);
        if (!s) return c.notFound();
        if (s.access !== 'admin') return forbidden(c);
        page(
          c,
          s.orgSecrets.map((n) => ({ ...secretJson(n), visibility: 'selected' })),
          'secrets',
        );
      },
    },
    {
      method: 'GET',
      pattern: /^\/actions\/permissions\/workflow$/,
      handle: (c) => {
        const s = get(c);
        if (!s) return c.notFound();
        if (s.access !== 'admin') return forbidden(c);
        c.send(200, s.workflowPermissions);
      },
    },
    {
      method: 'GET',
      pattern: /^\/actions\/variables\/([A-Za-z_][A-Za-z0-9_]*)$/,
      handle: (c) => {
        const s = get(c);
        const value = s?.variables[c.match[1]!];
        if (!s || value === undefined) return c.notFound();
        c.send(200, { name: c.match[1], value, created_at: AT, updated_at: AT });
      },
    },
  ];
}

/** The settings the README asks for, for the App `appId`: tests start from here and break one thing at a time. */
export function recommendedSettings(appId: number, branch = 'main'): FakeSettings {
  return {
    defaultBranch: branch,
    rulesets: [
      {
        id: 101,
        name: 'default branch',
        include: ['~DEFAULT_BRANCH'],
        bypassActors: [{ actor_id: appId, actor_type: 'Integration', bypass_mode: 'always' }],
        rules: [
          { type: 'deletion' },
          { type: 'non_fast_forward' },
          {
            type: 'pull_request',
            parameters: {
              required_approving_review_count: 0,
              dismiss_stale_reviews_on_push: false,
              require_code_owner_review: false,
              require_last_push_approval: false,
              required_review_thread_resolution: false,
              allowed_merge_methods: ['merge', 'squash', 'rebase'],
            },
          },
          {
            type: 'required_status_checks',
            parameters: {
              strict_required_status_checks_policy: true,
              do_not_enforce_on_create: false,
              required_status_checks: [
                { context: `opsgate/approval (${branch})`, integration_id: appId },
                { context: 'lint / lint', integration_id: 15368 },
              ],
            },
          },
        ],
      },
    ],
    classic: null,
    environments: [
      {
        name: 'production',
        branchPolicy: { protected_branches: false, custom_branch_policies: true },
        branchPatterns: [{ name: branch }],
        secrets: ['OPSGATE_SSH_KEY', 'RESTIC_PASSWORD_DB', 'RESTIC_PASSWORD_WEB'],
      },
      { name: 'opsgate', branchPolicy: { protected_branches: false, custom_branch_policies: true }, branchPatterns: [{ name: branch }], secrets: ['OPSGATE_APP_PRIVATE_KEY'] },
    ],
    secrets: [],
    orgSecrets: [],
    workflowPermissions: { default_workflow_permissions: 'read', can_approve_pull_request_reviews: false },
    variables: { OPSGATE_APP_ID: String(appId) },
    access: 'admin',
  };
}
