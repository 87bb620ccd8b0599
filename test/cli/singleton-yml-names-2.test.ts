import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isGroup, renderGroupHelp, renderHelp } from '../../scripts/commands/args.ts';
import { commands } from '../../scripts/commands/index.ts';
import { startGitHubServer, type GitHubServer } from '../github-server/server.ts';
import { recommendedSettings, settingsRoutes, type SettingsStore } from '../github-server/routes-settings.ts';
import { runCliAt, SINGLETON_YAML } from './yml-spelling-harness.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';
import { openIncident, orgFiles } from '../incident/org.ts';
import { change } from '../rules/fixture-docs.ts';

/**
 * The rest of the class test/cli/singleton-yml-names.test.ts covers: every command reads a singleton policy spelled
 * .yml (scripts/repo/singleton-path.ts), so what apply, handover, incident, incidents watch, secrets and doctor tell
 * the reader names that file too, never a policies/<name>.yaml the repository does not have. The help texts that
 * name a singleton policy say it may be .yml.
 */
const ONCALL = `id: oncall
rotations:
  - {id: primary, title: 一线, members: [alice, bob], shift: {start: 2026-11-01T08:00:00+08:00, hours: 12}}
handover: {rotation: primary, since: 2026-11-01T20:00:00+08:00}
`;
const ALERTS = '\nalerts:\n  level_label: severity\n  levels: {critical: 1, major: 2}\n  default_level: 2\n';
const NOTIFY = '\nnotify:\n  channels:\n    - {id: dt, type: dingtalk, url_env: DT_URL}\n';
/** Open, reported at 00:12 and never acknowledged: at 00:30 duties are due. */
const OPEN_INCIDENT = openIncident();
/** On stg-01 (staging: no window applies), naming a secret the organisation does not allow. */
const CHANGE_WITH_SECRET = change({ targets: '{ hosts: [stg-01] }', risk: 'low' }).replace(
  'steps:\n  - { id: restart, kind: run, argv: [systemctl, restart, nginx] }',
  'steps:\n  - { id: restart, kind: run, argv: [systemctl, restart, nginx], env: { TOKEN: "${{ secrets.DEPLOY_TOKEN }}" } }',
);
const ORGANISATION = (secrets: string) => `id: organisation\nname: 云帆科技\ndefault_language: zh-CN\nallowed_secrets: [${secrets}]\n`;
const ALERT_PAYLOAD = {
  version: '4',
  groupKey: '{}:{alertname="x"}',
  status: 'firing',
  receiver: 'opsgate',
  groupLabels: {},
  commonLabels: {},
  commonAnnotations: {},
  externalURL: 'http://alertmanager',
  truncatedAlerts: 0,
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'MysqlDown', severity: 'critical' },
      annotations: {},
      startsAt: '2026-11-30T11:50:00+08:00',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus',
      fingerprint: 'a1b2c3d4e5f60718',
    },
  ],
};
const NOW = '2026-11-11T00:30:00+08:00';

const roots: string[] = [];
afterEach(async () => {
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true });
});

/**
 * The incident tests' organisation (every schema) with its calendar and SLA policy spelled .yml, `sla` appended to
 * the SLA policy, and `extra` (a .yml path: the policy the test is about).
 */
async function ymlRepo(extra: Record<string, string> = {}, sla = ''): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'og-yml-names-2-'));
  roots.push(root);
  await cp(path.join(repoRoot, 'schemas'), path.join(root, 'schemas'), { recursive: true });
  const files: Record<string, string> = { ...orgFiles(), ...extra };
  files['policies/sla.yml'] = files['policies/sla.yaml']! + sla;
  files['policies/calendar.yml'] = files['policies/calendar.yaml']!;
  delete files['policies/sla.yaml'];
  delete files['policies/calendar.yaml'];
  for (const [f, t] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, f)), { recursive: true });
    await writeFile(path.join(root, f), t);
  }
  return root;
}

const cli = (root: string, args: string[], env: NodeJS.ProcessEnv = {}) => runCliAt(root, args, NOW, env);

describe('apply names the organisation the repository has', () => {
  it('apply.secret-not-allowed: message and hint name policies/organisation.yml', async () => {
    const root = await ymlRepo({ 'policies/organisation.yml': ORGANISATION('OTHER_URL'), 'changes/2026/CHG-2026-0001.yaml': CHANGE_WITH_SECRET });
    const git = (...args: string[]) => execFileSync('git', ['-C', root, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { stdio: 'ignore' });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'an organisation spelled .yml');
    const r = await cli(root, ['apply', 'CHG-2026-0001'], { DEPLOY_TOKEN: 't' });
    expect(r.code).toBe(1);
    expect(r.err).toContain('apply.secret-not-allowed  secret DEPLOY_TOKEN is not in allowed_secrets of policies/organisation.yml');
    expect(r.err).toContain('hint: list it in allowed_secrets of policies/organisation.yml');
    expect(r.out + r.err).not.toMatch(SINGLETON_YAML);
  });
});

describe('handover new names policies/oncall.yml', () => {
  it('an oncall.yml that does not load: policies/oncall.yml is missing or invalid', async () => {
    const root = await ymlRepo({ 'policies/oncall.yml': 'id: oncall\nrotations: 3\n' });
    const r = await cli(root, ['handover', 'new', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('policies/oncall.yml is missing or invalid');
    expect(r.out + r.err).not.toMatch(SINGLETON_YAML);
  });

  it("no such rotation: no rotation 'nights' in policies/oncall.yml", async () => {
    const root = await ymlRepo({ 'policies/oncall.yml': ONCALL });
    const r = await cli(root, ['handover', 'new', '--dry-run', '--rotation', 'nights']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("no rotation 'nights' in policies/oncall.yml");
    expect(r.out + r.err).not.toMatch(SINGLETON_YAML);
  });

  it('no oncall policy at all: policies/oncall.yaml, the file to create', async () => {
    const root = await ymlRepo();
    const r = await cli(root, ['handover', 'new', '--dry-run']);
    expect(r.err).toContain('policies/oncall.yaml is missing or invalid');
  });
});

describe('incident open --from-alertmanager names policies/sla.yml', () => {
  const open = async (root: string, payload: unknown = ALERT_PAYLOAD) => {
    await writeFile(path.join(root, 'payload.json'), JSON.stringify(payload, null, 2));
    return cli(root, ['incident', 'open', '--from-alertmanager', 'payload.json', '--dry-run']);
  };

  it('an sla.yml that does not load: policies/sla.yml is missing or invalid', async () => {
    const root = await ymlRepo({}, 'levels: 3\n');
    const r = await open(root);
    expect(r.code).toBe(2);
    expect(r.err).toContain('policies/sla.yml is missing or invalid');
    expect(r.out + r.err).not.toMatch(SINGLETON_YAML);
  });

  it('alert.no-mapping: policies/sla.yml has no alerts: mapping; add alerts: to policies/sla.yml', async () => {
    const r = await open(await ymlRepo());
    expect(r.err).toContain('alert.no-mapping');
    expect(r.err).toContain('policies/sla.yml has no alerts: mapping');
    expect(r.err).toContain('add alerts: to policies/sla.yml');
    expect(r.out + r.err).not.toMatch(SINGLETON_YAML);
  });

  it('alert.no-instance: the hint says to set alerts.instance_label in policies/sla.yml', async () => {
    const r = await open(await ymlRepo({}, ALERTS));
    expect(r.err).toContain('alert.no-instance');
    expect(r.err).toContain('set alerts.instance_label in policies/sla.yml');
    expect(r.out + r.err).not.toMatch(SINGLETON_YAML);
  });
});

describe('incidents watch names policies/sla.yml', () => {
  it('no notify channels in policies/sla.yml', async () => {
    const r = await cli(await ymlRepo(), ['incidents', 'watch', '--dry-run']);
    expect(r.out).toContain('no notify channels in policies/sla.yml: nothing to do');
    expect(r.out + r.err).not.toMatch(SINGLETON_YAML);
  });

  it('--retry-channel: no channel nope in policies/sla.yml notify.channels', async () => {
    const r = await cli(await ymlRepo({}, NOTIFY), ['incidents', 'watch', '--dry-run', '--retry-channel', 'nope']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('no channel nope in policies/sla.yml notify.channels');
    expect(r.out + r.err).not.toMatch(SINGLETON_YAML);
  });

  it('a disabled channel: nothing is sent to it until its entry in policies/sla.yml or its secrets change', async () => {
    const root = await ymlRepo({ 'incidents/2026/INC-2026-0001.yaml': OPEN_INCIDENT }, NOTIFY);
    const r = await cli(root, ['incidents', 'watch']);
    expect(r.out).toMatch(/^disabled {3}dt \(dingtalk\)/m);
    expect(r.out).toContain('until its entry in policies/sla.yml or its secrets change');
    expect(r.out + r.err).not.toMatch(SINGLETON_YAML);
  });
});

describe('secrets list names policies/organisation.yml', () => {
  it('a reserved name in allowed_secrets: policies/organisation.yml: allowed_secrets: …', async () => {
    const root = await ymlRepo({ 'policies/organisation.yml': ORGANISATION('GITHUB_TOKEN') });
    const r = await cli(root, ['secrets', 'list']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('policies/organisation.yml: allowed_secrets: ');
    expect(r.out + r.err).not.toMatch(SINGLETON_YAML);
  });
});

describe('doctor names policies/organisation.yml', () => {
  const TOKEN = 'ghs_D0ct0rT0kenNeverPrinted00000000000';
  const REPO = 'yunfan-tech/ops-policies';
  let server: GitHubServer;
  const store: SettingsStore = new Map();
  beforeAll(async () => {
    server = await startGitHubServer({ token: TOKEN });
    server.route(...settingsRoutes(store));
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('an allowed secret not set in production: allowed by policies/organisation.yml but not set', async () => {
    store.set(REPO, recommendedSettings(918273));
    server.repo(REPO);
    const root = await ymlRepo({ 'policies/organisation.yml': ORGANISATION('REDIS_PASSWORD_NOT_SET') });
    const r = await cli(root, ['doctor', '--repo', REPO, '--app-id', '918273'], { GITHUB_TOKEN: TOKEN, GITHUB_API_URL: server.url, OPSGATE_GITHUB_RETRY_UNIT_MS: '1' });
    expect(r.out).toContain('allowed by policies/organisation.yml but not set in "production": REDIS_PASSWORD_NOT_SET');
    expect(r.out + r.err).not.toMatch(SINGLETON_YAML);
  });
});

describe('help that names a singleton policy says it may be spelled .yml', () => {
  /** `policies/<singleton>.yaml` not followed by "or .yml" (with or without a parenthesis). */
  const YAML_ONLY = /policies\/(calendar|approval|organisation|sla|oncall)\.yaml(?! \(?or \.yml)/g;
  // init creates the .yaml files and demo runs on the sample organisation's: their help names those files.
  const named = Object.entries(commands).filter(([name]) => !['init', 'demo'].includes(name));

  it.each(named.map(([name]) => name))('%s', async (name) => {
    const c = commands[name]!;
    const spec = await c.args();
    const texts = [c.summary, ...(isGroup(spec) ? [renderGroupHelp(spec), ...Object.values(spec.subcommands).map((s) => renderHelp(s))] : [renderHelp(spec)])];
    expect(texts.flatMap((t) => t.match(YAML_ONLY) ?? [])).toEqual([]);
  });
});

describe('the fixtures', () => {
  it('have no policies/*.yaml singleton to name', async () => {
    const root = await ymlRepo();
    await expect(readFile(path.join(root, 'policies/sla.yaml'), 'utf8')).rejects.toThrow();
  });
});
