import { appendFile } from 'node:fs/promises';
import type { Command, CommandContext } from './context.ts';
import { is, oneOf, parseSubcommand, type GroupSpec } from './args.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import { allowedSecretNames, checkAllowedSecrets, SECRET_SLOTS } from '../rules/secret-names.ts';
import { singletonFileOf } from '../rules/singleton-file.ts';

const USAGE = `usage: opsgate secrets list [--format text|json]
       opsgate secrets export --null`;

const FOOTER = `exit codes: 0 done, 2 the policy lists a name that can never be passed, or more
than ${SECRET_SLOTS}, or the names handed over differ from the policy's`;

/** `opsgate secrets list|export`: each subcommand declares exactly its options. */
export const ARGS = {
  command: 'secrets',
  footer: FOOTER,
  about: 'The workflows pass a change only the secrets the policy allows\n(allowed_secrets in policies/organisation.yaml or .yml), never all of them.',
  subcommands: {
    list: {
      summary: 'the allowed names (never values); with GITHUB_OUTPUT set, also writes names=<JSON list>',
      usage: 'usage: opsgate secrets list [--format text|json]',
      footer: FOOTER,
      about: `The allowed names (never values). With GITHUB_OUTPUT set, also writes names=<JSON list>, which the
reusable workflows map onto the slots OPSGATE_SECRET_1…${SECRET_SLOTS}.`,
      options: { format: { type: 'string', value: 'F', help: 'text (default) or json', check: is.oneOf(['text', 'json']) } },
    },
    export: {
      summary: "checks the names handed over are exactly the policy's and prints NAME=value records separated by NUL bytes (never to a terminal)",
      usage: 'usage: opsgate secrets export --null',
      footer: FOOTER,
      about: `Reads OPSGATE_SECRET_NAMES and the slots, checks the names are exactly the policy's, and prints
NAME=value records separated by NUL bytes for the step's shell to export (refuses to print to a terminal).`,
      options: { null: { type: 'boolean', help: 'NUL-separated records (required: capture the output, never show it)' } },
    },
  },
} as const satisfies GroupSpec;

async function policyNames(ctx: CommandContext): Promise<string[]> {
  const { readRepo } = await import('../repo/read-repo.ts');
  const repo = await readRepo(ctx.root);
  const names = allowedSecretNames(repo.one('organisation')?.data);
  const problems = checkAllowedSecrets(names);
  if (problems.length) throw new UsageError(`${singletonFileOf(repo, 'organisation')}: allowed_secrets: ${problems.join('; ')}`, 'fix the list by pull request');
  return names;
}

export const secretsCommand: Command = async (ctx) => {
  const { sub, values } = parseSubcommand(ctx.argv, ARGS);
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
  throw new UsageError(`unknown subcommand '${String(sub)}'`, USAGE);
};
