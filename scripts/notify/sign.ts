import { createHmac } from 'node:crypto';

/**
 * Robot signatures, exactly as each platform documents them. Pure.
 *
 * DingTalk custom robot (加签): string_to_sign = timestamp + "\n" + secret,
 * HMAC-SHA256 keyed with the secret, Base64, then URL-encoded; timestamp in
 * milliseconds, sent as `&timestamp=…&sign=…` on the webhook URL; the robot
 * refuses timestamps more than an hour away from its clock.
 *
 * Feishu custom bot (签名校验): string_to_sign = timestamp + "\n" + secret is
 * the HMAC-SHA256 *key* and the message is empty, then Base64; timestamp in
 * seconds; both go in the JSON body as "timestamp" and "sign".
 *
 * Generic webhook (ours): `X-Opsgate-Signature: sha256=` + hex HMAC-SHA256 of
 * timestamp + "." + body, keyed with the secret, `X-Opsgate-Timestamp` in
 * seconds (the shape GitHub and Slack use for their own webhooks).
 */
export function dingtalkSign(timestampMs: number, secret: string): string {
  const digest = createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
  return encodeURIComponent(digest);
}

export function feishuSign(timestampSec: number, secret: string): string {
  return createHmac('sha256', `${timestampSec}\n${secret}`).update('', 'utf8').digest('base64');
}

export function webhookSignature(timestampSec: number, body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSec}.${body}`, 'utf8').digest('hex')}`;
}
