/**
 * `npm run sample:notifications`: records/notifications/ of the sample
 * organisation's November, produced by running the real `incidents watch`
 * every 5 minutes while an incident is live (hourly while only its report or
 * feedback is outstanding), each run seeing the incidents as they stood then,
 * against local servers that answer like the DingTalk, WeCom and Feishu robots
 * (test/notify/robot-server.ts: signatures checked). The robots' URLs and
 * secrets are made up for the run and never written. Also called by
 * `npm run sample:records`, which replaces records/ as a whole. Deterministic
 * in content except the robots' made-up tokens (which are not recorded).
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { incidentAsOf } from '../incident/as-of.ts';
import { runWatch } from '../notify/watch.ts';
import { NOTIFICATION_DIR } from '../notify/records.ts';
import { readRepo } from '../repo/read-repo.ts';
import { RepoModel } from '../repo/repo-model.ts';
import type { AnyDoc } from '../repo/parse-document.ts';
import { startRobotServer } from '../../test/notify/robot-server.ts';

const FROM = Date.parse('2026-11-01T00:00:00+08:00');
const TO = Date.parse('2026-12-01T00:00:00+08:00');
const FIVE = 5 * 60_000;

/** The moments watch runs: every 5 minutes while an incident is unresolved, hourly after that until it is closed. */
function ticks(incidents: readonly { detected: number; resolved?: number; closed?: number }[]): number[] {
  const out = new Set<number>();
  for (const i of incidents) {
    const start = Math.max(FROM, Math.ceil(i.detected / FIVE) * FIVE);
    const live = Math.min(TO, (i.resolved ?? TO) + 2 * 3_600_000);
    for (let t = start; t < live; t += FIVE) out.add(t);
    for (let t = Math.ceil(live / 3_600_000) * 3_600_000; t < Math.min(TO, i.closed ?? TO); t += 3_600_000) out.add(t);
  }
  return [...out].sort((a, b) => a - b);
}

export async function replayNotifications(root: string, say: (line: string) => void = () => {}): Promise<{ sent: number; failed: number; runs: number }> {
  const secrets = {
    dingtalkToken: randomBytes(16).toString('hex'),
    dingtalkSecret: `SEC${randomBytes(24).toString('hex')}`,
    wecomKey: randomBytes(16).toString('hex'),
    feishuHook: randomBytes(16).toString('hex'),
    feishuSecret: randomBytes(16).toString('hex'),
    webhookSecret: randomBytes(16).toString('hex'),
  };
  const robots = await startRobotServer(secrets);
  try {
    await rm(path.join(root, NOTIFICATION_DIR), { recursive: true, force: true });
    const full = await readRepo(root);
    const env = {
      DINGTALK_OPS_URL: `${robots.url}/dingtalk/robot/send?access_token=${secrets.dingtalkToken}`,
      DINGTALK_OPS_SECRET: secrets.dingtalkSecret,
      WECOM_OPS_URL: `${robots.url}/wecom/cgi-bin/webhook/send?key=${secrets.wecomKey}`,
      FEISHU_LEADS_URL: `${robots.url}/feishu/open-apis/bot/v2/hook/${secrets.feishuHook}`,
      FEISHU_LEADS_SECRET: secrets.feishuSecret,
    };
    const incidents = full.all('incident');
    const moments = ticks(
      incidents.map((i) => ({
        detected: Date.parse(i.data.detected_at),
        ...(i.data.resolved_at ? { resolved: Date.parse(i.data.resolved_at) } : {}),
        ...(i.data.closed_at ? { closed: Date.parse(i.data.closed_at) } : {}),
      })),
    );
    let sent = 0;
    let failed = 0;
    for (const at of moments) {
      const docs: AnyDoc[] = full.documents.flatMap((d): AnyDoc[] => {
        if (d.kind !== 'incident') return [d];
        const data = incidentAsOf(d.data, at);
        return data ? [{ ...d, data }] : [];
      });
      robots.clock = at;
      const repo = new RepoModel(root, docs, [], full.files);
      const o = await runWatch({ root, repo, now: () => at, env, dryRun: false, sleep: async () => {} });
      for (const r of o.results) {
        if (r.outcome === 'sent') sent++;
        if (r.outcome === 'failed') failed++;
        if (r.outcome !== 'skipped') say(`${new Date(at).toISOString()}  ${r.outcome} ${r.n.key} → ${r.n.channel}`);
      }
    }
    return { sent, failed, runs: moments.length };
  } finally {
    await robots.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = path.resolve(import.meta.dirname, '../..');
  const r = await replayNotifications(root, (l) => process.stdout.write(l + '\n'));
  process.stdout.write(`${r.runs} watch runs: ${r.sent} notifications sent, ${r.failed} failed; records in ${NOTIFICATION_DIR}/\n`);
}
