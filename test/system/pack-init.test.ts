/**
 * Another organisation adopts opsgate without forking it: `npm pack` → install
 * the tarball into an empty project → `opsgate init` → the new repository lints
 * clean, and its first change plans and goes through the gate (simulated).
 * Everything runs the installed package's bin, i.e. its prebuilt bundle.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/repo-from-files.ts';

const exec = promisify(execFile);
let dir: string;
let tarball: string;
let bin: string;
let org: string;

async function run(cmd: string, args: string[], cwd: string) {
  try {
    const r = await exec(cmd, args, { cwd, env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: '', npm_config_update_notifier: 'false' }, maxBuffer: 64 << 20 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}
const opsgate = (args: string[], cwd = org) => run(process.execPath, [bin, ...args], cwd);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'og-pack-'));
  // prepack builds dist/ (ignored by git) in the checkout; the tarball goes to the temporary directory.
  const pack = await run('npm', ['pack', '--silent', '--pack-destination', dir], repoRoot);
  expect(pack.stderr + pack.stdout).not.toMatch(/npm error/);
  expect(pack.code).toBe(0);
  tarball = path.join(
    dir,
    (await readdir(dir)).find((f) => f.endsWith('.tgz'))!,
  );
  const project = path.join(dir, 'project');
  await mkdir(project);
  await writeFile(path.join(project, 'package.json'), JSON.stringify({ name: 'adopter', private: true }));
  // The packages come from npm's cache when `npm ci` filled it (offline CI), else from the registry.
  const install = await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], project);
  expect(install.stderr).not.toMatch(/npm error/);
  expect(install.code).toBe(0);
  bin = path.join(project, 'node_modules/opsgate/scripts/bin/opsgate.mjs');
  org = path.join(dir, 'acme-ops');
}, 600_000);
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm pack → install → opsgate init', () => {
  it('the tarball has the bin, its bundle, the schemas and the templates, and no sample organisation or sources', async () => {
    const files = (await run('tar', ['tzf', tarball], dir)).stdout
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'scripts/bin/opsgate.mjs',
        'dist/start.js',
        'dist/opsgate.js',
        'dist/opsgate-lint.js',
        'dist/records-worker.js',
        'dist/read-worker.js',
        'schemas/change.schema.json',
        'scripts/report/templates/report.html.hbs',
        'scripts/scaffold/init/workflows/pr.yml',
        'scripts/scaffold/init/organisation/policies/approval.yaml',
      ]),
    );
    for (const sample of ['policies/', 'inventory/', 'changes/', 'incidents/', 'records/', 'reports/', 'runbooks/', 'test/', '.github/']) {
      expect(files.filter((f) => f.startsWith(sample))).toEqual([]);
    }
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
  });

  it('the tarball is publishable as the package an initialised repository depends on', async () => {
    // This repository is the reference organisation, but `files` keeps it out of the package (above);
    // a private manifest would make `npm publish` refuse the engine every adopter installs by name.
    const manifest = JSON.parse((await run('tar', ['xzOf', tarball, 'package/package.json'], dir)).stdout) as {
      name: string;
      version: string;
      private?: boolean;
      bin: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(manifest.private).toBeUndefined();
    expect(manifest.name).toBe('opsgate');
    expect(manifest.bin.opsgate).toBe('scripts/bin/opsgate.mjs');
    // Every runtime dependency comes from the registry (no file:, link:, git or workspace specs).
    expect(Object.entries(manifest.dependencies).filter(([, v]) => !/^[~^]?\d+\.\d+\.\d+$/.test(v))).toEqual([]);
  });

  it('init writes a repository that lints clean with the installed package', async () => {
    const init = await opsgate(
      ['init', org, '--name', 'Acme Operations', '--timezone', 'Europe/Berlin', '--default-branch', 'production', '--opsgate-repository', 'acme/opsgate', '--opsgate-commit', 'a'.repeat(40)],
      dir,
    );
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    const lint = await opsgate(['lint']);
    expect(lint.stdout).toMatch(/0 error\(s\), 0 warning\(s\)/);
    expect(lint.code).toBe(0);
    // The workflows call the reusable ones by repository and commit; no placeholder is left.
    const pr = await readFile(path.join(org, '.github/workflows/pr.yml'), 'utf8');
    expect(pr).toContain(`uses: acme/opsgate/.github/workflows/reusable-lint.yml@${'a'.repeat(40)}`);
    expect(pr).not.toMatch(/OPSGATE_(REPOSITORY|COMMIT)/);
    expect(pr).toContain('branches: ["production"]');
    const settings = JSON.parse(await readFile(path.join(org, '.vscode/settings.json'), 'utf8')) as { 'yaml.schemas': Record<string, string[]> };
    expect(settings['yaml.schemas']['./schemas/change.schema.json']).toEqual(['changes/*/*.yaml', 'changes/*/*.yml']);
    expect(JSON.parse(await readFile(path.join(org, 'package.json'), 'utf8')).dependencies.opsgate).toMatch(/^\^\d+\.\d+\.\d+/);
    const packed = JSON.parse((await run('tar', ['xzOf', tarball, 'package/package.json'], dir)).stdout) as { version: string };
    expect(JSON.parse(await readFile(path.join(org, 'package.json'), 'utf8')).dependencies.opsgate).toBe(`^${packed.version}`);
    expect(await readFile(path.join(org, 'README.md'), 'utf8')).toMatch(/^# Acme Operations/);
    // Never over an existing repository.
    const again = await opsgate(['init', org], dir);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/nothing was written/);
  });

  it("the team's first change lints, plans, and passes the gate only with an eligible approval", async () => {
    await mkdir(path.join(org, 'inventory/hosts'), { recursive: true });
    await mkdir(path.join(org, 'changes/2027'), { recursive: true });
    await writeFile(path.join(org, 'policies/access/people/sam-ops.yaml'), 'id: sam-ops\nname: Sam\ngithub: sam-acme\nemail: sam@example.com\nteam: ops\nstatus: active\nssh_keys: []\n');
    await writeFile(
      path.join(org, 'inventory/hosts/web-01.yaml'),
      [
        'id: web-01',
        'address: 192.0.2.11',
        'port: 22',
        'user: opsgate',
        'host_keys:',
        '  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFssnVz8KkWcACMYgyoERKOYLzlRfYrAodSi5oQKJLvG',
        'groups: [web]',
        'env: prod',
        'criticality: medium',
        'owner_team: ops',
        '',
      ].join('\n'),
    );
    const window = { start: '2027-01-12T22:00:00+01:00', end: '2027-01-12T23:30:00+01:00' };
    await writeFile(
      path.join(org, 'changes/2027/CHG-2027-0001.yaml'),
      `id: CHG-2027-0001
title: Reload nginx with the new worker limit
type: normal
risk: medium
requester: sam-ops
implementer: sam-ops
purpose: The web servers run out of worker connections at peak.
impact: { description: nginx reloads; open connections are kept., services: [nginx], expected_downtime_minutes: 0, users_affected: none }
targets: { hosts: [web-01] }
window: { start: ${window.start}, end: ${window.end} }
prechecks:
  - { id: nginx-active, argv: [systemctl, is-active, nginx], expect: { exit_code: 0 } }
steps:
  - { id: reload, kind: run, argv: [systemctl, reload, nginx], sudo: true, idempotent: true }
verification:
  - { id: still-active, argv: [systemctl, is-active, nginx], expect: { exit_code: 0 } }
rollback:
  - { id: reload-again, kind: run, argv: [systemctl, reload, nginx], sudo: true }
rollout: { canary: 1, batch_size: 1, max_failures: 0 }
test_evidence: { summary: Tried on a staging copy. }
`,
    );
    const lint = await opsgate(['lint']);
    // Nothing at all: no Chinese official holidays asked of a Berlin calendar either.
    expect(lint.stdout).toMatch(/ 0 error\(s\), 0 warning\(s\), 0 notice\(s\)/);
    expect(lint.code).toBe(0);

    const plan = await opsgate(['plan', 'CHG-2027-0001']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('batch 1 (canary): web-01');
    expect(plan.stdout).toContain('$ sudo -n -- systemctl reload nginx');

    const sha = (c: string) => c.repeat(40);
    const facts = (reviews: object[]) => ({
      now: '2027-01-10T09:00:00Z',
      pr: {
        repository: 'acme/ops',
        number: 1,
        title: 'Reload nginx',
        author: { login: 'sam-acme', type: 'User' },
        base: { ref: 'main', sha: sha('b') },
        head: { sha: sha('a') },
        commits: [{ sha: sha('a'), author_login: 'sam-acme', committer_login: 'sam-acme' }],
        files: [{ path: 'changes/2027/CHG-2027-0001.yaml', status: 'added' }],
        documents: [
          {
            path: 'changes/2027/CHG-2027-0001.yaml',
            kind: 'change',
            status: 'added',
            envs: ['prod'],
            groups: ['web'],
            problems: [],
            change: {
              id: 'CHG-2027-0001',
              title: 'Reload nginx',
              type: 'normal',
              risk: 'medium',
              derived_risk: 'medium',
              derived_reasons: [],
              requester: 'sam-ops',
              implementer: 'sam-ops',
              targets: { hosts: ['web-01'], groups: [] },
              window,
              steps: 1,
              rollback: 1,
              prechecks: 1,
              verification: 1,
            },
          },
        ],
        reviews,
        changed_since: {},
      },
    });
    const approval = { id: 1, login: 'example-admin', user_type: 'User', state: 'APPROVED', commit_id: sha('a'), submitted_at: '2027-01-10T08:00:00Z' };
    const selfApproval = { ...approval, id: 2, login: 'sam-acme' };
    await writeFile(path.join(dir, 'approved.json'), JSON.stringify(facts([approval])));
    await writeFile(path.join(dir, 'self-approved.json'), JSON.stringify(facts([selfApproval])));
    const ok = await opsgate(['gate', '--simulate', path.join(dir, 'approved.json')]);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const self = await opsgate(['gate', '--simulate', path.join(dir, 'self-approved.json')]);
    expect(self.code).toBe(1);
  });
});
