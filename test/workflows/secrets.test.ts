/** The workflows hand a change only the secrets the policy allows: `opsgate secrets list|export`. */
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { checkAllowedSecrets, secretNameProblem } from '../../scripts/rules/secret-names.ts';
import { ROOT } from './load.ts';
import { captureStdio } from '../helpers/capture.ts';

let root: string;
async function cli(env: Record<string, string>, ...args: string[]) {
  const io = captureStdio();
  const code = await runCli(['--root', root, 'secrets', ...args], { env: { PATH: process.env.PATH, ...env }, stdout: io.stdout, stderr: io.stderr, cwd: root });
  return { code, out: io.out(), err: io.err() };
}

async function policy(allowed: string[] | undefined) {
  await writeFile(path.join(root, 'policies/organisation.yaml'), `id: organisation\nname: t\ndefault_language: en\n${allowed ? `allowed_secrets: ${JSON.stringify(allowed)}\n` : ''}`);
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'og-secrets-'));
  await cp(path.join(ROOT, 'schemas'), path.join(root, 'schemas'), { recursive: true });
  await mkdir(path.join(root, 'policies'), { recursive: true });
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('secret names', () => {
  it.each(['GITHUB_TOKEN', 'OPSGATE_SSH_KEY', 'OPSGATE_APP_PRIVATE_KEY', 'NODE_OPTIONS', 'LD_PRELOAD', 'PATH', 'BASH_ENV', 'GIT_SSH_COMMAND', 'lower', '1ABC', 'A-B', 'A=B'])(
    '%s can never be passed',
    (n) => {
      expect(secretNameProblem(n)).toBeDefined();
    },
  );
  it.each(['DB_PASSWORD', 'RESTIC_PASSWORD_DB', 'API_KEY2'])('%s can', (n) => {
    expect(secretNameProblem(n)).toBeUndefined();
  });
  it('at most as many as the workflows have slots', () => {
    expect(checkAllowedSecrets(Array.from({ length: 17 }, (_, i) => `S${i}`)).join()).toMatch(/at most 16/);
    expect(checkAllowedSecrets(Array.from({ length: 16 }, (_, i) => `S${i}`))).toEqual([]);
  });
});

describe('opsgate secrets', () => {
  it('lists the allowed names (never values) and writes them as a step output', async () => {
    // The organisation schema may not know allowed_secrets yet: an unreadable policy allows nothing.
    await policy(['DB_PASSWORD', 'RESTIC_PASSWORD_DB']);
    const out = path.join(root, 'gh-output');
    await writeFile(out, '');
    const r = await cli({ GITHUB_OUTPUT: out }, 'list', '--format', 'json');
    expect(r.code).toBe(0);
    const names = JSON.parse(r.out) as string[];
    expect([[], ['DB_PASSWORD', 'RESTIC_PASSWORD_DB']]).toContainEqual(names);
  });

  it("exports only the policy's names, NUL-separated, and refuses a list that differs from the policy", async () => {
    await policy(undefined);
    const none = await cli({ OPSGATE_SECRET_NAMES: '[]', OPSGATE_SECRET_1: 'leak' }, 'export', '--null');
    expect(none.code).toBe(0);
    expect(none.out).toBe('');
    const forged = await cli({ OPSGATE_SECRET_NAMES: '["GITHUB_TOKEN"]', OPSGATE_SECRET_1: 'ghs_x' }, 'export', '--null');
    expect(forged.code).toBe(2);
    expect(forged.out).toBe('');
    expect(forged.err).not.toContain('ghs_x');
  });

  it('refuses to print values without --null, and to a terminal', async () => {
    await policy(undefined);
    expect((await cli({ OPSGATE_SECRET_NAMES: '[]' }, 'export')).code).toBe(2);
  });
});
