/** Lint names every production host that no baseline inspects, at the host file's env line, with how to fix it. */
import { describe, expect, it } from 'vitest';
import { lintRepo } from '../../scripts/rules/index.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';
import { host } from './fixture-docs.ts';

const NOW = new Date('2026-11-30T00:00:00Z');
const check = (id: string, appliesTo = '') => `  - id: ${id}
    title: ${id}
    severity: medium
    type: load
    params: { warn_at: 2, fail_at: 4 }
    rationale: capacity
    remediation: add capacity
${appliesTo ? `    applies_to: ${appliesTo}\n` : ''}`;
const baseline = (id: string, scope: string, checks: string) => `id: ${id}\ntitle: ${id}\n${scope ? `applies_to: ${scope}\n` : ''}checks:\n${checks}`;

async function lint(files: Record<string, string>) {
  const repo = await repoFromFiles(files);
  return lintRepo({ repo, now: NOW, existingFiles: new Set() })
    .filter((d) => d.code === 'inspect.prod-host-unbaselined' || d.file.startsWith('policies/baselines/'))
    .map((d) => `${d.file}:${d.line}:${d.col} ${d.code} ${d.severity}`);
}

const HOSTS = {
  'inventory/hosts/web-01.yaml': host('web-01'),
  'inventory/hosts/db-01.yaml': host('db-01', { groups: 'db' }),
  'inventory/hosts/db-09.yaml': host('db-09', { groups: 'db', env: 'staging' }),
};

describe('lint: production hosts without a baseline in scope', () => {
  it('no baseline at all: the repository does not inspect yet, and no host is named', async () => {
    expect(await lint(HOSTS)).toEqual([]);
  });

  it('a baseline that reaches only staging: every prod host, at its env line; staging hosts are not named', async () => {
    expect(await lint({ ...HOSTS, 'policies/baselines/st.yaml': baseline('st', '{ envs: [staging] }', check('load.st')) })).toEqual([
      'inventory/hosts/db-01.yaml:6:6 inspect.prod-host-unbaselined error',
      'inventory/hosts/web-01.yaml:6:6 inspect.prod-host-unbaselined error',
    ]);
  });

  it('a baseline for group web: only db-01 is reported, and the message and hint name what to change', async () => {
    const repo = await repoFromFiles({ ...HOSTS, 'policies/baselines/web.yaml': baseline('web', '{ groups: [web] }', check('load.web')) });
    const d = lintRepo({ repo, now: NOW, existingFiles: new Set() }).filter((x) => x.code === 'inspect.prod-host-unbaselined');
    expect(d.map((x) => x.file)).toEqual(['inventory/hosts/db-01.yaml']);
    expect(d[0]!.message).toBe('production host db-01 (groups db) is in scope of no baseline (web exclude it by applies_to): inspect never checks it');
    expect(d[0]!.hint).toContain("add one of its groups (db) or its id to a baseline's applies_to");
  });

  it('a baseline whose every check excludes the host does not cover it; one in-scope check does', async () => {
    const none = baseline('all', '', check('load.web-only', '{ groups: [web] }'));
    expect(await lint({ ...HOSTS, 'policies/baselines/all.yaml': none })).toEqual(['inventory/hosts/db-01.yaml:6:6 inspect.prod-host-unbaselined error']);
    const some = baseline('all', '', check('load.web-only', '{ groups: [web] }') + check('load.any'));
    expect(await lint({ ...HOSTS, 'policies/baselines/all.yaml': some })).toEqual([]);
  });

  it('a baseline naming the hosts by id covers them', async () => {
    expect(await lint({ ...HOSTS, 'policies/baselines/st.yaml': baseline('st', '{ hosts: [db-01] }', check('load.st')) })).toEqual([
      'inventory/hosts/web-01.yaml:6:6 inspect.prod-host-unbaselined error',
    ]);
    expect(await lint({ ...HOSTS, 'policies/baselines/st.yaml': baseline('st', '{ hosts: [db-01, web-01] }', check('load.st')) })).toEqual([]);
  });

  it('a baseline file that does not load: its own diagnostics, no guess about what it would have covered', async () => {
    const d = await lint({ ...HOSTS, 'policies/baselines/broken.yaml': 'id: broken\ntitle: [\n' });
    expect(d.some((x) => x.includes('inspect.prod-host-unbaselined'))).toBe(false);
    expect(d.some((x) => x.startsWith('policies/baselines/broken.yaml'))).toBe(true);
  });
});
