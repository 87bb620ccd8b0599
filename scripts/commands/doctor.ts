import { is, parseCommandArgs } from './args.ts';
import type { Command } from './context.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import { singletonFileOf } from '../rules/singleton-file.ts';

const USAGE = 'usage: opsgate doctor [--repo owner/name] [--app-id N] [--format text|json] [--environment production] [--app-environment opsgate] [--lint-check "lint / lint"]';

const HELP = `${USAGE}

Reads the repository's settings through the GitHub API and says, for each thing
opsgate relies on, whether it is ok or a problem, and the fix:

  - the ruleset (or branch protection) on the default branch: pull request
    required, the status "opsgate/approval (<branch>)" required and pinned to the
    opsgate App, opsgate lint required, branches up to date, no force push
  - who may bypass it: the opsgate App only (it lands records/**)
  - the lease branch opsgate/lease/apply free of rules
  - the environments (production: SSH key and allowed secrets; opsgate: the App
    key): branch policy "the default branch only", no reviewers or wait timer
  - where the keys live (environment secrets, not repository or organisation)
  - the secrets policies/organisation.yaml (or .yml) allows versus those present (names only)
  - Actions' default token permissions

  --repo owner/name           the repository (default: $GITHUB_REPOSITORY)
  --app-id N                  the opsgate App's numeric id: the approval status must be pinned to it
  --format F                  text (default) or json
  --environment NAME          the environment holding the SSH key and allowed secrets (default: production)
  --app-environment NAME      the environment holding the App key (default: opsgate)
  --lint-check NAME           the required status check of opsgate lint (default: "lint / lint")

environment: GITHUB_TOKEN (never printed; needs read access to administration,
environments, secrets, actions and variables), GITHUB_REPOSITORY, GITHUB_API_URL
exit codes: 0 every check ok, 1 a problem (or a setting that could not be read), 2 usage
`;

export const ARGS = {
  usage: USAGE,
  help: HELP,
  options: {
    repo: { type: 'string', check: is.matches('owner/name', /^[\w.-]+\/[\w.-]+$/) },
    'app-id': { type: 'string', check: is.matches("the App's numeric id", /^[1-9]\d{0,12}$/) },
    format: { type: 'string', check: is.oneOf(['text', 'json']) },
    environment: { type: 'string', check: is.matches('an environment name', /^[\w. -]{1,255}$/) },
    'app-environment': { type: 'string', check: is.matches('an environment name', /^[\w. -]{1,255}$/) },
    'lint-check': { type: 'string', check: is.given('the name of the lint status check') },
  },
} as const;

export const doctorCommand: Command = async (ctx) => {
  const { values: v } = parseCommandArgs(ctx.argv, ARGS);
  const repository = v.repo ?? ctx.env.GITHUB_REPOSITORY ?? '';
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository)) throw new UsageError(repository ? `--repo '${repository}' is not owner/name` : 'which repository? give --repo owner/name (or GITHUB_REPOSITORY)', USAGE);
  if (v['app-id'] !== undefined && !/^[1-9]\d{0,12}$/.test(v['app-id'])) throw new UsageError(`--app-id must be the App's numeric id, not '${v['app-id']}'`, USAGE);
  const format = v.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not '${format}'`, USAGE);
  for (const k of ['environment', 'app-environment'] as const) if (v[k] !== undefined && !/^[\w. -]{1,255}$/.test(v[k]!)) throw new UsageError(`--${k} '${v[k]}' is not an environment name`, USAGE);

  const { createGitHubClient } = await import('../github/client.ts');
  const { readRepositorySettings } = await import('../github/settings.ts');
  const { checkSettings, renderDoctorText } = await import('../doctor/checks.ts');
  const { statusContext } = await import('../gate/status-context.ts');
  const { leaseBranch } = await import('../land/manifest.ts');
  const { allowedSecretNames } = await import('../rules/secret-names.ts');
  const { readRepo } = await import('../repo/read-repo.ts');

  const token = ctx.env.GITHUB_TOKEN || undefined;
  const octokit = createGitHubClient({
    ...(token ? { token } : {}),
    baseUrl: ctx.env.GITHUB_API_URL || 'https://api.github.com',
    writeSpacingMs: 0,
    warn: (m) => ctx.stderr.write(`opsgate: ${m}\n`),
    ...(ctx.env.OPSGATE_GITHUB_RETRY_UNIT_MS && /^\d+$/.test(ctx.env.OPSGATE_GITHUB_RETRY_UNIT_MS) ? { retryUnitMs: Number(ctx.env.OPSGATE_GITHUB_RETRY_UNIT_MS) } : {}),
  });
  const settings = await readRepositorySettings(octokit, repository, { leaseBranch: leaseBranch('apply') });
  if ('unreadable' in settings) {
    ctx.stderr.write(`opsgate: ${settings.unreadable}\n`);
    return ExitCode.findings;
  }
  const repo = await readRepo(ctx.root).catch(() => undefined);
  const organisation = repo?.one('organisation')?.data;
  const checks = checkSettings(settings, {
    statusContext: statusContext(settings.defaultBranch),
    lintCheck: v['lint-check'] ?? 'lint / lint',
    ...(v['app-id'] !== undefined ? { appId: Number(v['app-id']) } : {}),
    environment: v.environment ?? 'production',
    appEnvironment: v['app-environment'] ?? 'opsgate',
    sshKeySecret: 'OPSGATE_SSH_KEY',
    appKeySecret: 'OPSGATE_APP_PRIVATE_KEY',
    allowedSecrets: allowedSecretNames(organisation),
    ...(repo ? { organisationFile: singletonFileOf(repo, 'organisation') } : {}),
    leaseBranch: leaseBranch('apply'),
  });
  if (format === 'json') ctx.stdout.write(JSON.stringify({ repository, default_branch: settings.defaultBranch, ok: checks.every((c) => c.status === 'ok'), checks }, null, 2) + '\n');
  else ctx.stdout.write(renderDoctorText(repository, settings.defaultBranch, checks));
  return checks.every((c) => c.status === 'ok') ? ExitCode.clean : ExitCode.findings;
};
