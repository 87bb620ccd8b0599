/**
 * A file-system error the user can fix (an output path under a file, a read-only or
 * full disk, a missing permission), described in one line for the CLI boundary
 * (run-cli.ts): unusable input, exit 2, not "internal error". Pure.
 */
const REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory',
  EEXIST: 'it exists already',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many levels of symbolic links',
};

const VERBS: Record<string, string> = {
  open: 'open',
  mkdir: 'create the directory',
  rmdir: 'remove the directory',
  rename: 'rename',
  unlink: 'remove',
  write: 'write',
  scandir: 'read the directory',
  opendir: 'read the directory',
  copyfile: 'copy to',
  stat: 'read',
  lstat: 'read',
  realpath: 'resolve',
  access: 'access',
  symlink: 'create the link',
  chmod: 'change the mode of',
};

export const FILE_SYSTEM_HINT = 'check that the path names a directory this user may write to, on a disk with space';

/** `cannot create the directory /x/y: a part of the path is a file, not a directory`, or undefined for anything else. */
export function describeFileSystemError(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const { code, path, syscall } = err as NodeJS.ErrnoException;
  if (typeof code !== 'string' || typeof path !== 'string' || !(code in REASONS)) return undefined;
  if (syscall !== undefined && !(syscall in VERBS)) return undefined; // spawn, connect, …: not a path the user named
  return `cannot ${syscall ? VERBS[syscall] : 'use'} ${path}: ${REASONS[code]}`;
}
