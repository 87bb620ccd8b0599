import type { ChannelType, FailureScope, HttpResponse, Verdict } from './types.ts';

/**
 * Reads a robot's answer the way its API documents it, and says whether
 * retrying can help (transient) or not (permanent), and if not, whether the
 * channel's configuration is wrong (every message will fail) or only this
 * message. Pure.
 * - DingTalk: HTTP 200 with {errcode, errmsg}; 0 is success. Channel:
 *   310000 security-setting refusal (sign not match, keywords not in content,
 *   ip not in whitelist, invalid timestamp), 300001 token is not exist,
 *   400013 group dissolved, 400101 access_token missing, 400102 robot
 *   stopped, 400106 robot missing. Rate limits, retried later: 130101 "send
 *   too fast" and 410100 (20 messages a minute per robot). Transient: -1,
 *   500000. Any other code: this message (400105 unsupported type, 430101–
 *   430104 unsafe content, 40035 missing parameter, …).
 * - WeCom: HTTP 200 with {errcode, errmsg}; 45009 "api freq out of limit"
 *   (20 a minute per robot): retry later; -1 system busy: retry; 93000
 *   invalid webhook url: channel; other codes (40008, 40058 too long): message.
 * - Feishu: {code, msg} (older answers {StatusCode, StatusMessage}); 0 is
 *   success; 11232 frequency limited: retry later. Channel: 19021 sign match
 *   fail or timestamp not within one hour, 19022 ip not allowed, 19024 key
 *   words not found, 19001 incoming webhook not found. Others (9499 bad
 *   request): message.
 * - Slack-compatible incoming webhooks: 200 "ok"; 429 with Retry-After and
 *   5xx retried; 401, 403 (invalid_token, action_prohibited), 404
 *   (no_service, channel_not_found), 410 (channel_is_archived): channel;
 *   other 4xx (400 invalid_payload, no_text): message.
 * - Generic webhooks: any 2xx; 408, 425, 429 and 5xx retry (Retry-After
 *   honoured); 401, 403, 404, 410: channel; other 4xx: message.
 */
export function classifyResponse(type: ChannelType, res: HttpResponse, nowMs: number): Verdict {
  const retryAfterMs = retryAfter(res.headers['retry-after'], nowMs);
  const http = (): Verdict => {
    if (res.status >= 200 && res.status < 300) return { ok: true, code: String(res.status) };
    const code = `http.${res.status}`;
    const message = `HTTP ${res.status}${snippet(res.text)}`;
    if (res.status === 408 || res.status === 425 || res.status === 429 || res.status >= 500 || res.status < 400)
      return { ok: false, retry: true, code, message, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    return permanent(CHANNEL_HTTP.has(res.status) ? 'channel' : 'message', code, message);
  };
  if (type === 'slack' || type === 'webhook' || type === 'github') return http();
  if (res.status !== 200) return http();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(res.text) as Record<string, unknown>;
  } catch {
    return { ok: false, retry: true, code: 'response.unreadable', message: `HTTP 200 but the answer is not JSON${snippet(res.text)}` };
  }
  if (type === 'dingtalk' || type === 'wecom') {
    const code = Number(body.errcode);
    const msg = String(body.errmsg ?? '');
    if (code === 0) return { ok: true, code: '0' };
    if (type === 'dingtalk' && (code === 130101 || code === 410100))
      return { ok: false, retry: true, code: 'rate-limited', message: `DingTalk ${code} ${msg} (20 messages a minute per robot)`, retryAfterMs: 60_000 };
    if (type === 'wecom' && code === 45009) return { ok: false, retry: true, code: 'rate-limited', message: `WeCom ${code} ${msg} (20 messages a minute per robot)`, retryAfterMs: 60_000 };
    if (code === -1 || (type === 'dingtalk' && code === 500000)) return { ok: false, retry: true, code: `${type}.${code}`, message: `${type} ${code} ${msg} (system busy)` };
    if (type === 'dingtalk' && code === 310000)
      return permanent(
        'channel',
        /sign|timestamp/i.test(msg) ? 'signature-rejected' : 'security-rejected',
        `DingTalk ${code} ${msg}: check secret_env, the keyword and the IP allow-list of the robot`,
      );
    if (type === 'dingtalk' && DINGTALK_CHANNEL.has(code))
      return permanent('channel', 'invalid-webhook', `DingTalk ${code} ${msg}: the access_token in url_env is wrong, or the robot or its group is gone`);
    if (type === 'wecom' && code === 93000) return permanent('channel', 'invalid-webhook', `WeCom ${code} ${msg}: the webhook key in url_env is wrong or the robot was removed`);
    return permanent('message', `${type}.${Number.isFinite(code) ? code : 'unknown'}`, `${type} ${body.errcode} ${msg}`);
  }
  const code = Number(body.code ?? body.StatusCode);
  const msg = String(body.msg ?? body.StatusMessage ?? '');
  if (code === 0) return { ok: true, code: '0' };
  if (code === 11232) return { ok: false, retry: true, code: 'rate-limited', message: `Feishu ${code} ${msg} (100 a minute, 5 a second per bot)`, retryAfterMs: 1_000 };
  if (code === 19021) return permanent('channel', 'signature-rejected', `Feishu ${code} ${msg}: check secret_env and the runner's clock`);
  if (code === 19022 || code === 19024) return permanent('channel', 'security-rejected', `Feishu ${code} ${msg}: check the bot's IP allow-list and keywords`);
  if (code === 19001) return permanent('channel', 'invalid-webhook', `Feishu ${code} ${msg}: the hook in url_env is wrong or the bot was removed`);
  return permanent('message', `feishu.${Number.isFinite(code) ? code : 'unknown'}`, `Feishu ${body.code ?? body.StatusCode} ${msg}`);
}

const CHANNEL_HTTP = new Set([401, 403, 404, 410]);
const DINGTALK_CHANNEL = new Set([300001, 400013, 400101, 400102, 400106]);

function permanent(scope: FailureScope, code: string, message: string): Verdict {
  return { ok: false, retry: false, scope, code, message };
}

function retryAfter(v: string | undefined, nowMs: number): number | undefined {
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - nowMs);
}

function snippet(text: string): string {
  const t = text
    .replace(/[^\x20-\x7e\u4e00-\u9fff]/g, ' ')
    .trim()
    .slice(0, 120);
  return t ? `: ${t}` : '';
}
