import type { ChannelType, HttpResponse, Verdict } from './types.ts';

/**
 * Reads a robot's answer the way its API documents it. Pure.
 * - DingTalk: HTTP 200 with {errcode, errmsg}; 0 is success; 310000 is a
 *   security-setting refusal (sign not match, keywords not in content, ip not
 *   in whitelist, invalid timestamp): permanent; 130101 "send too fast"
 *   (20 messages a minute per robot): retry later.
 * - WeCom: HTTP 200 with {errcode, errmsg}; 45009 "api freq out of limit"
 *   (20 a minute per robot): retry later; 93000 invalid webhook url and other
 *   codes: permanent; -1 system busy: retry.
 * - Feishu: {code, msg} (older answers {StatusCode, StatusMessage}); 0 is
 *   success; 19021 sign match fail or timestamp not within one hour, 19022 ip
 *   not allowed, 19024 key words not found, 9499 bad request: permanent;
 *   11232 frequency limited: retry later.
 * - Slack-compatible incoming webhooks: 200 "ok"; 429 with Retry-After;
 *   400 invalid_payload / no_text, 403, 404 no_service, 410 channel_is_archived:
 *   permanent; 5xx: retry.
 * - Generic webhooks: any 2xx; 408, 425, 429 and 5xx retry (Retry-After honoured).
 */
export function classifyResponse(type: ChannelType, res: HttpResponse, nowMs: number): Verdict {
  const retryAfterMs = retryAfter(res.headers['retry-after'], nowMs);
  const http = (): Verdict => {
    if (res.status >= 200 && res.status < 300) return { ok: true, code: String(res.status) };
    const retry = res.status === 408 || res.status === 425 || res.status === 429 || res.status >= 500;
    return { ok: false, retry, code: `http.${res.status}`, message: `HTTP ${res.status}${snippet(res.text)}`, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
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
    if (type === 'dingtalk' && code === 130101) return { ok: false, retry: true, code: 'rate-limited', message: `DingTalk ${code} ${msg} (20 messages a minute per robot)`, retryAfterMs: 60_000 };
    if (type === 'wecom' && code === 45009) return { ok: false, retry: true, code: 'rate-limited', message: `WeCom ${code} ${msg} (20 messages a minute per robot)`, retryAfterMs: 60_000 };
    if (code === -1) return { ok: false, retry: true, code: `${type}.${code}`, message: `${type} ${code} ${msg} (system busy)` };
    if (type === 'dingtalk' && code === 310000) return { ok: false, retry: false, code: /sign|timestamp/i.test(msg) ? 'signature-rejected' : 'security-rejected', message: `DingTalk ${code} ${msg}: check secret_env, the keyword and the IP allow-list of the robot` };
    if (type === 'wecom' && code === 93000) return { ok: false, retry: false, code: 'invalid-webhook', message: `WeCom ${code} ${msg}: the webhook key in url_env is wrong or the robot was removed` };
    return { ok: false, retry: false, code: `${type}.${Number.isFinite(code) ? code : 'unknown'}`, message: `${type} ${body.errcode} ${msg}` };
  }
  const code = Number(body.code ?? body.StatusCode);
  const msg = String(body.msg ?? body.StatusMessage ?? '');
  if (code === 0) return { ok: true, code: '0' };
  if (code === 11232) return { ok: false, retry: true, code: 'rate-limited', message: `Feishu ${code} ${msg} (100 a minute, 5 a second per bot)`, retryAfterMs: 1_000 };
  if (code === 19021) return { ok: false, retry: false, code: 'signature-rejected', message: `Feishu ${code} ${msg}: check secret_env and the runner's clock` };
  if (code === 19022 || code === 19024) return { ok: false, retry: false, code: 'security-rejected', message: `Feishu ${code} ${msg}: check the bot's IP allow-list and keywords` };
  return { ok: false, retry: false, code: `feishu.${Number.isFinite(code) ? code : 'unknown'}`, message: `Feishu ${body.code ?? body.StatusCode} ${msg}` };
}

function retryAfter(v: string | undefined, nowMs: number): number | undefined {
  if (!v) return undefined;
  const s = Number(v);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - nowMs);
}

function snippet(text: string): string {
  const t = text.replace(/[^\x20-\x7e\u4e00-\u9fff]/g, ' ').trim().slice(0, 120);
  return t ? `: ${t}` : '';
}
