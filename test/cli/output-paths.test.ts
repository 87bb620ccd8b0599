/**
 * An output path the user named that cannot be written (under a regular file here;
 * read-only or full disks, missing permissions alike) is unusable input: exit 2 with
 * the path and the reason, never "internal error" (exit 3). Found by sweeping the bin:
 * calendar export, demo, gate --decision-out and land stage exited 3.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFileSystemError } from '../../scripts/model/file-system-error.ts';
import { runBin } from '../helpers/bin.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';

let dir: string;
let blocked: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'og-output-paths-'));
  await writeFile(path.join(dir, 'a-file'), 'in the way\n');
  blocked = path.join(dir, 'a-file', 'out');
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const bin = (args: string[]) => runBin(['--root', repoRoot, ...args], dir);

describe('an output path under a regular file', () => {
  const cases: [string, () => string[]][] = [
    ['calendar export --ics --out', () => ['calendar', 'export', '--ics', '--out', blocked]],
    ['demo --out', () => ['demo', '--out', blocked]],
    ['gate --simulate --decision-out', () => ['gate', '--simulate', path.join(repoRoot, 'test/fixtures/gate/simulate-db-change.json'), '--decision-out', path.join(blocked, 'decision.json')]],
    ['land stage --out', () => ['land', 'stage', '--flow', 'inspect', '--run', '1', '--out', blocked]],
  ];
  it.each(cases)('%s exits 2 naming the path and the reason', async (_name, args) => {
    const r = await bin(args());
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.stderr).toContain(blocked);
    expect(r.stderr).toMatch(/a part of the path is a file, not a directory/);
    expect(r.code).toBe(2);
  });
});

describe('describeFileSystemError', () => {
  const errno = (code: string, syscall: string | undefined, p: string | undefined) => Object.assign(new Error(code), { code, ...(syscall ? { syscall } : {}), ...(p ? { path: p } : {}) });
  it('names the operation, the path and the reason', () => {
    expect(describeFileSystemError(errno('EROFS', 'open', '/r/o.json'))).toBe('cannot open /r/o.json: read-only file system');
    expect(describeFileSystemError(errno('ENOSPC', 'write', '/full/x'))).toBe('cannot write /full/x: no space left on the device');
  });
  it('leaves everything else to the internal-error path', () => {
    expect(describeFileSystemError(errno('ENOTDIR', 'spawn git', 'git'))).toBeUndefined(); // a process, not a path the user named
    expect(describeFileSystemError(errno('EMFILE', 'open', '/x'))).toBeUndefined(); // our descriptors, not the user's path
    expect(describeFileSystemError(errno('ENOENT', 'open', undefined))).toBeUndefined();
    expect(describeFileSystemError(new TypeError('x is undefined'))).toBeUndefined();
    expect(describeFileSystemError('ENOENT')).toBeUndefined();
  });
});
