/**
 * `opsgate doctor` through the real Octokit client against the local GitHub
 * server, whose settings endpoints answer with GitHub's documented payloads
 * (test/github-server/routes-settings.ts). The recommended setup is all ok;
 * each way of breaking it is named, with its fix, and exits 1.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { checkSettings, type Expectations } from '../../scripts/doctor/checks.ts';
import type { RepositorySettings } from '../../scripts/github/settings.ts';
import { startGitHubServer, type GitHubServer } from '../github-server/server.ts';
import { recommendedSettings, settingsRoutes, type FakeSettings, type SettingsStore } from '../github-server/routes-settings.ts';
import { captureStdio, discard } from '../helpers/capture.ts';

const TOKEN = 'ghs_D0ct0rT0kenNeverPrinted00000000000';
const REPO = 'yunfan-tech/ops-policies';
const APP = 918273;
let server: GitHubServer;
let store: SettingsStore;
let root: string;

async function doctor(settings: FakeSettings, ...args: string[]) {
  store.set(REPO, settings);
  server.repo(REPO);
  const io = captureStdio();
  const code = await runCli(['--root', root, 'doctor', '--repo', REPO, ...args], {
    env: { PATH: process.env.PATH, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: server.url, OPSGATE_GITHUB_RETRY_UNIT_MS: '1' },
    stdout: io.stdout,
    stderr: io.stderr,
    cwd: root,
  });
  const json = args.includes('json') ? (JSON.parse(io.out()) as { ok: boolean; checks: { id: string; status: string; message: string; fix?: string }[] }) : undefined;
  return { code, out: io.out(), err: io.err(), json, problems: json?.checks.filter((c) => c.status === 'problem').map((c) => c.id) ?? [] };
}

const edit = (f: (s: FakeSettings) => void): FakeSettings => {
  const s = recommendedSettings(APP);
  f(s);
  return s;
};

beforeAll(async () => {
  server = await startGitHubServer({ token: TOKEN });
  store = new Map();
  server.route(...settingsRoutes(store));
  root = await mkdtemp(path.join(os.tmpdir(), 'og-doctor-'));
});
afterAll(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

describe('opsgate doctor', () => {
  it('the setup the README recommends is all ok (exit 0)', async () => {
    const r = await doctor(recommendedSettings(APP));
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^opsgate doctor: yunfan-tech\/ops-policies \(default branch main\)/);
    expect(r.out).not.toContain('PROBLEM');
    expect(r.out).toMatch(/ok +protection\.approval-check +"opsgate\/approval \(main\)" is required/);
    expect(r.out).toMatch(/\d+ checks: \d+ ok, 0 problems/);
    expect(r.code).toBe(0);
    const j = await doctor(recommendedSettings(APP), '--format', 'json');
    expect(j.json!.ok).toBe(true);
    expect(j.json!.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining([
        'app.id',
        'protection.pull-request',
        'protection.approval-check',
        'protection.approval-source',
        'protection.up-to-date',
        'protection.lint-check',
        'protection.history',
        'protection.bypass',
        'lease.branch',
        'environment.production.branches',
        'environment.production.rules',
        'environment.opsgate.branches',
        'environment.opsgate.rules',
        'secret.app-key',
        'secret.ssh-key',
        'secrets.allowed',
        'actions.token',
        'actions.approve',
      ]),
    );
  });

  it.each<[string, (s: FakeSettings) => void, string, RegExp]>([
    [
      'an administrator role may bypass',
      (s) => s.rulesets[0]!.bypassActors!.push({ actor_id: 5, actor_type: 'RepositoryRole', bypass_mode: 'always' }),
      'protection.bypass',
      /RepositoryRole 5 \(always\)/,
    ],
    ['the App may not bypass', (s) => (s.rulesets[0]!.bypassActors = []), 'protection.bypass', /records commits .* are refused/],
    ['the App bypasses only pull requests', (s) => (s.rulesets[0]!.bypassActors![0]!.bypass_mode = 'pull_request'), 'protection.bypass', /may not bypass/],
    [
      'the required context still has the old name',
      (s) => ((s.rulesets[0]!.rules[3]!.parameters!.required_status_checks as { context: string }[])[0]!.context = 'opsgate/approval'),
      'protection.approval-check',
      /the name before the base branch/,
    ],
    [
      'the approval check counts from any source',
      (s) => ((s.rulesets[0]!.rules[3]!.parameters!.required_status_checks as { integration_id: number | null }[])[0]!.integration_id = null),
      'protection.approval-source',
      /any source/,
    ],
    ['branches need not be up to date', (s) => (s.rulesets[0]!.rules[3]!.parameters!.strict_required_status_checks_policy = false), 'protection.up-to-date', /without being up to date/],
    ['lint is not required', (s) => ((s.rulesets[0]!.rules[3]!.parameters!.required_status_checks as unknown[]).length = 1), 'protection.lint-check', /lint \/ lint/],
    ['force pushes are allowed', (s) => s.rulesets[0]!.rules.splice(1, 1), 'protection.history', /force-pushed/],
    ['the ruleset only evaluates', (s) => (s.rulesets[0]!.enforcement = 'evaluate'), 'protection.exists', /nothing protects main/],
    [
      'classic protection only',
      (s) => {
        s.rulesets = [];
        s.classic = {
          contexts: [
            { context: 'opsgate/approval (main)', app_id: APP },
            { context: 'lint / lint', app_id: null },
          ],
          strict: true,
          pullRequest: true,
          enforceAdmins: true,
          allowForcePushes: false,
          allowDeletions: false,
        };
      },
      'protection.bypass',
      /classic branch protection only/,
    ],
    ['a ruleset on every branch covers the lease', (s) => (s.rulesets[0]!.include = ['~ALL']), 'lease.branch', /opsgate\/lease\/apply/],
    ['any branch may use production', (s) => (s.environments[0]!.branchPolicy = null), 'environment.production.branches', /any branch may use the environment "production"/],
    ['release branches may use production', (s) => s.environments[0]!.branchPatterns!.push({ name: 'release/*' }), 'environment.production.branches', /branch release\/\*/],
    ['production needs a reviewer', (s) => (s.environments[0]!.reviewers = true), 'environment.production.rules', /about 96 times a day/],
    ['the App environment waits', (s) => (s.environments[1]!.waitTimer = 5), 'environment.opsgate.rules', /5-minute wait timer/],
    ['there is no App environment', (s) => s.environments.splice(1, 1), 'environment.opsgate', /no environment "opsgate"/],
    ['the App key is a repository secret', (s) => s.secrets.push('OPSGATE_APP_PRIVATE_KEY'), 'secret.app-key', /any branch can read it/],
    ['the SSH key is an organisation secret', (s) => s.orgSecrets.push('OPSGATE_SSH_KEY'), 'secret.ssh-key', /organisation secret/],
    ['the SSH key is in the App environment too', (s) => s.environments[1]!.secrets.push('OPSGATE_SSH_KEY'), 'secret.ssh-key', /also in the environment "opsgate"/],
    ['the App key is missing', (s) => (s.environments[1]!.secrets = []), 'secret.app-key', /not in the environment "opsgate"/],
    ['the token writes by default', (s) => (s.workflowPermissions.default_workflow_permissions = 'write'), 'actions.token', /defaults to write/],
    ['Actions may approve pull requests', (s) => (s.workflowPermissions.can_approve_pull_request_reviews = true), 'actions.approve', /approve pull requests/],
    ['no App id', (s) => (s.variables = {}), 'app.id', /no opsgate App is configured/],
  ])('%s: a problem with its fix (exit 1)', async (_name, breakIt, id, message) => {
    const r = await doctor(edit(breakIt), '--format', 'json');
    expect(r.code).toBe(1);
    const c = r.json!.checks.find((x) => x.id === id && x.status === 'problem');
    expect(c, JSON.stringify(r.json!.checks.filter((x) => x.status === 'problem'))).toBeDefined();
    expect(c!.message).toMatch(message);
    expect(c!.fix).toBeTruthy();
  });

  it('with a read-only token it cannot see the bypass list, the secrets or the token defaults, and says so: nothing unseen is ok', async () => {
    const r = await doctor(edit((s) => (s.access = 'read')));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/PROBLEM +protection\.bypass +cannot see who may bypass "default branch"/);
    expect(r.out).toMatch(/PROBLEM +secrets\.repository +cannot read the repository secrets \(HTTP 403\)/);
    expect(r.out).toMatch(/PROBLEM +actions\.token +cannot read Actions' default token permissions/);
    expect(r.out).toContain('fix: run doctor with a token that may read the settings');
  });

  it('never prints the token, and an unknown repository is exit 1 with the reason', async () => {
    const ok = await doctor(recommendedSettings(APP), '--format', 'json');
    expect(ok.out + ok.err).not.toContain(TOKEN);
    const missing = await runCli(['--root', root, 'doctor', '--repo', 'nobody/nothing'], {
      env: { PATH: process.env.PATH, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: server.url, OPSGATE_GITHUB_RETRY_UNIT_MS: '1' },
      stdout: discard(),
      stderr: discard(),
      cwd: root,
    });
    expect(missing).toBe(1);
  });

  it.each([[['--repo', 'not a repo']], [['--repo', REPO, '--app-id', 'x']], [['--repo', REPO, '--format', 'xml']], [['--bogus']]])('usage problems exit 2: %j', async (args) => {
    const code = await runCli(['--root', root, 'doctor', ...args], { env: { PATH: process.env.PATH }, stdout: discard(), stderr: discard(), cwd: root });
    expect(code).toBe(2);
  });
});

describe('allowed secrets versus present (pure)', () => {
  const base = (): RepositorySettings => ({
    repository: REPO,
    defaultBranch: 'main',
    branchRules: { ok: true, value: [] },
    rulesets: { ok: true, value: [] },
    classic: { ok: true, value: null },
    leaseRules: { ok: true, value: [] },
    environments: {
      ok: true,
      value: [
        {
          name: 'production',
          protectionRules: [],
          branchPolicy: { protectedBranches: false, customBranchPolicies: true },
          branchPatterns: { ok: true, value: [{ name: 'main', type: 'branch' }] },
          secrets: { ok: true, value: ['OPSGATE_SSH_KEY', 'DB_PASSWORD', 'OLD_TOKEN'] },
        },
        {
          name: 'opsgate',
          protectionRules: [],
          branchPolicy: { protectedBranches: false, customBranchPolicies: true },
          branchPatterns: { ok: true, value: [{ name: 'main', type: 'branch' }] },
          secrets: { ok: true, value: ['OPSGATE_APP_PRIVATE_KEY'] },
        },
      ],
    },
    repositorySecrets: { ok: true, value: ['API_KEY'] },
    organisationSecrets: { ok: true, value: [] },
    workflowPermissions: { ok: true, value: { defaultPermissions: 'read', canApprovePullRequests: false } },
    appIdVariable: { ok: true, value: String(APP) },
  });
  const expect_ = (allowed: string[]): Expectations => ({
    statusContext: 'opsgate/approval (main)',
    lintCheck: 'lint / lint',
    environment: 'production',
    appEnvironment: 'opsgate',
    sshKeySecret: 'OPSGATE_SSH_KEY',
    appKeySecret: 'OPSGATE_APP_PRIVATE_KEY',
    allowedSecrets: allowed,
    leaseBranch: 'opsgate/lease/apply',
  });
  const check = (allowed: string[]) => checkSettings(base(), expect_(allowed)).find((c) => c.id === 'secrets.allowed')!;

  it('every allowed secret present in production: ok, and unused ones are named', () => {
    const c = check(['DB_PASSWORD']);
    expect(c.status).toBe('ok');
    expect(c.message).toContain('not allowed, so never passed: OLD_TOKEN');
  });
  it('an allowed secret missing from production is a problem', () => {
    expect(check(['DB_PASSWORD', 'REDIS_PASSWORD'])).toMatchObject({ status: 'problem', message: expect.stringContaining('not set in "production": REDIS_PASSWORD') });
  });
  it('an allowed secret kept as a repository secret is readable by any branch', () => {
    expect(check(['API_KEY'])).toMatchObject({ status: 'problem', message: expect.stringContaining('readable by any branch') });
  });
});
