/**
 * Secret redaction for everything written or printed. Pure.
 * Known secret values (passwords read from the environment, key material) are
 * replaced wherever they occur; well-known secret shapes are replaced even when
 * nobody registered them.
 */

const WHOLE: RegExp[] = [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g, /\bgithub_pat_[A-Za-z0-9_]{20,}\b/g];
/** `NAME=value` assignments whose name says secret: the value goes, the name stays. */
const ASSIGNMENT = /\b([A-Z0-9_]*(?:PASSWORD|TOKEN|SECRET)[A-Z0-9_]*=)('[^']*'|"[^"]*"|\S+)/gi;

export const REDACTED = '***';

/** Replaces every known secret and every secret-shaped substring. Secrets shorter than 4 characters are ignored (they would redact everything). */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  const known = [...new Set(secrets.filter((s) => s.length >= 4))].sort((a, b) => b.length - a.length);
  for (const s of known) out = out.split(s).join(REDACTED);
  for (const p of WHOLE) out = out.replace(p, REDACTED);
  return out.replace(ASSIGNMENT, (_m, name: string) => `${name}${REDACTED}`);
}

/** Redacts every string inside a JSON-like value (records, results). */
export function redactDeep<T>(value: T, secrets: readonly string[] = []): T {
  if (typeof value === 'string') return redactSecrets(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, secrets);
    return out as T;
  }
  return value;
}
