import { createHash } from 'node:crypto';

/** A pinned OpenSSH public key from the inventory (`ssh-ed25519 AAAA…`). Pure. */
export interface PinnedKey {
  type: string;
  blob: Buffer;
  fingerprint: string;
}

/** Host key algorithms ssh2 may negotiate for a pinned key type. */
const ALGORITHMS: Record<string, string[]> = {
  'ssh-ed25519': ['ssh-ed25519'],
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
};

export function fingerprintOf(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** Parses `type base64 [comment]`; returns an error message instead of throwing. */
export function parsePinnedKey(text: string): PinnedKey | { error: string } {
  const [type, b64] = text.trim().split(/\s+/);
  if (!type || !b64) return { error: `'${text.slice(0, 40)}' is not '<type> <base64>'` };
  if (!ALGORITHMS[type]) return { error: `unsupported host key type '${type}'; expected one of ${Object.keys(ALGORITHMS).join(', ')}` };
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return { error: `the key data of '${type}' is not base64` };
  const blob = Buffer.from(b64, 'base64');
  // The blob starts with its own type name; a mismatch means a pasted key of another type.
  const len = blob.length >= 4 ? blob.readUInt32BE(0) : -1;
  if (len <= 0 || blob.subarray(4, 4 + len).toString('latin1') !== type) return { error: `the key data does not encode a '${type}' key` };
  return { type, blob, fingerprint: fingerprintOf(blob) };
}

/** Host key algorithms to offer: only the types we hold pins for. */
export function hostKeyAlgorithms(keys: readonly PinnedKey[]): string[] {
  return [...new Set(keys.flatMap((k) => ALGORITHMS[k.type] ?? []))];
}

/** The type name encoded at the start of a key blob. */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1') || 'unknown';
}

/** True when the offered key blob equals one of the pinned keys. */
export function matchesPinned(offered: Buffer, keys: readonly PinnedKey[]): boolean {
  return keys.some((k) => k.blob.equals(offered));
}
