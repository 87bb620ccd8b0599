import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyChain } from '../../scripts/records/chain.ts';
import { readRepo } from '../../scripts/repo/read-repo.ts';
import { runWatch } from '../../scripts/notify/watch.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';
import { startGitHubServer, type GitHubServer } from '../github-server/server.ts';
import { openIncident, orgFiles } from '../incident/org.ts';
import { startRobotServer, type RobotServer } from './robot-server.ts';
import { incidentsCommand } from '../../scripts/commands/incidents.ts';
import { lintCommand } from '../../scripts/commands/lint.ts';
import type { Diagnostic } from '../../scripts/model/diagnostic.ts';
import { runCommand } from '../incident/cli-harness.ts';

const SECRETS = {
  dingtalkToken: 'dt-token-7f3a9c',
  dingtalkSecret: 'SECb3d1f0a9c8e7d6c5b4a3',
  wecomKey: '693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa',
  feishuHook: 'f1e2d3c4-b5a6-4789-9abc-def012345678',
  feishuSecret: 'feishu-secret-9a8b7c',
  webhookSecret: 'whsec-5d4c3b2a1',
  dingtalkKeyword: '告警',
};
const GH_TOKEN = 'ghs_notifytesttoken0123456789abcdefABCDEF';
const NOW = Date.parse('2026-11-11T00:30:00+08:00');

const notify = (channels: string) => `
notify:
  channels:
${channels}
  handles:
    alice: {dingtalk: alice01, wecom: Alice, feishu: ou_alice, slack: UALICE}
    bob: {dingtalk: bob02, wecom: Bob, feishu: ou_bob}
  timeout_seconds: 5
  attempts: 3
  backoff_seconds: 1
`;
const ALL = `    - {id: dt, type: dingtalk, url_env: DT_URL, secret_env: DT_SECRET, keyword: 告警}
    - {id: wc, type: wecom, url_env: WC_URL}
    - {id: fs, type: feishu, url_env: FS_URL, secret_env: FS_SECRET}
    - {id: sl, type: slack, url_env: SL_URL}
    - {id: wh, type: webhook, url_env: WH_URL, secret_env: WH_SECRET}
    - {id: gh, type: github}`;

/** An open 一级 incident reported at 00:12 and never acknowledged: at 00:30 it is announced and two duties are overdue (no status update is owed before acknowledgement). */
const OPEN_INCIDENT = openIncident({ tracking: '{issue: 7}' });

let robots: RobotServer;
let github: GitHubServer;
let root: string;
const roots: string[] = [];
let env: NodeJS.ProcessEnv;
const sleeps: number[] = [];

async function writeRepo(channels = ALL, inc = OPEN_INCIDENT) {
  root = await mkdtemp(path.join(os.tmpdir(), 'og-watch-'));
  roots.push(root);
  const files: Record<string, string> = { ...orgFiles(), 'incidents/2026/INC-2026-0001.yaml': inc };
  files['policies/sla.yaml'] += notify(channels);
  files['policies/oncall.yaml'] =
    'id: oncall\nrotations:\n  - {id: primary, title: 一线, members: [alice, carol], shift: {start: 2026-11-01T08:00:00+08:00, hours: 12}}\nescalation:\n  - {after_minutes: 15, to: [bob]}\n';
  for (const [f, t] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, f)), { recursive: true });
    await writeFile(path.join(root, f), t);
  }
  await mkdir(path.join(root, 'schemas'), { recursive: true });
  for (const s of ['sla', 'incident', 'host', 'group', 'person', 'contact', 'calendar', 'oncall'])
    await writeFile(path.join(root, `schemas/${s}.schema.json`), await readFile(path.join(repoRoot, `schemas/${s}.schema.json`)));
}

async function watch(over: { now?: number; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}) {
  const repo = await readRepo(root);
  expect(repo.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  robots.clock = over.now ?? NOW;
  return runWatch({
    root,
    repo,
    now: () => over.now ?? NOW,
    env: over.env ?? env,
    dryRun: false,
    sleep: async (ms) => void sleeps.push(ms),
    timing: { timeoutMs: over.timeoutMs ?? 5000 },
    github: { retryUnitMs: 1, writeSpacingMs: 0 },
  });
}

async function recordText(): Promise<string> {
  return readFile(path.join(root, 'records/notifications/2026-11.jsonl'), 'utf8');
}

beforeAll(async () => {
  robots = await startRobotServer(SECRETS);
  github = await startGitHubServer({ token: GH_TOKEN });
  github.repo('yunfan/ops');
});
afterAll(async () => {
  await robots.stop();
  await github.stop();
});
beforeEach(async () => {
  robots.requests.length = 0;
  robots.rateLimit = {};
  sleeps.length = 0;
  env = {
    DT_URL: `${robots.url}/dingtalk/robot/send?access_token=${SECRETS.dingtalkToken}`,
    DT_SECRET: SECRETS.dingtalkSecret,
    WC_URL: `${robots.url}/wecom/cgi-bin/webhook/send?key=${SECRETS.wecomKey}`,
    FS_URL: `${robots.url}/feishu/open-apis/bot/v2/hook/${SECRETS.feishuHook}`,
    FS_SECRET: SECRETS.feishuSecret,
    SL_URL: `${robots.url}/slack/services/T000/B000/XXXX`,
    WH_URL: `${robots.url}/webhook/ok`,
    WH_SECRET: SECRETS.webhookSecret,
    GITHUB_TOKEN: GH_TOKEN,
    GITHUB_REPOSITORY: 'yunfan/ops',
    GITHUB_API_URL: github.url,
  };
  await writeRepo();
});
afterEach(async () => {
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true });
});

describe('opsgate incidents watch', () => {
  it('sends each due or overdue duty once to every channel, with the documented request of each robot', async () => {
    const first = await watch();
    const keys = [...new Set(first.results.map((r) => r.n.key))].sort();
    // 18 minutes in: the rota's 15-minute escalation step is reached, so the alarm is that step's.
    expect(keys).toEqual(['INC-2026-0001/acknowledge/overdue+15m', 'INC-2026-0001/open', 'INC-2026-0001/supervisor/overdue']);
    expect(first.results.filter((r) => r.outcome !== 'sent').map((r) => `${r.n.channel}: ${r.detail}`)).toEqual([]);
    const by = (robot: string) => robots.requests.filter((r) => r.robot === robot);
    for (const robot of ['dingtalk', 'wecom', 'feishu', 'slack', 'webhook']) {
      expect(
        by(robot).map((r) => r.status),
        robot,
      ).toEqual(Array(3).fill(robot === 'webhook' ? 204 : 200));
    }
    expect(by('dingtalk').every((r) => (r.answer as { errcode: number }).errcode === 0)).toBe(true);
    expect(by('feishu').every((r) => (r.answer as { code: number }).code === 0)).toBe(true);
    const ack = by('dingtalk')
      .map((r) => r.body as { markdown: { text: string }; at: { atUserIds: string[] } })
      .find((b) => b.markdown.text.includes('接收确认'))!;
    expect(ack.at.atUserIds).toEqual(expect.arrayContaining(['alice01', 'bob02']));
    expect(ack.markdown.text).toContain('已逾期');
    const comments = [...github.repo('yunfan/ops').comments.values()].filter((c) => c.issue === 7);
    expect(comments).toHaveLength(3);
    expect(comments[0]!.body).toMatch(/<!-- opsgate:notification INC-2026-0001\/open -->/);

    // Idempotent: a second run sends nothing.
    const before = robots.requests.length;
    const second = await watch();
    expect(second.planned).toEqual([]);
    expect(robots.requests.length).toBe(before);
    expect([...github.repo('yunfan/ops').comments.values()].filter((c) => c.issue === 7)).toHaveLength(3);

    const text = await recordText();
    const chain = verifyChain(text);
    expect(chain.ok).toBe(true);
    expect(chain.lines.filter((l) => l.type === 'notification.sent')).toHaveLength(18);
    for (const secret of [...Object.values(SECRETS), GH_TOKEN, robots.url]) expect(text).not.toContain(secret);
  });

  it('the next window brings the next duties, and only those', async () => {
    await watch();
    robots.requests.length = 0;
    const later = await watch({ now: Date.parse('2026-11-11T00:40:00+08:00') });
    expect([...new Set(later.results.map((r) => r.n.key))].sort()).toEqual(['INC-2026-0001/escalation/due', 'INC-2026-0001/leadership/due']);
  });

  it('a signature mismatch is recorded once as a permanent failure of the channel, the rest held, and sent once the secret is fixed', async () => {
    await writeRepo(ALL.split('\n').slice(0, 1).join('\n'));
    const bad = await watch({ env: { ...env, DT_SECRET: 'SECwrong' } });
    expect(bad.results.map((r) => r.outcome)).toEqual(['failed', 'held', 'held']);
    expect(robots.requests).toHaveLength(1);
    expect(bad.results[0]!.result!.attempts).toHaveLength(1);
    expect(bad.results[0]!.detail).toMatch(/^signature-rejected: DingTalk 310000 sign not match.*\(permanent: the channel/);
    const lines = verifyChain(await recordText()).lines;
    expect(lines.filter((l) => l.type === 'notification.failed').map((l) => (l as unknown as { error: { code: string } }).error.code)).toEqual(['signature-rejected']);
    expect(await recordText()).not.toContain('SECwrong');
    const fixed = await watch();
    expect(fixed.results.map((r) => r.outcome)).toEqual(['sent', 'sent', 'sent']);
  });

  it("a missing keyword and a wrong WeCom key are the robots' documented refusals", async () => {
    await writeRepo('    - {id: dt, type: dingtalk, url_env: DT_URL, secret_env: DT_SECRET}\n    - {id: wc, type: wecom, url_env: WC_URL}');
    const r = await watch({ env: { ...env, WC_URL: `${robots.url}/wecom/cgi-bin/webhook/send?key=wrong` } });
    expect(
      r.results
        .filter((x) => x.outcome === 'failed')
        .map((x) => `${x.n.channel} ${x.result?.error?.code}`)
        .sort(),
    ).toEqual(['dt security-rejected', 'wc invalid-webhook']);
    expect(r.disabled.map((d) => d.channel).sort()).toEqual(['dt', 'wc']);
  });

  it('rate limits: Feishu 11232 and Slack 429 are retried with back-off in the run; WeCom 45009 (a minute) waits for the next run', async () => {
    await writeRepo('    - {id: fs, type: feishu, url_env: FS_URL, secret_env: FS_SECRET}\n    - {id: sl, type: slack, url_env: SL_URL}\n    - {id: wc, type: wecom, url_env: WC_URL}');
    robots.rateLimit = { feishu: 1, slack: 2, wecom: 1 };
    const r = await watch();
    const of = (ch: string) => r.results.filter((x) => x.n.channel === ch);
    expect(of('fs').map((x) => x.outcome)).toEqual(['sent', 'sent', 'sent']);
    expect(of('fs')[0]!.result!.attempts.map((a) => a.code)).toEqual(['rate-limited', '0']);
    expect(of('sl')[0]!.result!.attempts.map((a) => a.code)).toEqual(['http.429', 'http.429', '200']);
    expect(sleeps).toEqual(expect.arrayContaining([1000]));
    const wc = of('wc');
    expect(wc[0]!.outcome).toBe('failed');
    expect(wc[0]!.result!.error!.code).toBe('rate-limited');
    expect(wc[0]!.result!.permanent).toBe(false);
    expect(wc.slice(1).map((x) => x.outcome)).toEqual(['sent', 'sent']);
    const next = await watch();
    expect(next.results.map((x) => `${x.n.channel} ${x.outcome}`)).toEqual(['wc sent']);
  });

  it('a webhook that hangs times out, is retried, recorded as failed, and the run ends', async () => {
    await writeRepo('    - {id: wh, type: webhook, url_env: WH_URL}');
    const r = await watch({ timeoutMs: 150, env: { ...env, WH_URL: `${robots.url}/webhook/hang` } });
    expect(r.results).toHaveLength(3);
    for (const x of r.results) {
      expect(x.outcome).toBe('failed');
      expect(x.result!.attempts.map((a) => a.code)).toEqual(['timeout', 'timeout', 'timeout']);
    }
    expect(sleeps.slice(0, 2)).toEqual([1000, 2000]);
  }, 30_000);

  it('a send that started and never finished is in doubt and never repeated', async () => {
    await writeRepo('    - {id: wh, type: webhook, url_env: WH_URL, secret_env: WH_SECRET}');
    await mkdir(path.join(root, 'records/notifications'), { recursive: true });
    const { renderRecordLine, GENESIS } = await import('../../scripts/records/chain.ts');
    const line = renderRecordLine(GENESIS, 1, { at: '2026-11-11T00:29:00+08:00', type: 'notification.sending', key: 'INC-2026-0001/open', channel: 'wh' });
    await writeFile(path.join(root, 'records/notifications/2026-11.jsonl'), line.text + '\n');
    const r = await watch();
    expect(r.results.map((x) => x.n.key)).not.toContain('INC-2026-0001/open');
    expect(r.inDoubt).toEqual(['INC-2026-0001/open@wh']);
  });

  it('a tampered record stops every send', async () => {
    await watch();
    const file = path.join(root, 'records/notifications/2026-11.jsonl');
    await writeFile(file, (await readFile(file, 'utf8')).replace('notification.sent', 'notification.sant'));
    robots.requests.length = 0;
    const r = await watch({ now: Date.parse('2026-11-11T00:40:00+08:00') });
    expect(r.brokenRecords.length).toBeGreaterThan(0);
    expect(r.results).toEqual([]);
    expect(robots.requests).toEqual([]);
  });

  it('an acknowledgement still missing is alarmed again at each escalation step the rota reaches, each step once', async () => {
    await writeRepo(ALL.split('\n').slice(0, 1).join('\n'));
    await writeFile(
      path.join(root, 'policies/oncall.yaml'),
      'id: oncall\nrotations:\n  - {id: primary, title: 一线, members: [alice, carol], shift: {start: 2026-11-01T08:00:00+08:00, hours: 12}}\nescalation:\n  - {after_minutes: 15, to: [bob]}\n  - {after_minutes: 30, to: [carol]}\n',
    );
    // Each alarm's latency counts from the moment it fell due: the acknowledgement's due time, then each step.
    const ackKeys = async (hm: string) =>
      (await watch({ now: Date.parse(`2026-11-11T${hm}:00+08:00`) })).results.filter((r) => r.n.duty === 'acknowledge').map((r) => `${r.n.key} ${r.outcome} from ${r.n.notifyAt.slice(11, 16)}`);
    expect(await ackKeys('00:18')).toEqual(['INC-2026-0001/acknowledge/overdue sent from 16:17']);
    expect(await ackKeys('00:22')).toEqual([]);
    expect(await ackKeys('00:28')).toEqual(['INC-2026-0001/acknowledge/overdue+15m sent from 16:27']);
    expect(await ackKeys('00:33')).toEqual([]);
    expect(await ackKeys('00:43')).toEqual(['INC-2026-0001/acknowledge/overdue+30m sent from 16:42']);
    expect(await ackKeys('00:43')).toEqual([]);
    expect(await ackKeys('01:30')).toEqual([]);
  });

  it('status updates are reminded from the acknowledgement on: nothing before it uses up a window', async () => {
    await writeRepo(ALL.split('\n').slice(0, 1).join('\n'));
    const updates = async (hm: string) => (await watch({ now: Date.parse(`2026-11-11T${hm}:00+08:00`) })).results.filter((r) => r.n.duty === 'update').map((r) => `${r.n.key} ${r.outcome}`);
    expect(await updates('00:22')).toEqual([]);
    const acked = OPEN_INCIDENT.replace(/^status: open$/m, 'status: open\nacknowledged_at: 2026-11-11T00:25:00+08:00');
    expect(acked).toContain('acknowledged_at');
    await writeFile(path.join(root, 'incidents/2026/INC-2026-0001.yaml'), acked);
    expect(await updates('00:30')).toEqual([]);
    expect(await updates('00:37')).toEqual(['INC-2026-0001/update#1/due sent']);
    expect(await updates('00:41')).toEqual(['INC-2026-0001/update#1/overdue sent']);
    expect(await updates('00:41')).toEqual([]);
  });

  describe('a robot that refuses for good is not retried until its channel changes', () => {
    const DT = '    - {id: dt, type: dingtalk, url_env: DT_URL, secret_env: DT_SECRET}';
    const wrongToken = () => ({ ...env, DT_URL: `${robots.url}/dingtalk/robot/send?access_token=revoked-token-1234` });
    const failedLines = async () => verifyChain(await recordText()).lines.filter((l) => l.type === 'notification.failed');

    it('an invalid token (DingTalk 300001) is recorded once; later runs send nothing and record nothing, but say so; the fixed token sends', async () => {
      await writeRepo(`${DT.slice(0, -1)}, keyword: 告警}`);
      const first = await watch({ env: wrongToken() });
      expect(first.results.map((r) => r.outcome)).toEqual(['failed', 'held', 'held']);
      expect(first.disabled).toMatchObject([{ channel: 'dt', now: true, block: { code: 'invalid-webhook' } }]);
      expect(robots.requests).toHaveLength(1);
      const recorded = await recordText();
      expect(await failedLines()).toHaveLength(1);
      expect((await failedLines())[0]).toMatchObject({
        permanent: true,
        scope: 'channel',
        fingerprint: { config: expect.stringMatching(/^[0-9a-f]{16}$/), secrets: expect.stringMatching(/^[0-9a-f]{16}$/) },
      });
      expect(recorded).not.toContain('revoked-token-1234');

      // Five minutes and ten minutes later, new duties are due: none is sent, none is recorded, each run names the channel.
      for (const hm of ['00:35', '00:40']) {
        const again = await watch({ now: Date.parse(`2026-11-11T${hm}:00+08:00`), env: wrongToken() });
        expect(again.results.length).toBeGreaterThan(0);
        expect(again.results.every((r) => r.outcome === 'held')).toBe(true);
        expect(again.disabled).toMatchObject([{ channel: 'dt', now: false, block: { key: 'INC-2026-0001/open' } }]);
      }
      expect(robots.requests).toHaveLength(1);
      expect(await recordText()).toBe(recorded);

      // The secret is corrected (a new token in DT_URL): the channel is tried again, and what is still due is sent.
      const fixed = await watch({ now: Date.parse('2026-11-11T00:40:00+08:00') });
      expect(fixed.disabled).toEqual([]);
      expect(fixed.results.length).toBeGreaterThan(0);
      expect(fixed.results.every((r) => r.outcome === 'sent')).toBe(true);
      expect(fixed.results.map((r) => r.n.key)).toContain('INC-2026-0001/open');
    });

    it('a keyword mismatch (310000) is held until the policy entry changes: adding the keyword sends', async () => {
      const saved = SECRETS.dingtalkKeyword;
      await writeRepo(DT);
      const first = await watch();
      expect(first.results.find((r) => r.outcome === 'failed')!.result!.error!.code).toBe('security-rejected');
      const requests = robots.requests.length;
      expect((await watch()).results.every((r) => r.outcome === 'held')).toBe(true);
      expect(robots.requests.length).toBe(requests);
      const sla = path.join(root, 'policies/sla.yaml');
      await writeFile(sla, (await readFile(sla, 'utf8')).replace(DT, `${DT.slice(0, -1)}, keyword: ${saved}}`));
      const fixed = await watch();
      expect(fixed.results.map((r) => r.outcome)).toEqual(['sent', 'sent', 'sent']);
    });

    it('--retry-channel tries a disabled channel again after the robot was fixed on its side', async () => {
      await writeRepo(DT);
      const saved = SECRETS.dingtalkKeyword;
      await watch();
      expect((await watch()).disabled.map((d) => d.channel)).toEqual(['dt']);
      SECRETS.dingtalkKeyword = ''; // the group owner removed the keyword from the robot's security settings
      try {
        const repo = await readRepo(root);
        const r = await runWatch({ root, repo, now: () => NOW, env, dryRun: false, sleep: async () => {}, timing: { timeoutMs: 5000 }, retryChannels: ['dt'] });
        expect(r.results.map((x) => x.outcome)).toEqual(['sent', 'sent', 'sent']);
        expect((await watch()).disabled).toEqual([]);
      } finally {
        SECRETS.dingtalkKeyword = saved;
      }
    });

    it('a transient failure (a robot that hangs) is still retried on every run, with the same configuration', async () => {
      await writeRepo('    - {id: wh, type: webhook, url_env: WH_URL, secret_env: WH_SECRET}');
      const hang = { ...env, WH_URL: `${robots.url}/webhook/hang` };
      const first = await watch({ timeoutMs: 100, env: hang });
      expect(first.disabled).toEqual([]);
      const again = await watch({ timeoutMs: 100, env: hang });
      expect(again.disabled).toEqual([]);
      expect(again.results.map((r) => r.outcome)).toEqual(['failed', 'failed', 'failed']);
      expect(again.results.flatMap((r) => r.result!.attempts.map((a) => a.code))).toEqual(Array(9).fill('timeout'));
      expect((await watch()).results.map((r) => r.outcome)).toEqual(['sent', 'sent', 'sent']);
    }, 30_000);

    it("the CLI exits 1 and names the disabled channel on every run; lint warns at the channel's entry in policies/sla.yaml until it changes", async () => {
      await writeRepo(DT);
      await watch();
      const at = '2026-11-11T00:35:00+08:00';
      const r = await runCommand(incidentsCommand, root, ['watch', '--at', at], at, env);
      expect(r.code).toBe(1);
      expect(r.out).toMatch(/^disabled {3}dt \(dingtalk\) since 2026-11-11T00:30:00\.000\+08:00: security-rejected: DingTalk 310000 keywords not in content/m);
      expect(r.out).toMatch(/held on disabled channel/);
      const json = JSON.parse((await runCommand(incidentsCommand, root, ['watch', '--dry-run', '--format', 'json', '--at', at], at, env)).out) as {
        planned: number;
        held: number;
        disabled: { channel: string }[];
      };
      expect(json).toMatchObject({ planned: 0, disabled: [{ channel: 'dt' }] });
      expect(json.held).toBeGreaterThan(0);
      expect((await runCommand(incidentsCommand, root, ['watch', '--retry-channel', 'nope'], at, env)).code).toBe(2);

      const lintFindings = async () =>
        (JSON.parse((await runCommand(lintCommand, root, ['--format', 'json'], at)).out) as { diagnostics: Diagnostic[] }).diagnostics.filter((d) => d.code === 'notify.channel-disabled');
      const sla = path.join(root, 'policies/sla.yaml');
      const text = await readFile(sla, 'utf8');
      const line = text.split('\n').findIndex((l) => l.includes('{id: dt,')) + 1;
      expect(await lintFindings()).toMatchObject([{ file: 'policies/sla.yaml', line, severity: 'warning', pointer: '/notify/channels/0' }]);
      await writeFile(sla, text.replace(DT, `${DT.slice(0, -1)}, keyword: 告警}`));
      expect(await lintFindings()).toEqual([]);
    });
  });
});
