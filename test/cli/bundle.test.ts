/**
 * The bin always runs a bundle: built from the sources in a checkout, prebuilt
 * (dist/) in an installed package. A bundle that cannot be built or found is an
 * error with the reason (exit 3), never a silent fallback to tsx.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/repo-from-files.ts';

const exec = promisify(execFile);
let dir: string;

/** A package layout with the real bin and build script, and whatever sources a case writes. */
async function layout(name: string, files: Record<string, string>): Promise<string> {
  const root = path.join(dir, name);
  await mkdir(path.join(root, 'scripts/bin'), { recursive: true });
  await mkdir(path.join(root, 'node_modules'), { recursive: true });
  await writeFile(path.join(root, 'package.json'), JSON.stringify({ name: 'opsgate', version: '0.0.0-test', type: 'module' }));
  for (const f of ['opsgate.mjs', 'build.mjs']) await copyFile(path.join(repoRoot, 'scripts/bin', f), path.join(root, 'scripts/bin', f));
  await symlink(path.join(repoRoot, 'node_modules/esbuild'), path.join(root, 'node_modules/esbuild'));
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  }
  return root;
}

async function bin(root: string, args: string[]) {
  try {
    const r = await exec(process.execPath, [path.join(root, 'scripts/bin/opsgate.mjs'), ...args], { env: { PATH: process.env.PATH } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'og-bundle-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the opsgate bin', () => {
  it('builds the checkout bundle and runs it', async () => {
    const root = await layout('ok', {
      'scripts/bin/opsgate.ts': "import { greet } from './greet.ts';\nprocess.stdout.write(greet() + '\\n');\n",
      'scripts/bin/greet.ts': "export const greet = (): string => 'from the bundle';\n",
      'scripts/report/records-worker.ts': 'export {};\n',
      'scripts/repo/read-worker.ts': 'export {};\n',
    });
    const r = await bin(root, []);
    expect(r).toMatchObject({ code: 0, stdout: 'from the bundle\n' });
  });

  it('a source edited after the build (same size, or a new file) runs from a new bundle', async () => {
    const root = await layout('edited', {
      'scripts/bin/opsgate.ts': "import { greet } from './greet.ts';\nprocess.stdout.write(greet() + '\\n');\n",
      'scripts/bin/greet.ts': "export const greet = (): string => 'first';\n",
      'scripts/report/records-worker.ts': 'export {};\n',
      'scripts/repo/read-worker.ts': 'export {};\n',
    });
    expect(await bin(root, [])).toMatchObject({ code: 0, stdout: 'first\n' });
    // Same size: only the modification time tells the edit apart.
    await writeFile(path.join(root, 'scripts/bin/greet.ts'), "export const greet = (): string => 'again';\n");
    await utimes(path.join(root, 'scripts/bin/greet.ts'), new Date(), new Date(Date.now() + 5000));
    expect(await bin(root, [])).toMatchObject({ code: 0, stdout: 'again\n' });
    await mkdir(path.join(root, 'scripts/deep/er'), { recursive: true });
    await writeFile(path.join(root, 'scripts/deep/er/word.ts'), "export const word = 'nested';\n");
    await writeFile(path.join(root, 'scripts/bin/greet.ts'), "export { word as greetWord } from '../deep/er/word.ts';\nexport const greet = (): string => 'x';\n");
    await writeFile(path.join(root, 'scripts/bin/opsgate.ts'), "import { greetWord } from './greet.ts';\nprocess.stdout.write(greetWord + '\\n');\n");
    expect(await bin(root, [])).toMatchObject({ code: 0, stdout: 'nested\n' });
    await writeFile(path.join(root, 'scripts/deep/er/word.ts'), "export const word = 'nested, edited';\n");
    expect(await bin(root, [])).toMatchObject({ code: 0, stdout: 'nested, edited\n' });
  });

  it('a source that does not build is exit 3 with the located error, and nothing runs', async () => {
    const root = await layout('broken', {
      'scripts/bin/opsgate.ts': "process.stdout.write('ran anyway\\n');\nconst x = ;\n",
      'scripts/report/records-worker.ts': 'export {};\n',
      'scripts/repo/read-worker.ts': 'export {};\n',
    });
    const r = await bin(root, ['--version']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/cannot build the bundle from the sources/);
    expect(r.stderr).toMatch(/scripts\/bin\/opsgate\.ts:2:11: Unexpected ";"/);
  });

  it('an installed package without its prebuilt bundle is exit 3 naming what is missing', async () => {
    const root = await layout('installed', {});
    const r = await bin(root, ['--version']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/this installation has no bundle \(.*dist\/opsgate\.js\)/);
  });

  it('an installed package runs its prebuilt dist/', async () => {
    const root = await layout('prebuilt', { 'dist/opsgate.js': "process.stdout.write('prebuilt\\n');\n" });
    expect(await bin(root, [])).toMatchObject({ code: 0, stdout: 'prebuilt\n' });
  });
});
