import { dingtalkSign, feishuSign, webhookSignature } from './sign.ts';
import type { ChannelConfig, HttpRequest, PlannedNotification } from './types.ts';

/** Documented size limits: WeCom markdown 4096 bytes, text 2048; Feishu 20 KB; DingTalk ~20000 bytes; Slack 40000 chars. */
const LIMITS = { dingtalk: 18_000, wecom: 4_000, feishu: 18_000, slack: 39_000, webhook: 60_000, github: 60_000 } as const;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Text that reaches a chat robot: no control or bidi characters, at most `maxBytes` UTF-8 bytes. Pure. */
export function cleanText(text: string, maxBytes: number): string {
  const clean = text.replace(CONTROL, '');
  if (Buffer.byteLength(clean) <= maxBytes) return clean;
  let out = '';
  let bytes = 0;
  for (const ch of clean) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes - 4) break;
    out += ch;
    bytes += n;
  }
  return out + '…';
}

export interface ChannelSecrets {
  url?: string;
  secret?: string;
}

/**
 * The HTTP request one channel's API expects for a planned notification. Pure:
 * the clock is a parameter (the signatures carry it).
 */
export function buildRequest(channel: ChannelConfig, n: PlannedNotification, secrets: ChannelSecrets, nowMs: number): HttpRequest {
  const json = { 'content-type': 'application/json; charset=utf-8' };
  const limit = LIMITS[channel.type];
  const keyword = channel.keyword && !n.message.text.includes(channel.keyword) ? `${channel.keyword} ` : '';
  const title = cleanText(n.message.title, 200);
  const url = secrets.url ?? '';
  switch (channel.type) {
    case 'dingtalk': {
      const ats = n.mentions.map((m) => `@${m}`).join(' ');
      const text = cleanText(`${keyword}### ${n.message.title}\n\n${n.message.text}${ats ? `\n\n${ats}` : ''}`, limit);
      const signed = secrets.secret ? `${url}${url.includes('?') ? '&' : '?'}timestamp=${nowMs}&sign=${dingtalkSign(nowMs, secrets.secret)}` : url;
      return { url: signed, method: 'POST', headers: json, body: JSON.stringify({ msgtype: 'markdown', markdown: { title, text }, at: { atUserIds: n.mentions, isAtAll: false } }) };
    }
    case 'wecom': {
      const ats = n.mentions.map((m) => `<@${m}>`).join(' ');
      const content = cleanText(`${keyword}**${n.message.title}**\n${n.message.text}${ats ? `\n${ats}` : ''}`, limit);
      return { url, method: 'POST', headers: json, body: JSON.stringify({ msgtype: 'markdown', markdown: { content } }) };
    }
    case 'feishu': {
      const ats = n.mentions.map((m) => `<at user_id="${m}"></at>`).join(' ');
      const text = cleanText(`${keyword}${n.message.title}\n${n.message.text}${ats ? `\n${ats}` : ''}`, limit);
      const ts = Math.floor(nowMs / 1000);
      const signed = secrets.secret ? { timestamp: String(ts), sign: feishuSign(ts, secrets.secret) } : {};
      return { url, method: 'POST', headers: json, body: JSON.stringify({ ...signed, msg_type: 'text', content: { text } }) };
    }
    case 'slack': {
      const ats = n.mentions.map((m) => `<@${m}>`).join(' ');
      const text = cleanText(`*${n.message.title}*\n${n.message.text}${ats ? `\n${ats}` : ''}`, limit);
      return { url, method: 'POST', headers: json, body: JSON.stringify({ text }) };
    }
    case 'webhook': {
      const body = JSON.stringify({
        event: 'opsgate.incident.notification',
        key: n.key,
        incident: n.incident,
        level: n.level,
        duty: n.duty,
        stage: n.stage,
        ...(n.dueAt ? { due_at: n.dueAt } : {}),
        recipients: n.recipients,
        title,
        text: cleanText(n.message.text, limit),
        sent_at: new Date(nowMs).toISOString(),
      });
      const ts = Math.floor(nowMs / 1000);
      const sig: Record<string, string> = secrets.secret ? { 'x-opsgate-timestamp': String(ts), 'x-opsgate-signature': webhookSignature(ts, body, secrets.secret) } : {};
      return { url, method: 'POST', headers: { ...json, ...sig }, body };
    }
    case 'github':
      throw new Error('github notifications are comments through Octokit, not webhook requests');
  }
}

/** The comment body for the github channel; the marker lets a retry after a crash find a comment already posted. Pure. */
export function githubComment(n: PlannedNotification): string {
  return `${notificationMarker(n.key)}\n**${cleanText(n.message.title, 200)}**\n\n${cleanText(n.message.text, LIMITS.github)}${n.mentions.length ? `\n\n${n.mentions.map((m) => `@${m}`).join(' ')}` : ''}`;
}

export function notificationMarker(key: string): string {
  return `<!-- opsgate:notification ${key.replace(/[^A-Za-z0-9#/_.-]/g, '')} -->`;
}
