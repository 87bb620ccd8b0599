import { appendFile } from 'node:fs/promises';
import type { Command, CommandContext } from './context.ts';
import { oneOf, parseCommandArgs } from './args.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import { allowedSecretNames, checkAllowedSecrets, SECRET_SLOTS } from '../rules/secret-names.ts';

const USAGE = `usage: opsgate secrets list [--format text|json]
       opsgate secrets export --null`;

const HELP = `${USAGE}

The workflows pass a change only the secrets the policy allows
(allowed_secrets in policies/organisation.yaml), never all of them.

  list     the allowed names (never values). With GITHUB_OUTPUT set, also writes
           names=<JSON list>, which the reusable workflows map onto the slots
           OPSGATE_SECRET_1…${SECRET_SLOTS}.
  export   reads OPSGATE_SECRET_NAMES and the slots, checks the names are exactly
           the policy's, and prints NAME=value records separated by NUL bytes for
           the step's shell to export (refuses to print to a terminal).

exit codes: 0 done, 2 the policy lists a name that can never be passed, or more
than ${SECRET_SLOTS}, or the names handed over differ from the policy's
`;

const SPEC = { usage: USAGE, help: HELP, positionals: { min: 1, max: 1, name: 'a subcommand: list or export' }, options: { format: { type: 'string' }, null: { type: 'boolean' } } } as const;

async function policyNames(ctx: CommandContext): Promise<string[]> {
  const { readRepo } = await import('../repo/read-repo.ts');
  const repo = await readRepo(ctx.root);
  const names = allowedSecretNames(repo.one('organisation')?.data);
  const problems = checkAllowedSecrets(names);
  if (problems.length) throw new UsageError(`policies/organisation.yaml: allowed_secrets: ${problems.join('; ')}`, 'fix the list by pull request');
  return names;
}

export const secretsCommand: Command = async (ctx) => {
  const { values, positionals } = parseCommandArgs(ctx.argv, SPEC);
  const sub = positionals[0]!;
  if (sub === 'list') {
    const format = oneOf('format', values.format, ['text', 'json'], USAGE) ?? 'text';
    const names = await policyNames(ctx);
    ctx.stdout.write(format === 'json' ? JSON.stringify(names) + '\n' : names.length ? names.join('\n') + '\n' : '(the policy allows no secrets)\n');
    if (ctx.env.GITHUB_OUTPUT) await appendFile(ctx.env.GITHUB_OUTPUT, `names=${JSON.stringify(names)}\ncount=${names.length}\n`);
    return ExitCode.clean;
  }
  if (sub === 'export') {
    if (!values.null) throw new UsageError('export prints secret values: give --null, and capture its output, never show it', USAGE);
    if (ctx.stdout.isTTY) throw new UsageError('refusing to print secret values to a terminal', USAGE);
    const names = await policyNames(ctx);
    let handed: unknown;
    try {
      handed = JSON.parse(ctx.env.OPSGATE_SECRET_NAMES ?? '[]');
    } catch {
      handed = undefined;
    }
    if (!Array.isArray(handed) || JSON.stringify(handed) !== JSON.stringify(names)) {
      throw new UsageError(`OPSGATE_SECRET_NAMES is not the policy's list (${JSON.stringify(names)})`, "map it from 'opsgate secrets list' in the same job");
    }
    const out: string[] = [];
    for (const [i, name] of names.entries()) {
      const value = ctx.env[`OPSGATE_SECRET_${i + 1}`];
      if (value) out.push(`${name}=${value}\0`);
      else ctx.stderr.write(`opsgate: secret ${name} is allowed by the policy but not set for this job (add it to the environment's secrets)\n`);
    }
    ctx.stdout.write(out.join(''));
    return ExitCode.clean;
  }
  throw new UsageError(`unknown subcommand '${sub}'`, USAGE);
};
