import type { Account, GroupEntry, KeyFileAccess } from './facts.ts';

/**
 * Whether sshd ignores a keys file before reading a key from it, and why; undefined when it reads it (or when what the probe
 * gathered cannot tell: the file then counts, so a key that might log in is never left out). Pure. As OpenSSH's
 * auth2-pubkeyfile.c and misc.c safe_path do it:
 * - the file is opened with the account's own privileges: one the account cannot read grants nothing;
 * - under StrictModes the file's real path, and every directory above it up to the account's home (or `/`), must be owned
 *   by root or the account and writable by no one else. Debian's sshd also takes a group-writable one whose group is the
 *   account's own private group (measured on the fleet hosts); upstream refuses it. Such a file counts, either way.
 */
export function keyFileRefusal(account: Account, file: string, access: KeyFileAccess, strictModes: boolean, passwd: readonly Account[], groups: readonly GroupEntry[]): string | undefined {
  if (access.unreadable.has(`${account.name}\t${file}`)) return `${account.name} cannot read it, and sshd opens it with ${account.name}'s privileges`;
  if (!strictModes) return undefined;
  const real = access.real.get(file);
  if (!real) return undefined;
  const home = access.real.get(account.home);
  const mode = (m: number) => (m & 0o7777).toString(8).padStart(4, '0');
  // Maybe private to the account: every account whose primary group it is has the account's uid, and its member list names
  // no one else. Counted as accepted (Debian's sshd takes it).
  const ownGroup = (gid: number) => {
    const primary = passwd.filter((a) => a.gid === gid);
    const members = groups.filter((g) => g.gid === gid).flatMap((g) => g.members);
    return primary.every((a) => a.uid === account.uid) && members.every((m) => m === account.name) && primary.length + members.length > 0;
  };
  const unsafe = (p: string): string | undefined => {
    const s = access.stat.get(p);
    if (!s) return undefined;
    if (s.uid !== 0 && s.uid !== account.uid) return `${p} is owned by uid ${s.uid}, neither root nor ${account.name} (mode ${mode(s.mode)})`;
    if (s.mode & 0o002) return `${p} is writable by others (mode ${mode(s.mode)})`;
    if (s.mode & 0o020 && !ownGroup(s.gid)) return `${p} is writable by group ${s.gid}, not ${account.name}'s own (mode ${mode(s.mode)})`;
    return undefined;
  };
  let p = real;
  for (;;) {
    const why = unsafe(p);
    if (why) return `StrictModes: ${why}`;
    if (p === home || p === '/') return undefined;
    p = p.slice(0, p.lastIndexOf('/')) || '/';
  }
}
