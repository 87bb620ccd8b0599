/**
 * One local HTTP server answering like the chat robots' documented webhook
 * APIs, so the real HTTP client is tested against what each platform checks:
 * - DingTalk  POST /dingtalk/robot/send?access_token=T&timestamp=MS&sign=S
 *   sign = urlencode(base64(HmacSHA256(key=secret, timestamp+"\n"+secret))), timestamp within 1 h;
 *   body {msgtype: markdown, markdown: {title, text}, at: {atUserIds, isAtAll}}; keyword in text;
 *   {errcode:0,errmsg:"ok"}, 310000 "sign not match" / "keywords not in content", 130101 "send too fast".
 * - WeCom     POST /wecom/cgi-bin/webhook/send?key=K; body {msgtype: markdown, markdown: {content ≤ 4096 bytes}};
 *   {errcode:0}, 93000 "invalid webhook url", 45009 "api freq out of limit".
 * - Feishu    POST /feishu/open-apis/bot/v2/hook/H; body {timestamp (s), sign, msg_type: text, content: {text}};
 *   sign = base64(HmacSHA256(key=timestamp+"\n"+secret, "")); {code:0,msg:"success"}, 19021, 11232.
 * - Slack     POST /slack/services/…; body {text}; 200 "ok", 400 invalid_payload, 429 + Retry-After.
 * - Webhook   POST /webhook/ok (checks X-Opsgate-Signature), /webhook/hang (never answers).
 * The robots' clock is settable, because signatures carry the sender's clock.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RobotRequest {
  robot: 'dingtalk' | 'wecom' | 'feishu' | 'slack' | 'webhook';
  path: string;
  body: unknown;
  answer: unknown;
  status: number;
}

export interface RobotServer {
  url: string;
  requests: RobotRequest[];
  /** Robot clock (ms) used to check signature timestamps. */
  clock: number;
  secrets: { dingtalkToken: string; dingtalkSecret: string; wecomKey: string; feishuHook: string; feishuSecret: string; webhookSecret: string; dingtalkKeyword?: string };
  /** Answer the next N requests of a robot with its rate-limit error. */
  rateLimit: Partial<Record<RobotRequest['robot'], number>>;
  stop(): Promise<void>;
}

const b64hmac = (key: string, msg: string) => createHmac('sha256', key).update(msg, 'utf8').digest('base64');

export async function startRobotServer(secrets: RobotServer['secrets']): Promise<RobotServer> {
  const hanging = new Set<ServerResponse>();
  const state: RobotServer = { url: '', requests: [], clock: Date.now(), secrets, rateLimit: {}, stop: async () => {} };
  const limited = (r: RobotRequest['robot']) => {
    const n = state.rateLimit[r] ?? 0;
    if (n > 0) state.rateLimit[r] = n - 1;
    return n > 0;
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://robot.local');
      let body: unknown;
      try {
        body = JSON.parse(raw);
      } catch {
        body = undefined;
      }
      const answer = (robot: RobotRequest['robot'], status: number, data: unknown, headers: Record<string, string> = {}) => {
        state.requests.push({ robot, path: url.pathname, body, answer: data, status });
        res.writeHead(status, { 'content-type': typeof data === 'string' ? 'text/plain' : 'application/json', ...headers });
        res.end(typeof data === 'string' ? data : JSON.stringify(data));
      };
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the robot reads whatever arrived
      const b = body as Record<string, any> | undefined;
      if (url.pathname === '/dingtalk/robot/send') {
        const ts = Number(url.searchParams.get('timestamp'));
        // The documented last step is URL-encoding the Base64 digest: the raw query must carry it encoded.
        const sign = decodeURIComponent(/[?&]sign=([^&]*)/.exec(req.url ?? '')?.[1] ?? '');
        const rawSign = /[?&]sign=([^&]*)/.exec(req.url ?? '')?.[1] ?? '';
        if (url.searchParams.get('access_token') !== secrets.dingtalkToken) return answer('dingtalk', 200, { errcode: 300001, errmsg: 'token is not exist' });
        if (!Number.isFinite(ts) || Math.abs(state.clock - ts) > 3_600_000) return answer('dingtalk', 200, { errcode: 310000, errmsg: 'invalid timestamp' });
        const digest = b64hmac(secrets.dingtalkSecret, `${ts}\n${secrets.dingtalkSecret}`);
        if (sign !== digest || rawSign !== encodeURIComponent(digest))
          return answer('dingtalk', 200, { errcode: 310000, errmsg: 'sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]' });
        if (b?.msgtype !== 'markdown' || typeof b.markdown?.title !== 'string' || typeof b.markdown?.text !== 'string' || !Array.isArray(b.at?.atUserIds))
          return answer('dingtalk', 200, { errcode: 40035, errmsg: '缺少参数 json' });
        if (secrets.dingtalkKeyword && !String(b.markdown.text).includes(secrets.dingtalkKeyword)) return answer('dingtalk', 200, { errcode: 310000, errmsg: 'keywords not in content' });
        if (limited('dingtalk')) return answer('dingtalk', 200, { errcode: 130101, errmsg: 'send too fast, exceed 20 times per minute' });
        return answer('dingtalk', 200, { errcode: 0, errmsg: 'ok' });
      }
      if (url.pathname === '/wecom/cgi-bin/webhook/send') {
        if (url.searchParams.get('key') !== secrets.wecomKey) return answer('wecom', 200, { errcode: 93000, errmsg: 'invalid webhook url, hint: [1669000000_1_abc], from ip: 127.0.0.1' });
        const content = b?.markdown?.content;
        if (b?.msgtype !== 'markdown' || typeof content !== 'string') return answer('wecom', 200, { errcode: 40008, errmsg: 'invalid message type' });
        if (Buffer.byteLength(content) > 4096) return answer('wecom', 200, { errcode: 40058, errmsg: 'markdown.content exceed max length 4096' });
        if (limited('wecom')) return answer('wecom', 200, { errcode: 45009, errmsg: 'api freq out of limit' });
        return answer('wecom', 200, { errcode: 0, errmsg: 'ok' });
      }
      if (url.pathname === `/feishu/open-apis/bot/v2/hook/${secrets.feishuHook}`) {
        const ts = Number(b?.timestamp);
        if (!Number.isFinite(ts) || Math.abs(state.clock / 1000 - ts) > 3600 || b?.sign !== b64hmac(`${ts}\n${secrets.feishuSecret}`, '')) {
          return answer('feishu', 200, { code: 19021, data: {}, msg: 'sign match fail or timestamp is not within one hour from current time' });
        }
        if (b?.msg_type !== 'text' || typeof b.content?.text !== 'string') return answer('feishu', 200, { code: 9499, data: {}, msg: 'Bad Request' });
        if (limited('feishu')) return answer('feishu', 200, { code: 11232, data: {}, msg: 'frequency limited psm[lark.oapi.app_platform_runtime]appID[1]' });
        return answer('feishu', 200, { StatusCode: 0, StatusMessage: 'success', code: 0, data: {}, msg: 'success' });
      }
      if (url.pathname.startsWith('/slack/services/')) {
        if (typeof b?.text !== 'string' || !b.text) return answer('slack', 400, 'invalid_payload');
        if (limited('slack')) return answer('slack', 429, 'rate_limited', { 'retry-after': '1' });
        return answer('slack', 200, 'ok');
      }
      if (url.pathname === '/webhook/hang') {
        hanging.add(res);
        return;
      }
      if (url.pathname === '/webhook/ok') {
        const ts = req.headers['x-opsgate-timestamp'];
        const sig = req.headers['x-opsgate-signature'];
        const want = `sha256=${createHmac('sha256', secrets.webhookSecret).update(`${ts}.${raw}`, 'utf8').digest('hex')}`;
        if (sig !== want) return answer('webhook', 401, { error: 'bad signature' });
        if (limited('webhook')) return answer('webhook', 503, { error: 'busy' });
        return answer('webhook', 204, '');
      }
      answer('webhook', 404, { error: 'no route' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.stop = async () => {
    for (const r of hanging) r.destroy();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  };
  return state;
}
