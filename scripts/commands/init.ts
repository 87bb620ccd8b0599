import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { IANAZone } from 'luxon';
import { DEFAULT_ZONE } from '../calendar/zone.ts';
import { codePath } from '../model/code-root.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import { readVersion } from '../model/version.ts';
import { checkInitOptions, planInit, type InitOptions, type InitSources } from '../scaffold/init.ts';
import type { CommandContext } from './context.ts';
import { is, oneOf, parseCommandArgs } from './args.ts';

const USAGE = 'usage: opsgate init DIR [--name NAME] [--timezone ZONE] [--language en|zh-CN] [--default-branch B] [--opsgate-repository OWNER/NAME --opsgate-commit SHA]';
const HELP = `${USAGE}

Creates a new organisation's repository in DIR (new, or empty but for .git): skeleton
policies with explanatory comments, the schemas, the GitHub workflows calling opsgate's
reusable workflows, .vscode/settings.json mapping every folder to its schema, a
package.json depending on this opsgate, and a README for the team. Writes nothing when
any of those files exists already. \`opsgate lint --root DIR\` is clean afterwards.

  --name NAME                 the organisation's name (default: DIR's name)
  --timezone ZONE             IANA time zone of policies/calendar.yaml (default: UTC)
  --language L                en (default) or zh-CN: the reports' default language
  --default-branch B          the branch pull requests target (default: main)
  --opsgate-repository O/N    the GitHub repository holding opsgate's reusable workflows
  --opsgate-commit SHA        the full commit SHA the workflows are pinned to
                              (without both, the workflows keep the placeholders
                              OPSGATE_REPOSITORY and OPSGATE_COMMIT, and the README says so)

exit codes: 0 written, 2 usage or a file exists already, 3 internal error
`;
export const ARGS = {
  usage: USAGE,
  help: HELP,
  positionals: { min: 1, max: 1, name: 'the directory to create the repository in' },
  options: {
    name: { type: 'string', check: is.given('a name') },
    'default-branch': { type: 'string', check: is.matches('a branch name', /^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/) },
    timezone: { type: 'string', check: is.zone },
    language: { type: 'string', check: is.oneOf(['en', 'zh-CN']) },
    'opsgate-repository': { type: 'string', check: is.matches('OWNER/NAME', /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/) },
    'opsgate-commit': { type: 'string', check: is.matches('a full 40-character commit SHA', /^[0-9a-f]{40}$/) },
  },
} as const;

/** Edge: the package's own skeleton, schemas and workflow templates. */
async function readInitSources(): Promise<InitSources> {
  const skeletonRoot = codePath('scripts/scaffold/init/organisation');
  const skeleton: Record<string, string> = {};
  for (const e of await readdir(skeletonRoot, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const abs = path.join(e.parentPath, e.name);
    skeleton[path.relative(skeletonRoot, abs).split(path.sep).join('/')] = await readFile(abs, 'utf8');
  }
  const readDir = async (dir: string, ext: string) =>
    Object.fromEntries(
      await Promise.all(
        (await readdir(dir))
          .filter((f) => f.endsWith(ext))
          .sort()
          .map(async (f) => [f, await readFile(path.join(dir, f), 'utf8')] as const),
      ),
    );
  return {
    skeleton,
    schemas: await readDir(codePath('schemas'), '.schema.json'),
    workflows: await readDir(codePath('scripts/scaffold/init/workflows'), '.yml'),
    dependabot: await readFile(codePath('scripts/scaffold/init/dependabot.yml'), 'utf8'),
  };
}

/** `opsgate init DIR`: a new organisation's repository, lint-clean, calling this opsgate. */
export async function initCommand(ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(ctx.argv, ARGS);
  const dir = path.resolve(ctx.root, positionals[0]!);
  const timezone = values.timezone ?? DEFAULT_ZONE;
  if (!IANAZone.isValidZone(timezone)) throw new UsageError(`--timezone must be an IANA time zone, not '${timezone}'`, 'e.g. --timezone Europe/Berlin or --timezone Asia/Shanghai');
  const options: InitOptions = {
    name: values.name ?? path.basename(dir),
    timezone,
    language: oneOf('language', values.language, ['en', 'zh-CN'] as const, USAGE) ?? 'en',
    ...(values['opsgate-repository'] !== undefined ? { opsgateRepository: values['opsgate-repository'] } : {}),
    ...(values['opsgate-commit'] !== undefined ? { opsgateCommit: values['opsgate-commit'] } : {}),
    defaultBranch: values['default-branch'] ?? 'main',
    opsgateVersion: `^${await readVersion()}`,
  };
  const problems = checkInitOptions(options);
  if ((options.opsgateRepository === undefined) !== (options.opsgateCommit === undefined)) problems.push('--opsgate-repository and --opsgate-commit go together');
  if (problems.length) throw new UsageError(problems.join('; '), USAGE);
  const files = planInit(options, await readInitSources());
  const existing = files.filter((f) => existsSync(path.join(dir, f.path))).map((f) => f.path);
  if (existing.length) {
    throw new UsageError(
      `${dir} already has ${existing.slice(0, 5).join(', ')}${existing.length > 5 ? ` and ${existing.length - 5} more` : ''}; nothing was written`,
      'init writes into a new or empty directory',
    );
  }
  for (const f of files) {
    const abs = path.join(dir, f.path);
    await mkdir(path.dirname(abs), { recursive: true });
    await writeFile(abs, f.content, { flag: 'wx' });
  }
  const rel = path.relative(process.cwd(), dir);
  const shown = rel === '' ? '.' : rel.startsWith('..') ? dir : rel;
  ctx.stdout.write(`created ${options.name}'s repository in ${shown} (${files.length} files)\n`);
  ctx.stdout.write(`next: cd ${shown} && git init && npm install && npx opsgate lint   (then read README.md)\n`);
  if (!options.opsgateRepository) ctx.stdout.write('note: the workflows name OPSGATE_REPOSITORY and OPSGATE_COMMIT; replace them before pushing (README.md says how)\n');
  return ExitCode.clean;
}
