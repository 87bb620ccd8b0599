import { createHash } from 'node:crypto';
import { PayloadError } from './payload.ts';

/** Git objects as GitHub sends them, checked against their ids where the bytes allow it. Pure (but for reading a stream). */

/** A raw body as bytes: a stream (parseSuccessResponseBody off), or what Octokit parsed. */
export async function rawBytes(data: unknown, where: string): Promise<Buffer> {
  if (data instanceof ReadableStream) return Buffer.from(await new Response(data).arrayBuffer());
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return Buffer.from(data as ArrayBuffer);
  return Buffer.from(rawText(data, where), 'utf8');
}

/**
 * The text of a blob whose bytes hash to its id (git's `blob <size>\0` header; SHA-256 for 64-digit ids).
 * Bytes cut short or altered on the way are not that blob: a policy cut after a rule still parses.
 */
export function verifiedBlobText(bytes: Buffer, sha: string): string {
  const algo = sha.length === 64 ? 'sha256' : 'sha1';
  const got = createHash(algo).update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
  if (got !== sha.toLowerCase())
    throw new PayloadError(`the blob ${sha.slice(0, 12)} GitHub sent has other content (${bytes.length} bytes that hash to ${got.slice(0, 12)}): it was cut short or altered on the way`);
  // As fetch's text() reads UTF-8: a leading byte-order mark is not content.
  return bytes.toString('utf8').replace(/^\uFEFF/, '');
}

/** A raw (`application/vnd.github.raw`) body as text. */
export function rawText(data: unknown, where: string): string {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return Buffer.from(data as ArrayBuffer).toString('utf8');
  throw new PayloadError(`${where} is not raw text (the server answered with ${data === null ? 'null' : typeof data === 'object' ? 'JSON' : typeof data})`);
}
