/**
 * The bin always runs a bundle: built from the sources in a checkout, prebuilt
 * (dist/) in an installed package. A bundle that cannot be built or found is an
 * error with the reason (exit 3), never a silent fallback to tsx. The precompiled
 * validators' script ships as a file beside the bundle, checked against the digest
 * built into it before it runs (exit 2 when missing or changed). A bundle holds two programs:
 * lint's own, one file, and the code-split one of every command; its start.js runs the first
 * for a lint command line only (scripts/bin/program-for.ts), and either keeps the exit codes.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FULL_PROGRAM, LINT_PROGRAM, programFor } from '../../scripts/bin/program-for.ts';
import { splitGlobalArgs } from '../../scripts/bin/run-cli.ts';
import { commands } from '../../scripts/commands/index.ts';
import { commands as lintOnly } from '../../scripts/commands/lint-only.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';

const exec = promisify(execFile);
let dir: string;

/** A package layout with the real bin, build script and start entry, and whatever sources a case writes. */
async function layout(name: string, files: Record<string, string>): Promise<string> {
  const root = path.join(dir, name);
  await mkdir(path.join(root, 'scripts/bin'), { recursive: true });
  await mkdir(path.join(root, 'node_modules'), { recursive: true });
  await writeFile(path.join(root, 'package.json'), JSON.stringify({ name: 'opsgate', version: '0.0.0-test', type: 'module' }));
  for (const f of ['opsgate.mjs', 'build.mjs', 'start.ts', 'program-for.ts']) await copyFile(path.join(repoRoot, 'scripts/bin', f), path.join(root, 'scripts/bin', f));
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
    expect(r.stderr).toMatch(/this installation has no bundle \(.*dist\/start\.js\)/);
  });

  it('an installed package runs its prebuilt dist/', async () => {
    const root = await layout('prebuilt', { 'dist/start.js': "process.stdout.write('prebuilt\\n');\n" });
    expect(await bin(root, [])).toMatchObject({ code: 0, stdout: 'prebuilt\n' });
  });
});

describe('how the bin exits', () => {
  /** The real entry (scripts/bin/opsgate.ts) around a runCli that leaves work pending after it returns. */
  const entry = async (name: string) =>
    layout(name, {
      'scripts/bin/opsgate.ts': await readFile(path.join(repoRoot, 'scripts/bin/opsgate.ts'), 'utf8'),
      'scripts/bin/run-cli.ts':
        "export async function runCli(argv: string[]): Promise<number> {\n  setTimeout(() => process.stdout.write('written after the command returned\\n'), 200);\n  return Number(argv[0]);\n}\n",
      'scripts/report/records-worker.ts': 'export {};\n',
      'scripts/repo/read-worker.ts': 'export {};\n',
    });

  it('waits for whatever the command left running, and exits with the command code', async () => {
    const root = await entry('exit-pending');
    expect(await bin(root, ['1'])).toMatchObject({ code: 1, stdout: 'written after the command returned\n' });
    expect(await bin(root, ['0'])).toMatchObject({ code: 0, stdout: 'written after the command returned\n' });
  });

  it('then ends the process itself, so V8 does not tear down the heap page by page (0.1 s at 10k documents)', async () => {
    const root = await entry('exit-hard');
    // --trace-exit reports a process.exit(); a process that merely runs out of work reports nothing.
    const r = await exec(process.execPath, ['--trace-exit', path.join(root, 'scripts/bin/opsgate.mjs'), '0'], { env: { PATH: process.env.PATH } });
    expect(r.stdout).toBe('written after the command returned\n');
    expect(r.stderr).toMatch(/Exited the environment with code 0/);
  });
});

describe('the bundle built from this checkout', () => {
  let built: string;
  const script = path.join(repoRoot, 'scripts/repo/validators.generated.js');
  /** Runs a bundle directory's start.js (or `program`) as `lint ARGS` on the sample organisation. */
  async function lintWith(bundle: string, env: Record<string, string> = {}, { program = 'start.js', args = ['--format', 'json'] } = {}) {
    try {
      const r = await exec(process.execPath, [path.join(bundle, program), '--root', repoRoot, 'lint', ...args], { env: { PATH: process.env.PATH, ...env }, maxBuffer: 64 << 20 });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const x = e as { code: number; stdout: string; stderr: string };
      return { code: x.code, stdout: x.stdout, stderr: x.stderr };
    }
  }
  /** A copy of the built bundle to damage (inside the checkout, so its packages resolve). */
  async function copyOfBundle(): Promise<string> {
    const copy = await mkdtemp(path.join(path.dirname(built), 'copy-'));
    await cp(built, copy, { recursive: true });
    return copy;
  }

  beforeAll(async () => {
    await mkdir(path.join(repoRoot, '.tmp'), { recursive: true });
    built = path.join(await mkdtemp(path.join(repoRoot, '.tmp', 'og-bundle-')), 'dist');
    await exec(process.execPath, [path.join(repoRoot, 'scripts/bin/build.mjs'), built]);
  }, 120_000);
  afterAll(async () => {
    if (built) await rm(path.dirname(built), { recursive: true, force: true });
  });

  it('carries the validators as their script beside its code, not as a megabyte literal V8 compiles on every start', async () => {
    expect(await readFile(path.join(built, 'validators.generated.js'))).toEqual(await readFile(script));
    for (const f of (await readdir(built)).filter((f) => f.endsWith('.js') && f !== 'validators.generated.js')) {
      const text = await readFile(path.join(built, f), 'utf8');
      expect({ f, literal: text.includes('(function (require, DATE_FORMATS)') }).toEqual({ f, literal: false });
      expect({ f, small: (await stat(path.join(built, f))).size < 600_000 }).toEqual({ f, small: true });
    }
    for (const program of ['start.js', 'opsgate.js']) {
      const r = await lintWith(built, {}, { program });
      expect({ program, stderr: r.stderr, code: r.code }).toEqual({ program, stderr: '', code: 0 });
      expect(JSON.parse(r.stdout).documents).toBeGreaterThan(100);
    }
  });

  it('runs lint from its own program, one file, without any chunk of the program of every command', async () => {
    const lintOnly = await copyOfBundle();
    const kept = (f: string) => !f.endsWith('.js') || f.startsWith('opsgate-lint') || f === 'start.js' || f === 'validators.generated.js';
    for (const f of await readdir(lintOnly)) if (!kept(f)) await unlink(path.join(lintOnly, f));
    expect((await readdir(lintOnly)).filter((f) => /^opsgate-lint.*\.js$/.test(f)).length).toBeLessThan(6);
    const r = await lintWith(lintOnly);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(r.stdout).documents).toBeGreaterThan(100);
  });

  it("lint's program keeps every exit code: its errors, and those of the module it loads lazily, are run-cli's own classes", async () => {
    const help = await lintWith(built, {}, { args: ['--help'] });
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout).toMatch(/^usage: opsgate lint /);
    const usage = await lintWith(built, {}, { args: ['--format', 'nope'] });
    expect(usage).toMatchObject({ code: 2, stdout: '' });
    expect(usage.stderr).toMatch(/^opsgate: lint: --format must be one of/);
    // UsageError thrown in scripts/repo/git-changes.ts, a chunk lint's program loads only for --changed-since.
    const ref = await lintWith(built, {}, { args: ['--changed-since', 'no-such-revision'] });
    expect(ref).toMatchObject({ code: 2, stdout: '' });
    expect(ref.stderr).toMatch(/^opsgate: --changed-since: 'no-such-revision' is not a revision/);
  });

  it('lint does not load node:child_process in either program: git-changes is loaded only for --changed-since', async () => {
    // A preload that lists the built-in modules the process loaded, at its exit.
    const probe = path.join(path.dirname(built), 'loaded-builtins.cjs');
    const out = path.join(path.dirname(built), 'loaded-builtins.txt');
    await writeFile(probe, "process.on('exit', () => require('node:fs').writeFileSync(process.env.LOADED_OUT, process.moduleLoadList.join('\\n')));\n");
    for (const program of ['start.js', 'opsgate.js']) {
      await exec(process.execPath, ['-r', probe, path.join(built, program), '--root', repoRoot, 'lint', '--format', 'json'], { env: { PATH: process.env.PATH, LOADED_OUT: out }, maxBuffer: 64 << 20 });
      const loaded = (await readFile(out, 'utf8')).split('\n');
      expect(loaded).toContain('NativeModule fs/promises');
      expect({ program, childProcess: loaded.filter((m) => /^NativeModule (internal\/)?child_process$/.test(m)) }).toEqual({ program, childProcess: [] });
    }
  });

  it('refuses to run without the script, or with a changed one: exit 2 naming the file, nothing validated', async () => {
    const missing = await copyOfBundle();
    await unlink(path.join(missing, 'validators.generated.js'));
    const gone = await lintWith(missing);
    expect(gone.code).toBe(2);
    expect(gone.stdout).toBe('');
    expect(gone.stderr).toContain(`opsgate: ${path.join(missing, 'validators.generated.js')} is missing`);

    const changed = await copyOfBundle();
    const text = await readFile(script, 'utf8');
    const at = text.indexOf('"minLength"');
    await writeFile(path.join(changed, 'validators.generated.js'), text.slice(0, at) + '"minLengtx"' + text.slice(at + 11));
    const envs: Record<string, string>[] = [{}, { OPSGATE_READ_WORKER: '1' }, { OPSGATE_CODE_CACHE_DIR: changed }];
    for (const env of envs) {
      const r = await lintWith(changed, env);
      expect({ env, code: r.code, stdout: r.stdout }).toEqual({ env, code: 2, stdout: '' });
      expect(r.stderr).toContain(`opsgate: ${path.join(changed, 'validators.generated.js')}: its sha256 `);
    }
  });
});

describe('building a bundle whose code reads the validators script', () => {
  const uses = "import { sourceSha256 } from './validators.generated.mjs';\nexport const digest = sourceSha256;\n";
  const entry = "import { digest } from '../repo/precompiled-validators.ts';\nprocess.stdout.write(digest + '\\n');\n";
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');

  it('is exit 3 naming the script when it is missing from the sources', async () => {
    const root = await layout('no-script', {
      'scripts/bin/opsgate.ts': entry,
      'scripts/repo/precompiled-validators.ts': uses,
      'scripts/repo/validators.generated.mjs': `export const sourceSha256 = '${sha('x')}';\n`,
      'scripts/report/records-worker.ts': 'export {};\n',
      'scripts/repo/read-worker.ts': 'export {};\n',
    });
    const r = await bin(root, []);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/cannot build the bundle from the sources/);
    expect(r.stderr).toContain(path.join(root, 'scripts/repo/validators.generated.js'));
  });

  it('is exit 3 when the script does not match the digest generated with it, and copies it when it does', async () => {
    const root = await layout('stale-script', {
      'scripts/bin/opsgate.ts': entry,
      'scripts/repo/precompiled-validators.ts': uses,
      'scripts/repo/validators.generated.mjs': `export const sourceSha256 = '${sha('(function () {})')}';\n`,
      'scripts/repo/validators.generated.js': '(function () { edited })',
      'scripts/report/records-worker.ts': 'export {};\n',
      'scripts/repo/read-worker.ts': 'export {};\n',
    });
    const r = await bin(root, []);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${path.join(root, 'scripts/repo/validators.generated.js')} does not match`);
    expect(r.stderr).toContain('npm run gen:types');
    await writeFile(path.join(root, 'scripts/repo/validators.generated.js'), '(function () {})');
    expect(await bin(root, [])).toMatchObject({ code: 0, stdout: `${sha('(function () {})')}\n` });
  });
});

describe('which program the bundle runs for a command line', () => {
  const words = [
    'lint',
    'records',
    '--root',
    '--root=x',
    '--root=',
    'dir',
    '-x',
    '--debug',
    '--debug=1',
    '--now',
    '--now=2026-12-01T00:00:00Z',
    '2026-12-01T00:00:00Z',
    '--',
    '--help',
    '--format',
    'json',
  ];
  /** Every command line of up to four of these words. */
  function* lines(prefix: string[] = []): Generator<string[]> {
    yield prefix;
    if (prefix.length < 4) for (const w of words) yield* lines([...prefix, w]);
  }

  it("lint's own program only when run-cli.ts reads the command as lint (or refuses the line before any command)", () => {
    let lint = 0;
    for (const argv of lines()) {
      if (programFor(argv) !== LINT_PROGRAM) continue;
      lint++;
      let command: string | undefined;
      try {
        command = splitGlobalArgs(argv, '/').rest[0];
      } catch {
        continue; // the same usage error in either program
      }
      expect({ argv, command }).toEqual({ argv, command: 'lint' });
    }
    expect(lint).toBeGreaterThan(100);
  });

  it("lint's program has lint as the registry of every command has it", async () => {
    expect(Object.keys(lintOnly)).toEqual(['lint']);
    expect(lintOnly.lint!.summary).toBe(commands.lint!.summary);
    expect(await lintOnly.lint!.args()).toBe(await commands.lint!.args());
    expect(await lintOnly.lint!.load()).toBe(await commands.lint!.load());
  });

  it("lint's program for the usual lint lines, the full one for every other command", () => {
    for (const argv of [['lint'], ['lint', '--format', 'json'], ['--root', 'dir', 'lint'], ['--root=dir', '--debug', 'lint', 'changes/'], ['--now', '2026-12-01T00:00:00+08:00', 'lint']])
      expect({ argv, program: programFor(argv) }).toEqual({ argv, program: LINT_PROGRAM });
    for (const argv of [[], ['--help'], ['records', 'lint'], ['--root', 'lint'], ['--root', '--debug', 'lint'], ['--', 'lint'], ['gate', '--root', 'x']])
      expect({ argv, program: programFor(argv) }).toEqual({ argv, program: FULL_PROGRAM });
  });
});
