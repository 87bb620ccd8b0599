import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../scripts/notify/responses.ts';
import type { ChannelType } from '../../scripts/notify/types.ts';

const json = (status: number, body: unknown, headers: Record<string, string> = {}) => ({ status, headers, text: typeof body === 'string' ? body : JSON.stringify(body) });
const NOW = Date.parse('2026-11-11T00:30:00+08:00');

/**
 * Each robot's documented answers, sorted into: sent; transient (retried);
 * permanent for the whole channel (held until its configuration changes);
 * permanent for this message only.
 */
describe('a robot answer is sent, transient, or permanent for the channel or the message', () => {
  it.each<[string, ChannelType, ReturnType<typeof json>, string]>([
    ['DingTalk ok', 'dingtalk', json(200, { errcode: 0, errmsg: 'ok' }), 'ok'],
    ['DingTalk token is not exist', 'dingtalk', json(200, { errcode: 300001, errmsg: 'token is not exist' }), 'channel invalid-webhook'],
    ['DingTalk robot stopped', 'dingtalk', json(200, { errcode: 400102, errmsg: '机器人已停用' }), 'channel invalid-webhook'],
    ['DingTalk sign not match', 'dingtalk', json(200, { errcode: 310000, errmsg: 'sign not match' }), 'channel signature-rejected'],
    ['DingTalk keywords not in content', 'dingtalk', json(200, { errcode: 310000, errmsg: 'keywords not in content' }), 'channel security-rejected'],
    ['DingTalk send too fast', 'dingtalk', json(200, { errcode: 130101, errmsg: 'send too fast' }), 'retry rate-limited'],
    ['DingTalk flow limited', 'dingtalk', json(200, { errcode: 410100, errmsg: '发送速度太快而限流' }), 'retry rate-limited'],
    ['DingTalk system error', 'dingtalk', json(200, { errcode: 500000, errmsg: '系统错误' }), 'retry dingtalk.500000'],
    ['DingTalk unsafe content', 'dingtalk', json(200, { errcode: 430102, errmsg: '含有不安全的文本' }), 'message dingtalk.430102'],
    ['WeCom invalid webhook url', 'wecom', json(200, { errcode: 93000, errmsg: 'invalid webhook url' }), 'channel invalid-webhook'],
    ['WeCom too long', 'wecom', json(200, { errcode: 40058, errmsg: 'markdown.content exceed max length 4096' }), 'message wecom.40058'],
    ['WeCom api freq out of limit', 'wecom', json(200, { errcode: 45009, errmsg: 'api freq out of limit' }), 'retry rate-limited'],
    ['WeCom system busy', 'wecom', json(200, { errcode: -1, errmsg: 'system busy' }), 'retry wecom.-1'],
    ['Feishu sign match fail', 'feishu', json(200, { code: 19021, msg: 'sign match fail' }), 'channel signature-rejected'],
    ['Feishu key words not found', 'feishu', json(200, { code: 19024, msg: 'Key Words Not Found' }), 'channel security-rejected'],
    ['Feishu webhook not found', 'feishu', json(200, { code: 19001, msg: 'param invalid: incoming webhook access token invalid' }), 'channel invalid-webhook'],
    ['Feishu bad request', 'feishu', json(200, { code: 9499, msg: 'Bad Request' }), 'message feishu.9499'],
    ['Feishu frequency limited', 'feishu', json(200, { code: 11232, msg: 'frequency limited' }), 'retry rate-limited'],
    ['Slack invalid_payload', 'slack', json(400, 'invalid_payload'), 'message http.400'],
    ['Slack invalid_token', 'slack', json(403, 'invalid_token'), 'channel http.403'],
    ['Slack no_service', 'slack', json(404, 'no_service'), 'channel http.404'],
    ['Slack channel_is_archived', 'slack', json(410, 'channel_is_archived'), 'channel http.410'],
    ['Slack rate limited', 'slack', json(429, 'rate_limited', { 'retry-after': '2' }), 'retry http.429'],
    ['webhook 401', 'webhook', json(401, { error: 'bad signature' }), 'channel http.401'],
    ['webhook 422', 'webhook', json(422, { error: 'unprocessable' }), 'message http.422'],
    ['webhook 503', 'webhook', json(503, 'busy'), 'retry http.503'],
    ['robot answers HTML', 'dingtalk', json(200, '<html>'), 'retry response.unreadable'],
  ])('%s', (_name, type, res, want) => {
    const v = classifyResponse(type, res, NOW);
    expect(v.ok ? 'ok' : v.retry ? `retry ${v.code}` : `${v.scope} ${v.code}`).toBe(want);
  });
});
