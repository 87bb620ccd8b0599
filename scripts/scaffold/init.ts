/**
 * `opsgate init DIR`: the files of a new organisation's repository. Pure: from
 * the options and the package's own sources (skeleton, schemas, workflow
 * templates) to a list of files; scripts/commands/init.ts reads and writes.
 */
import type { DocumentKind } from '../repo/kinds.ts';
import { renderTeamReadme } from './init-readme.ts';

export interface InitOptions {
  /** The organisation's name, printed in reports. */
  name: string;
  /** IANA time zone of policies/calendar.yaml. */
  timezone: string;
  language: 'en' | 'zh-CN';
  /** `owner/name` of the repository holding opsgate's reusable workflows; placeholders stay when absent. */
  opsgateRepository?: string;
  /** Full commit SHA of it. */
  opsgateCommit?: string;
  /** The branch pull requests target (the workflows' `branches:` filters). */
  defaultBranch: string;
  /** The npm dependency spec for opsgate in the new package.json, e.g. `^0.1.0`. */
  opsgateVersion: string;
}

export interface InitSources {
  /** Skeleton documents by repository path (scripts/scaffold/init/organisation/). */
  skeleton: Record<string, string>;
  /** schemas/*.schema.json by file name. */
  schemas: Record<string, string>;
  /** Workflow trigger files by file name (scripts/scaffold/init/workflows/). */
  workflows: Record<string, string>;
  dependabot: string;
}

export interface InitFile {
  path: string;
  content: string;
}

/**
 * Where the editor finds each kind's schema: each kind's files without their extension (yaml-language-server globs).
 * A new kind fails the typecheck until it is here.
 */
const KIND_STEMS = {
  host: 'inventory/hosts/*',
  group: 'inventory/groups/*',
  organisation: 'policies/organisation',
  approval: 'policies/approval',
  calendar: 'policies/calendar',
  sla: 'policies/sla',
  oncall: 'policies/oncall',
  baseline: 'policies/baselines/*',
  'backup-policy': 'policies/backup/*',
  advisory: 'policies/advisories/*',
  person: 'policies/access/people/*',
  role: 'policies/access/roles/*',
  grant: 'policies/access/grants/*',
  'access-review': 'policies/access/reviews/*',
  exception: 'policies/exceptions/*',
  contact: 'policies/contacts/*',
  'monthly-notes': 'reports/notes/*',
  change: 'changes/*/*',
  incident: 'incidents/[0-9][0-9][0-9][0-9]/*',
  handover: 'incidents/handovers/*/*',
  runbook: '',
} satisfies Record<DocumentKind, string>;

/** Lint reads every YAML kind spelled either way (scripts/repo/kinds.ts), so the editor maps each schema to both. */
const SPELLINGS = ['.yaml', '.yml'] as const;

export function renderVscodeSettings(schemaNames: readonly string[]): string {
  const schemas: Record<string, string[]> = {};
  for (const [kind, stem] of Object.entries(KIND_STEMS)) {
    if (stem && schemaNames.includes(`${kind}.schema.json`)) schemas[`./schemas/${kind}.schema.json`] = SPELLINGS.map((ext) => stem + ext);
  }
  return JSON.stringify({ 'yaml.schemas': schemas, 'yaml.validate': true, 'files.associations': { '*.yaml': 'yaml' } }, null, 2) + '\n';
}

const GITHUB_REPO = /^[A-Za-z0-9][A-Za-z0-9-]{0,38}\/[A-Za-z0-9._-]{1,100}$/;
const COMMIT = /^[0-9a-f]{40}$/;

/** Problems with the options, as messages; empty when usable. Pure. */
export function checkInitOptions(o: InitOptions): string[] {
  const problems: string[] = [];
  if (!o.name.trim()) problems.push('--name must not be empty');
  if (!/^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$/.test(o.defaultBranch) || o.defaultBranch.includes('..')) problems.push(`--default-branch must be a branch name, not '${o.defaultBranch}'`);
  if (o.opsgateRepository !== undefined && !GITHUB_REPO.test(o.opsgateRepository)) problems.push(`--opsgate-repository must be OWNER/NAME, not '${o.opsgateRepository}'`);
  if (o.opsgateCommit !== undefined && !COMMIT.test(o.opsgateCommit)) problems.push(`--opsgate-commit must be a full 40-character commit SHA, not '${o.opsgateCommit}'`);
  return problems;
}

/** Every file of the new repository, sorted by path. Pure. */
export function planInit(o: InitOptions, src: InitSources): InitFile[] {
  const files: InitFile[] = [];
  const yamlString = (s: string) => JSON.stringify(s);
  for (const [p, text] of Object.entries(src.skeleton)) {
    files.push({ path: p, content: text.replaceAll('__ORG_NAME__', yamlString(o.name)).replaceAll('__TIMEZONE__', o.timezone).replaceAll('__LANGUAGE__', o.language) });
  }
  for (const [name, text] of Object.entries(src.schemas)) files.push({ path: `schemas/${name}`, content: text });
  for (const [name, text] of Object.entries(src.workflows)) {
    let t = text;
    if (o.opsgateRepository) t = t.replaceAll('OPSGATE_REPOSITORY/', `${o.opsgateRepository}/`);
    if (o.opsgateCommit) t = t.replaceAll('@OPSGATE_COMMIT', `@${o.opsgateCommit}`);
    t = t.replaceAll('branches: [main]', `branches: [${JSON.stringify(o.defaultBranch)}]`);
    files.push({ path: `.github/workflows/${name}`, content: t });
  }
  files.push({ path: '.github/dependabot.yml', content: src.dependabot });
  files.push({ path: '.vscode/settings.json', content: renderVscodeSettings(Object.keys(src.schemas)) });
  files.push({ path: '.gitignore', content: 'node_modules/\ndemo-output/\n' });
  files.push({
    path: 'package.json',
    content:
      JSON.stringify(
        {
          name: slug(o.name) || 'ops-policies',
          private: true,
          type: 'module',
          description: `${o.name}: operations policies, inventory, changes and evidence, enforced by opsgate`,
          scripts: { lint: 'opsgate lint', plan: 'opsgate plan', report: 'opsgate report audit' },
          dependencies: { opsgate: o.opsgateVersion },
        },
        null,
        2,
      ) + '\n',
  });
  files.push({ path: 'README.md', content: renderTeamReadme(o, { placeholders: !o.opsgateRepository || !o.opsgateCommit }) });
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
}
