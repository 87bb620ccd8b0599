import path from 'node:path';
import type { Account, FileAcl, FileLink, FileMeta } from './facts.ts';
import { parseFramed } from './parse-framed.ts';
import { parseFileMeta } from './parse-system.ts';

/**
 * Login shells and POSIX ACLs. Pure.
 *
 * A shell can start a session when it is an executable file and its bytes differ from every
 * real no-login binary on the host (nologin, false, true, sync): a copy of bash named
 * `nologin` is a login shell, a copy of nologin named `bash` is not. /etc/shells is reported
 * beside it (sshd does not consult it; chsh and some PAM stacks do).
 */
export interface ShellFacts {
  /** Executable passwd shells: path → the no-login binary it is byte-identical to, or null. */
  shells: Map<string, string | null>;
  /** Paths listed in /etc/shells. */
  listed: Set<string>;
}

export function parseShells(text: string, boundary: string): ShellFacts {
  const framed = parseFramed(text, boundary);
  const nologin = new Map<string, string>();
  const shells = new Map<string, string | null>();
  for (const l of framed.loose) {
    const [kind, sum, path] = l.split('\t');
    if (!kind || !sum || !path) continue;
    if (kind === 'nologin') {
      if (!nologin.has(sum)) nologin.set(sum, path);
    } else if (kind === 'shell') shells.set(path, nologin.get(sum) ?? null);
  }
  const etc = framed.files.find((f) => f.label === '/etc/shells')?.content ?? '';
  const listed = new Set(
    etc
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#')),
  );
  return { shells, listed };
}

/** Whether an account can open a session with its shell; undefined when the shells were not gathered. */
export function canLogIn(a: Pick<Account, 'shell'>, shells: ShellFacts | undefined): boolean | undefined {
  if (!shells) return undefined;
  if (!shells.shells.has(a.shell)) return false; // missing or not executable
  return shells.shells.get(a.shell) === null;
}

/** Why a shell cannot log in, for messages. */
export function shellVerdict(shell: string, shells: ShellFacts): string {
  if (!shells.shells.has(shell)) return `${shell} is missing or not executable`;
  const same = shells.shells.get(shell);
  if (same) return shell === same ? `${shell} is a no-login binary` : `${shell} is byte-identical to ${same}`;
  return `${shell} can start a session${shells.listed.has(shell) ? '' : ' (not listed in /etc/shells)'}`;
}

/**
 * The files section: `stat` lines, then `<B> acl` and `getfacl -s -p` output (only files with
 * extended entries), or `<B> noacl` and `ls -ld` lines when getfacl is absent.
 */
export function parseFilesSection(text: string, boundary: string): Map<string, FileMeta> {
  const framed = parseFramed(text, boundary);
  const aclAt = framed.markers.find((m) => m.word === 'acl' || m.word === 'noacl');
  const all = text.split('\n');
  const firstMark = framed.markers[0];
  const metas = parseFileMeta(all.slice(0, firstMark ? firstMark.line - 1 : all.length).join('\n'));
  const links = framed.markers.filter((m) => m.word === 'link');
  for (const [i, m] of links.entries()) {
    const end = (links[i + 1] ?? aclAt)?.line ?? all.length + 1;
    const link = parseLinkBlock(m.rest, all.slice(m.line, end - 1));
    const meta = metas.get(m.rest) ?? { path: m.rest, exists: false };
    meta.link = link;
    metas.set(m.rest, meta);
  }
  const cut = aclAt ? aclAt.line - 1 : all.length;
  const after = all.slice(cut + 1);
  if (!aclAt) return metas;
  if (aclAt.word === 'noacl') {
    for (const l of after) {
      const m = /^\S{10}(\+?)\s.*?\s(\/\S.*)$/.exec(l);
      const meta = m ? metas.get(m[2]!) : undefined;
      if (meta) meta.acl = m![1] ? 'unreadable' : [];
    }
    return metas;
  }
  for (const meta of metas.values()) if (meta.exists) meta.acl = [];
  let current: FileMeta | undefined;
  for (const l of after) {
    const f = /^# file: (.*)$/.exec(l);
    if (f) {
      current = metas.get(f[1]!);
      if (current) current.acl = [];
      continue;
    }
    const e = /^(user|group|mask|other):([^:]*):([rwx-]{3})/.exec(l);
    if (e && current && Array.isArray(current.acl)) current.acl.push({ tag: e[1] as FileAcl['tag'], qualifier: e[2]!, perms: e[3]! });
  }
  return metas;
}

const NAMEI = /^\s*([-dlcbpsD?])([rwxsStT-]{9})\s+(\S+)\s+(\S+)\s+(.*)$/;

/**
 * One link's block: `EXISTS TARGET` (readlink -m), then `namei -l` of the path. Every directory on the way from the link to
 * what it resolves to (namei's lines after the link's own line) that anyone but root could write is unsafe: owned by another
 * account, group-writable with a group other than root, or writable by others (sticky or not: a name not yet taken can be
 * taken). The link's own directories are not judged here, as for any file.
 */
export function parseLinkBlock(linkPath: string, lines: string[]): FileLink {
  const head = /^([01]) (\/.*)$/.exec(lines[0] ?? '');
  const link: FileLink = { target: head?.[2] ?? '', exists: head?.[1] === '1', unsafe: [] };
  let cur: string | undefined;
  for (const l of lines.slice(1)) {
    const m = NAMEI.exec(l);
    if (!m) continue;
    const [, type, perms, owner, group, rawName] = m as unknown as [string, string, string, string, string, string];
    if (cur === undefined) {
      // The link's own line ends its own directories; what follows resolves its target.
      if (type === 'l' && l === l.trimStart() && rawName.replace(/ -> .*$/, '') === path.posix.basename(linkPath)) cur = path.posix.dirname(linkPath);
      continue;
    }
    const name = type === 'l' ? rawName.replace(/ -> .*$/, '') : rawName;
    cur = name === '/' ? '/' : path.posix.join(cur, name);
    if (type === 'l') {
      cur = path.posix.dirname(cur);
      continue;
    }
    if (type !== 'd' && type !== 'D') continue;
    const why = owner !== 'root' ? `owner ${owner}` : perms[7] === 'w' ? `writable by others, mode ${type}${perms}` : perms[4] === 'w' && group !== 'root' ? `writable by group ${group}` : '';
    if (why && !link.unsafe.includes(`${cur} (${why})`)) link.unsafe.push(`${cur} (${why})`);
  }
  return link;
}

/** Named user and group entries, with the permissions the mask leaves them. */
export function effectiveNamedEntries(acl: FileAcl[]): Array<{ tag: 'user' | 'group'; qualifier: string; perms: string }> {
  const mask = acl.find((e) => e.tag === 'mask')?.perms ?? 'rwx';
  return acl
    .filter((e): e is FileAcl & { tag: 'user' | 'group' } => (e.tag === 'user' || e.tag === 'group') && e.qualifier !== '')
    .map((e) => ({ tag: e.tag, qualifier: e.qualifier, perms: [...e.perms].map((c, i) => (c !== '-' && mask[i] !== '-' ? c : '-')).join('') }))
    .filter((e) => e.perms !== '---');
}
