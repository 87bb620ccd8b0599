/**
 * `--root` naming something that is not a repository directory is unusable input
 * (exit 2, one located line and a hint) for every command that reads the
 * repository, never "internal error" (exit 3). Found by sweeping the bin with bad
 * roots: plan, inspect and both converges used to exit 3 on a missing root.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../scripts/model/errors.ts';
import { readRepo } from '../../scripts/repo/read-repo.ts';
import { runBin } from '../helpers/bin.ts';

let dir: string;

const bin = (args: string[]) => runBin(args, dir, 60_000);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'og-missing-root-'));
  await writeFile(path.join(dir, 'a-file'), 'not a repository\n');
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Invocations that are complete apart from the repository: each reads it. */
const READERS: string[][] = [
  ['lint'],
  ['plan', 'CHG-2026-0001'],
  ['inspect'],
  ['inspect', '--record'],
  ['converge', 'access', '--check'],
  ['converge', 'backup', '--check'],
  ['report', 'audit', '--out', 'out'],
  ['secrets', 'list'],
  ['handover', 'new', '--dry-run'],
  ['calendar', 'export', '--ics'],
  ['new', 'change', '--title', 'x'],
];

describe('--root that is not a repository directory', () => {
  for (const root of ['no-such-directory', 'a-file']) {
    it.each(READERS.map((a) => [a.join(' '), a] as const))(`%s with --root ${root} exits 2 naming the root`, async (_name, args) => {
      const r = await bin(['--root', root, ...args]);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(path.join(dir, root));
    });
  }
});

describe('readRepo, for callers that do not come through the CLI', () => {
  it.each(['no-such-directory', 'a-file'])('refuses --root %s as unusable input, not an empty repository', async (root) => {
    await expect(readRepo(path.join(dir, root))).rejects.toBeInstanceOf(UsageError);
  });
});
