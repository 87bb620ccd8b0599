import { createGitHubClient } from '../github/client.ts';
import { wrapError } from '../github/scm.ts';
import { findMergingPr } from '../change/apply-facts.ts';
import type { RepoModel } from '../repo/repo-model.ts';
import { RecordWriter } from '../records/writer.ts';
import { redactSecrets } from '../ssh/redact.ts';
import { channelFingerprint, sameFingerprint, type ChannelBlock } from './channel-state.ts';
import { deliverHttp, type DeliveryResult } from './deliver.ts';
import { planNotifications } from './plan.ts';
import { notificationFile, readNotificationRecords, type NotificationStatus } from './records.ts';
import { buildRequest, githubComment } from './requests.ts';
import type { ChannelConfig, PlannedNotification } from './types.ts';
import path from 'node:path';
import { DateTime } from 'luxon';
import { calendarZone } from '../calendar/zone.ts';

export interface WatchOptions {
  root: string;
  repo: RepoModel;
  now: () => number;
  env: NodeJS.ProcessEnv;
  dryRun: boolean;
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof globalThis.fetch;
  /** Overrides policy timeout/back-off (tests). */
  timing?: { timeoutMs?: number; backoffMs?: number; maxWaitMs?: number };
  /** GitHub client tuning (tests lower the retry unit and the write spacing). */
  github?: { retryUnitMs?: number; writeSpacingMs?: number };
  /** Channels to try again although their configuration has not changed since they refused for good (the robot was fixed on its side). */
  retryChannels?: readonly string[];
}

/** A channel that refused for good and is not tried until its configuration changes. */
export interface DisabledChannel {
  channel: string;
  type: ChannelConfig['type'];
  block: ChannelBlock;
  /** Refused in this run (recorded now), or held from an earlier run's record. */
  now: boolean;
}

export interface WatchOutcome {
  planned: PlannedNotification[];
  /** `held`: due on a disabled channel; not sent and not recorded. */
  results: { n: PlannedNotification; outcome: 'sent' | 'failed' | 'skipped' | 'held'; detail: string; result?: DeliveryResult }[];
  inDoubt: string[];
  /** Channels that refused for good, and whose configuration (policy entry and secrets) has not changed since. */
  disabled: DisabledChannel[];
  /** Record files that did not verify: nothing is sent while they are broken. */
  brokenRecords: { path: string; line: number; message: string }[];
}

/**
 * `opsgate incidents watch`: read incidents and what was already sent, plan,
 * then for each notification write `sending`, send, write `sent` or `failed`.
 * Channels run in parallel, each one's messages in order (robots rate-limit
 * per robot). Edge.
 */
export async function runWatch(o: WatchOptions): Promise<WatchOutcome> {
  const { repo } = o;
  const sla = repo.one('sla')?.data;
  const zone = calendarZone(repo);
  const watched = repo.all('incident').filter((i) => i.data.status !== 'closed');
  const earliest = Math.min(o.now(), ...watched.map((i) => Date.parse(i.data.detected_at)).filter((t) => !Number.isNaN(t)));
  // A month earlier than the earliest detection: month files follow the zone, detection times carry any offset.
  const watchedIds = new Set(watched.map((i) => i.id));
  const records = await readNotificationRecords(o.root, notificationFile(earliest - 31 * 86_400_000, zone).slice(-13, -6), (id) => watchedIds.has(id));
  const brokenRecords = records.files.flatMap((f) => f.problems.map((p) => ({ path: f.path, line: p.line, message: p.message })));
  const empty: WatchOutcome = { planned: [], results: [], inDoubt: [], disabled: [], brokenRecords };
  if (!sla?.notify || brokenRecords.length) return empty;
  const notify = sla.notify;
  const secretsOf = (ch: ChannelConfig) => ({
    ...(ch.url_env && o.env[ch.url_env] ? { url: o.env[ch.url_env] } : {}),
    ...(ch.secret_env && o.env[ch.secret_env] ? { secret: o.env[ch.secret_env] } : {}),
  });
  // The github channel's secrets are the repository's name and whether a token is there (the token itself changes every run).
  const githubSecrets = { ...(o.env.GITHUB_REPOSITORY ? { url: o.env.GITHUB_REPOSITORY } : {}), ...(o.env.GITHUB_TOKEN ? { secret: 'present' } : {}) };
  const fingerprints = new Map(notify.channels.map((ch) => [ch.id, channelFingerprint(ch, ch.type === 'github' ? githubSecrets : secretsOf(ch))] as const));
  const { keys: state, rejected, blocked } = records.state;
  // Refused for good under the configuration this run has: neither the channel nor the message is tried again.
  const retry = new Set(o.retryChannels ?? []);
  const disabled: DisabledChannel[] = notify.channels.flatMap((ch) => {
    const block = blocked.get(ch.id);
    return block && !retry.has(ch.id) && sameFingerprint(block.fingerprint, fingerprints.get(ch.id)) ? [{ channel: ch.id, type: ch.type, block, now: false }] : [];
  });
  const done = new Set<string>();
  for (const [k, s] of state) if (s !== 'failed') done.add(k);
  for (const [k, fp] of rejected) if (!retry.has(k.slice(k.lastIndexOf('@') + 1)) && sameFingerprint(fp, fingerprints.get(k.slice(k.lastIndexOf('@') + 1)))) done.add(k);
  const now = o.now();
  const logins = new Map(
    repo
      .all('person')
      .filter((p) => p.data.github)
      .map((p) => [p.id, p.data.github!] as const),
  );
  const incidents = watched;
  const due = planNotifications({ incidents, sla: sla, ...(repo.one('oncall') ? { oncall: repo.one('oncall')!.data } : {}), githubLogins: logins, now, zone, done });
  const isHeld = (n: PlannedNotification) => disabled.some((d) => d.channel === n.channel);
  const planned = due.filter((n) => !isHeld(n));
  const heldResults = due.filter(isHeld).map((n) => ({ n, outcome: 'held' as const, detail: heldDetail(disabled.find((d) => d.channel === n.channel)!.block) }));
  const open = new Set(incidents.filter((i) => i.data.status !== 'closed').map((i) => i.id));
  const inDoubt = [...state].filter(([k, s]) => s === ('in-doubt' satisfies NotificationStatus) && open.has(k.split('/')[0]!)).map(([k]) => k);
  if (o.dryRun) return { planned, results: [...planned.map((n) => ({ n, outcome: 'skipped' as const, detail: 'dry run' })), ...heldResults], inDoubt, disabled, brokenRecords };
  if (!planned.length) return { planned, results: heldResults, inDoubt, disabled, brokenRecords };

  const stamp = (ms: number) => DateTime.fromMillis(ms, { zone }).toISO()!;
  const writer = await RecordWriter.open(path.join(o.root, notificationFile(now, zone)));
  let queue = Promise.resolve();
  const append = (event: Record<string, unknown> & { type: string }) => {
    const p = queue.then(() => writer.append({ at: stamp(o.now()), ...event }).then(() => undefined));
    queue = p.catch(() => undefined);
    return p;
  };
  const byChannel = new Map<string, PlannedNotification[]>();
  for (const n of planned) byChannel.set(n.channel, [...(byChannel.get(n.channel) ?? []), n]);
  const results: WatchOutcome['results'] = [...heldResults];
  const allSecrets = [...notify.channels.flatMap((c) => Object.values(secretsOf(c))), o.env.GITHUB_TOKEN ?? ''].filter((s): s is string => !!s);
  const options = {
    timeoutMs: o.timing?.timeoutMs ?? (notify.timeout_seconds ?? 10) * 1000,
    attempts: notify.attempts ?? 3,
    backoffMs: o.timing?.backoffMs ?? (notify.backoff_seconds ?? 2) * 1000,
    maxWaitMs: o.timing?.maxWaitMs ?? 30_000,
    secrets: allSecrets,
    now: o.now,
    sleep: o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
    ...(o.fetch ? { fetch: o.fetch } : {}),
  };

  try {
    await Promise.all(
      [...byChannel].map(async ([channelId, list]) => {
        const ch = notify.channels.find((c) => c.id === channelId)!;
        const secrets = secretsOf(ch);
        const fingerprint = fingerprints.get(channelId)!;
        let refused: ChannelBlock | undefined;
        for (const n of list) {
          if (refused) {
            // The channel refused for good a moment ago: the rest of its messages would meet the same answer.
            results.push({ n, outcome: 'held', detail: heldDetail(refused) });
            continue;
          }
          let result: DeliveryResult;
          let thread = n.thread;
          if (ch.type === 'github') {
            thread ??= (await findMergingPr(o.root, repo.get('incident', n.incident)?.file ?? '')).pr;
            if (!thread) {
              results.push({ n, outcome: 'skipped', detail: 'no pull request or issue to comment on (set tracking.pull_request or tracking.issue)' });
              continue;
            }
          }
          await append({
            type: 'notification.sending',
            key: n.key,
            channel: n.channel,
            channel_type: n.channelType,
            incident: n.incident,
            level: n.level,
            duty: n.duty,
            stage: n.stage,
            recipients: n.recipients,
            ...(n.dueAt ? { due_at: stamp(Date.parse(n.dueAt)) } : {}),
            notify_at: stamp(Date.parse(n.notifyAt)),
          });
          if (ch.type === 'github') result = await deliverGithub({ ...n, thread: thread! }, o.env, options.attempts, allSecrets, o.now, o.github ?? {});
          else if (!secrets.url)
            result = { ok: false, attempts: [], permanent: true, scope: 'channel', error: { code: 'config.secret-missing', message: `environment variable ${ch.url_env ?? '(url_env)'} is not set` } };
          else result = await deliverHttp(ch.type, (t) => buildRequest(ch, n, secrets, t), options);
          if (result.ok) {
            await append({
              type: 'notification.sent',
              key: n.key,
              channel: n.channel,
              attempts: result.attempts.length,
              latency_ms: Math.max(0, o.now() - Date.parse(n.notifyAt)),
              response: result.attempts.at(-1)?.code ?? 'ok',
            });
            results.push({ n, outcome: 'sent', detail: `${result.attempts.length} attempt(s)`, result });
          } else {
            const scope = result.permanent ? (result.scope ?? 'message') : undefined;
            await append({
              type: 'notification.failed',
              key: n.key,
              channel: n.channel,
              attempts: result.attempts.length,
              permanent: result.permanent,
              ...(scope ? { scope, fingerprint } : {}),
              error: result.error,
              tries: result.attempts,
            });
            const why =
              scope === 'channel'
                ? ' (permanent: the channel is not tried again until its configuration changes)'
                : scope
                  ? " (permanent: this message is not tried again until the channel's configuration changes)"
                  : ' (retried on the next run)';
            results.push({ n, outcome: 'failed', detail: `${result.error?.code}: ${result.error?.message}${why}`, result });
            if (scope === 'channel') {
              refused = { at: stamp(o.now()), key: n.key, code: result.error?.code ?? 'unknown', message: result.error?.message ?? '', fingerprint };
              disabled.push({ channel: ch.id, type: ch.type, block: refused, now: true });
            }
          }
        }
      }),
    );
  } finally {
    await queue;
    await writer.close();
  }
  return { planned, results, inDoubt, disabled, brokenRecords };
}

function heldDetail(b: ChannelBlock): string {
  return `not sent: the channel refused for good (${b.code}) at ${b.at} and its configuration has not changed since`;
}

async function deliverGithub(
  n: PlannedNotification & { thread: number },
  env: NodeJS.ProcessEnv,
  retries: number,
  secrets: readonly string[],
  now: () => number,
  tuning: NonNullable<WatchOptions['github']>,
): Promise<DeliveryResult> {
  const at = new Date(now()).toISOString();
  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner, name] = repository.split('/');
  if (!env.GITHUB_TOKEN || !owner || !name)
    return { ok: false, attempts: [], permanent: true, scope: 'channel', error: { code: 'config.secret-missing', message: 'GITHUB_TOKEN and GITHUB_REPOSITORY (owner/name) are needed to comment' } };
  const octokit = createGitHubClient({ token: env.GITHUB_TOKEN, ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}), retries: Math.max(0, retries - 1), ...tuning });
  try {
    const res = await octokit.rest.issues.createComment({ owner, repo: name, issue_number: n.thread, body: githubComment(n) });
    return { ok: true, permanent: false, attempts: [{ at, status: res.status, code: String(res.status) }] };
  } catch (e) {
    const err = wrapError(`comment on #${n.thread}`, e);
    const status = err.status;
    const permanent = status !== undefined && status < 500 && status !== 429 && status !== 403;
    const message = redactSecrets(err.message, secrets);
    // The run's token is new every run, so no answer disables the channel: 404, 410, 422 are about this thread or comment.
    return {
      ok: false,
      permanent,
      ...(permanent ? { scope: 'message' as const } : {}),
      attempts: [{ at, ...(status ? { status } : {}), code: `github.${status ?? 'network'}`, message }],
      error: { code: `github.${status ?? 'network'}`, message },
    };
  }
}
