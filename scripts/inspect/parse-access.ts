import { createHash } from 'node:crypto';
import type { AuthorizedKey, SudoersFacts, SudoRule } from './facts.ts';

/** Pure parsers for authorized_keys (fingerprints computed locally) and sudoers. */

const KEY_TYPE = /^(ssh-ed25519|ssh-rsa|ssh-dss|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)$/;

export function fingerprintOfBase64(b64: string): string {
  return 'SHA256:' + createHash('sha256').update(Buffer.from(b64, 'base64')).digest('base64').replace(/=+$/, '');
}

/** Splits a line on whitespace outside double quotes (authorized_keys options may quote spaces). */
function tokens(line: string): string[] {
  const out: string[] = [];
  let cur = ''; let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    if (!quoted && /\s/.test(ch)) { if (cur) out.push(cur); cur = ''; } else cur += ch;
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

/** Probe section: `#file <account> <path>` followed by that file's content. */
export function parseAuthorizedKeys(text: string): AuthorizedKey[] {
  const out: AuthorizedKey[] = [];
  let account = ''; let file = ''; let n = 0;
  for (const raw of text.split('\n')) {
    const m = /^#file (\S+) (.+)$/.exec(raw);
    if (m) { account = m[1]!; file = m[2]!; n = 0; continue; }
    n++;
    if (!account) continue;
    const k = parseAuthorizedKeyLine(raw);
    if (k) out.push({ account, file, line: n, type: k.type, fingerprint: fingerprintOfBase64(k.base64), comment: k.comment, options: k.options });
  }
  return out;
}

const RULE = /^(\S+)\s+([^=\s]+(?:\s*,\s*[^=\s]+)*)\s*=\s*(?:\(([^)]*)\)\s*)?((?:(?:NO)?(?:PASSWD|SETENV|EXEC|NOEXEC|LOG_INPUT|LOG_OUTPUT|MAIL|FOLLOW|INTERCEPT)\s*:\s*)*)(.*)$/;

/** Probe section: `#file <path>` followed by that file. Defaults, aliases and includes are not rules. */
export function parseSudoers(text: string): SudoersFacts {
  const rules: SudoRule[] = [];
  const unparsed: SudoersFacts['unparsed'] = [];
  let file = ''; let n = 0; let pending = ''; let pendingLine = 0;
  for (const raw of text.split('\n')) {
    const m = /^#file (.+)$/.exec(raw);
    if (m) { file = m[1]!; n = 0; pending = ''; continue; }
    n++;
    if (pending === '') pendingLine = n;
    if (raw.endsWith('\\')) { pending += raw.slice(0, -1) + ' '; continue; }
    const line = (pending + raw).trim();
    pending = '';
    if (!line || /^#(?!include)/.test(line) || /^[@#]include(dir)?\b/.test(line) || /^Defaults\b/.test(line) || /^(User|Runas|Host|Cmnd|Cmd)_Alias\b/.test(line)) continue;
    const r = RULE.exec(line);
    if (!r) { unparsed.push({ file, line: pendingLine, text: line }); continue; }
    const runas = (r[3] ?? 'root').split(':')[0]!.trim() || 'root';
    rules.push({ file, line: pendingLine, who: r[1]!, runas, nopasswd: /NOPASSWD\s*:/.test(r[4] ?? ''), commands: r[5]!.split(',').map((c) => c.trim()).filter(Boolean) });
  }
  return { rules, unparsed };
}
