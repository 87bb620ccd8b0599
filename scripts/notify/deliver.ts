import { redactSecrets } from '../ssh/redact.ts';
import { classifyResponse } from './responses.ts';
import type { ChannelType, FailureScope, HttpRequest, HttpResponse, Verdict } from './types.ts';

export interface Attempt {
  at: string;
  status?: number;
  code: string;
  message?: string;
}

export interface DeliveryResult {
  ok: boolean;
  attempts: Attempt[];
  /** The last failure was one the robot says will not change by retrying (signature, keyword, bad URL). */
  permanent: boolean;
  /** For a permanent failure: the channel's configuration is wrong (every message will fail) or only this message. */
  scope?: FailureScope;
  /** The last failure's code and message (redacted). */
  error?: { code: string; message: string };
}

export interface DeliveryOptions {
  timeoutMs: number;
  attempts: number;
  backoffMs: number;
  /** Longest wait between attempts; a robot that asks for longer (a rate limit of a minute) is retried on the next run. */
  maxWaitMs: number;
  /** Values to redact from every message (URLs, secrets, tokens). */
  secrets: readonly string[];
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  fetch?: typeof globalThis.fetch;
}

/** One POST with a hard timeout on the whole exchange, headers and body. Edge. */
export async function postJson(req: HttpRequest, timeoutMs: number, fetchImpl: typeof globalThis.fetch = globalThis.fetch): Promise<HttpResponse> {
  const signal = AbortSignal.timeout(timeoutMs);
  const res = await fetchImpl(req.url, { method: req.method, headers: req.headers, body: req.body, signal, redirect: 'error' });
  const text = await readCapped(res, 64 * 1024);
  const headers: Record<string, string> = {};
  res.headers.forEach((v, k) => (headers[k.toLowerCase()] = v));
  return { status: res.status, headers, text };
}

async function readCapped(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let n = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    n += value.byteLength;
    if (n >= max) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, max);
}

/**
 * Sends one request with retries: transient failures (timeouts, connection
 * errors, 5xx, rate limits) are retried with exponential back-off or the
 * robot's Retry-After; permanent refusals stop at once. Every attempt is
 * returned for the record. `build` is called per attempt so signatures carry
 * a fresh timestamp. Edge.
 */
export async function deliverHttp(type: ChannelType, build: (nowMs: number) => HttpRequest, o: DeliveryOptions): Promise<DeliveryResult> {
  const attempts: Attempt[] = [];
  const redact = (s: string) => redactSecrets(s, o.secrets).replace(/https?:\/\/\S+/g, '[url]');
  let last: Verdict | undefined;
  for (let i = 0; i < o.attempts; i++) {
    const at = o.now();
    let verdict: Verdict;
    let status: number | undefined;
    try {
      const res = await postJson(build(at), o.timeoutMs, o.fetch);
      status = res.status;
      verdict = classifyResponse(type, res, o.now());
    } catch (e) {
      verdict = networkVerdict(e, o.timeoutMs);
    }
    last = verdict;
    attempts.push({
      at: new Date(at).toISOString(),
      ...(status !== undefined ? { status } : {}),
      code: verdict.ok ? (verdict.code ?? 'ok') : verdict.code,
      ...(verdict.ok ? {} : { message: redact(verdict.message) }),
    });
    if (verdict.ok) return { ok: true, attempts, permanent: false };
    if (!verdict.retry || i === o.attempts - 1) break;
    const wait = verdict.retryAfterMs ?? o.backoffMs * 2 ** i;
    if (wait > o.maxWaitMs) break;
    await o.sleep(wait);
  }
  const err = last && !last.ok ? last : ({ ok: false, retry: true, code: 'unknown', message: 'no attempt made' } as const);
  return { ok: false, attempts, permanent: !err.retry, ...(err.retry ? {} : { scope: err.scope }), error: { code: err.code, message: redact(err.message) } };
}

function networkVerdict(e: unknown, timeoutMs: number): Verdict {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return { ok: false, retry: true, code: 'timeout', message: `no answer within ${timeoutMs} ms` };
  const code = err?.cause?.code ?? 'network';
  return { ok: false, retry: true, code: `network.${code}`, message: `${err?.message ?? 'request failed'}${err?.cause?.message ? `: ${err.cause.message}` : ''}` };
}
