import type { Account, FileAcl, FileMeta } from './facts.ts';
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
  const cut = aclAt ? aclAt.line - 1 : all.length;
  const metas = parseFileMeta(all.slice(0, cut).join('\n'));
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

/** Named user and group entries, with the permissions the mask leaves them. */
export function effectiveNamedEntries(acl: FileAcl[]): Array<{ tag: 'user' | 'group'; qualifier: string; perms: string }> {
  const mask = acl.find((e) => e.tag === 'mask')?.perms ?? 'rwx';
  return acl
    .filter((e): e is FileAcl & { tag: 'user' | 'group' } => (e.tag === 'user' || e.tag === 'group') && e.qualifier !== '')
    .map((e) => ({ tag: e.tag, qualifier: e.qualifier, perms: [...e.perms].map((c, i) => (c !== '-' && mask[i] !== '-' ? c : '-')).join('') }))
    .filter((e) => e.perms !== '---');
}
