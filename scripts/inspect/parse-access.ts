import { createHash } from 'node:crypto';
import type { AuthorizedKey, KeyFileAccess } from './facts.ts';
import { parseFramed } from './parse-framed.ts';

/** Pure parsers for authorized_keys (fingerprints computed locally); sudoers is in parse-sudo.ts. */

/**
 * The key type names sshd's sshkey_read accepts before a key: the key types, and the signature-only names of a key type
 * (`rsa-sha2-256`/`rsa-sha2-512` before an ssh-rsa key, `webauthn-sk-ecdsa-…` before an sk-ecdsa one), which it reads as
 * that key type: `rsa-sha2-512 AAAAB3NzaC1yc2E…` logs in.
 */
const KEY_TYPE =
  /^(ssh-ed25519|ssh-rsa|rsa-sha2-(256|512)|ssh-dss|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com|webauthn-sk-ecdsa-sha2-nistp256@openssh\.com)$/;

export function fingerprintOfBase64(b64: string): string {
  return 'SHA256:' + createHash('sha256').update(Buffer.from(b64, 'base64')).digest('base64').replace(/=+$/, '');
}

/**
 * Splits a line on whitespace outside double quotes (authorized_keys options may quote spaces). A `\"` inside an option
 * is an escaped quote, as sshd's sshkey_advance_past_options reads it: it neither opens nor closes a quoted span (read as a
 * quote, `command="… \""` would swallow the key after it, and a key sshd accepts would go unjudged).
 */
function tokens(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\' && line[i + 1] === '"') {
      cur += '\\"';
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (!quoted && /\s/.test(ch)) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out;
}

/** Parses one authorized_keys line; undefined for blanks, comments and lines without a key. */
export function parseAuthorizedKeyLine(line: string): { type: string; base64: string; comment: string; options: string } | undefined {
  const t = line.trim();
  if (!t || t.startsWith('#')) return undefined;
  const parts = tokens(t);
  const i = parts.findIndex((p) => KEY_TYPE.test(p));
  if (i < 0 || !parts[i + 1] || !/^[A-Za-z0-9+/]+={0,2}$/.test(parts[i + 1]!)) return undefined;
  return { type: parts[i]!, base64: parts[i + 1]!, comment: parts.slice(i + 2).join(' '), options: parts.slice(0, i).join(' ') };
}

/**
 * Probe section: the AuthorizedKeysFile tokens (`<B> akf …`), then every expanded file framed as `<account>\t<path>`, then
 * what sshd checks before it reads one (`akreal`, `akstat`, `akunread`; scripts/inspect/key-file-refusal.ts decides).
 */
export function parseAuthorizedKeys(text: string, boundary: string): { tokens: string; files: string[]; keys: AuthorizedKey[]; access: KeyFileAccess } {
  const framed = parseFramed(text, boundary);
  const access: KeyFileAccess = { real: new Map(), stat: new Map(), unreadable: new Set() };
  for (const m of framed.markers) {
    const tab = m.rest.indexOf('\t');
    if (tab < 0) continue;
    const head = m.rest.slice(0, tab);
    const tail = m.rest.slice(tab + 1);
    if (m.word === 'akreal') access.real.set(head, tail);
    else if (m.word === 'akunread') access.unreadable.add(`${head}\t${tail}`);
    else if (m.word === 'akstat') {
      const st = /^([0-7]+) (\d+) (\d+)$/.exec(head);
      if (st) access.stat.set(tail, { mode: parseInt(st[1]!, 8), uid: Number(st[2]), gid: Number(st[3]) });
    }
  }
  const keys: AuthorizedKey[] = [];
  const files: string[] = [];
  for (const f of framed.files) {
    const tab = f.label.indexOf('\t');
    if (tab < 0) continue;
    const account = f.label.slice(0, tab);
    const file = f.label.slice(tab + 1);
    files.push(`${account}:${file}`);
    f.content.split('\n').forEach((raw, i) => {
      const k = parseAuthorizedKeyLine(raw);
      if (k) keys.push({ account, file, line: i + 1, type: k.type, fingerprint: fingerprintOfBase64(k.base64), comment: k.comment, options: k.options });
    });
  }
  return { tokens: framed.markers.find((m) => m.word === 'akf')?.rest ?? '', files, keys, access };
}

/** Option names of an authorized_keys options field (`from="…",command="…",no-pty` → from, command, no-pty). */
export function keyOptionNames(options: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < options.length; i++) {
    const ch = options[i]!;
    if (ch === '\\' && options[i + 1] === '"') {
      cur += '\\"';
      i++;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur) out.push(cur);
  return out.map((o) => o.split('=')[0]!.trim().toLowerCase()).filter(Boolean);
}
