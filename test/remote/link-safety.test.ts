/**
 * The one link-safety rule converge applies to every path it would change (scripts/remote/link-safety.ts), run in
 * dash against real files in a temporary directory: a link anywhere on the path, a file that is not a regular file,
 * an inode with another name, each refused with the offender named; a plain file, or one not there yet below plain
 * directories, allowed. The fleet tests (test/converge/baseline.fleet.test.ts, access.fleet.test.ts) attack the
 * same rule through converge on real hosts.
 */
import { spawnSync } from 'node:child_process';
import { link, mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LINK_SAFETY_FUNCTION } from '../../scripts/remote/link-safety.ts';

let dir: string;

beforeAll(async () => {
  dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'og-link-safety-')));
  // dir/real/etc/file, a plain tree; dir/via -> real (a link to a directory above a file); dir/real/etc/leaf -> file.
  await mkdir(path.join(dir, 'real', 'etc', 'sub'), { recursive: true });
  await writeFile(path.join(dir, 'real', 'etc', 'file'), 'x\n');
  await writeFile(path.join(dir, 'real', 'etc', 'twin-a'), 'x\n');
  await link(path.join(dir, 'real', 'etc', 'twin-a'), path.join(dir, 'real', 'etc', 'twin-b'));
  await symlink(path.join(dir, 'real'), path.join(dir, 'via'));
  await symlink('file', path.join(dir, 'real', 'etc', 'leaf'));
  await symlink('/etc/shadow', path.join(dir, 'real', 'etc', 'odd\tname\nhere'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** og_unsafe PATH in dash: what it prints and whether it says the path is unsafe. */
function unsafe(p: string): { unsafe: boolean; why: string } {
  const r = spawnSync('dash', ['-c', `${LINK_SAFETY_FUNCTION}\nog_unsafe "$1"`, 'sh', p], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return { unsafe: r.status === 0, why: r.stdout };
}

describe('og_unsafe: the link-safety rule converge applies to a path it would change', () => {
  it.each([
    ['a plain regular file', 'real/etc/file'],
    ['a file not there yet, below plain directories', 'real/etc/sub/new'],
  ])('%s may be changed: nothing printed', (_what, rel) => {
    expect(unsafe(path.join(dir, rel))).toEqual({ unsafe: false, why: '' });
  });

  it.each([
    ['the file itself is a link', 'real/etc/leaf', (d: string) => `${d}/real/etc/leaf is a symbolic link to file`],
    ['a directory above it is a link', 'via/etc/file', (d: string) => `${d}/via is a symbolic link to ${d}/real`],
    ['a directory above a file not there yet is a link', 'via/etc/sub/new', (d: string) => `${d}/via is a symbolic link to ${d}/real`],
    ['the deepest link is named first', 'via/etc/leaf', (d: string) => `${d}/via/etc/leaf is a symbolic link to file`],
    ['not a regular file (a directory)', 'real/etc/sub', (d: string) => `${d}/real/etc/sub is not a regular file`],
    ['one name of an inode with two', 'real/etc/twin-b', (d: string) => `${d}/real/etc/twin-b has 2 hard links`],
    ['a link whose name holds a tab and a newline: one line', 'real/etc/odd\tname\nhere', (d: string) => `${d}/real/etc/odd name here is a symbolic link to /etc/shadow`],
  ])('refused when %s, the offender named', (_what, rel, why) => {
    expect(unsafe(path.join(dir, rel))).toEqual({ unsafe: true, why: why(dir) });
  });

  it('refuses a relative path', () => {
    expect(unsafe('etc/file')).toEqual({ unsafe: true, why: 'etc/file is not an absolute path' });
  });
});
