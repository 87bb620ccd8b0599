import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Every test cleans up its temporary directories. The run gets a private TMPDIR
 * (workers and the processes they start inherit it, so helpers running tests side
 * by side on one machine do not see each other's files); at the end, any `og-*`
 * entry still in it is a leak: it is named, removed, and the run fails.
 */
export function setup(): () => void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'og-vitest-'));
  const outer = process.env.TMPDIR;
  process.env.TMPDIR = dir;
  return () => {
    const leaked = readdirSync(dir)
      .filter((name) => name.startsWith('og-'))
      .sort();
    rmSync(dir, { recursive: true, force: true });
    if (outer === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = outer;
    if (leaked.length > 0) {
      console.error(`\nTemporary directories left behind by the tests (each test removes what it creates): ${leaked.join(', ')}`);
      // A throw here is only logged by vitest; the exit code is what fails the run.
      process.exitCode = 1;
    }
  };
}
