import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { startGitHubServer, type GitHubServer } from '../github-server/server.ts';
import { recommendedSettings, settingsRoutes, type SettingsStore } from '../github-server/routes-settings.ts';
import { captureStdio } from '../helpers/capture.ts';

/**
 * `opsgate doctor` on settings answers of a shape GitHub never sends, through the real Octokit client:
 * the setting that cannot be read is named as unreadable, never an internal error. (An exploratory
 * fuzz of every field of every answer doctor reads × 9 shapes, 1035 cases, crashed 20 times before,
 * all in these two answers.)
 */
const TOKEN = 'ghs_D0ct0rShap3sT0kenNeverPrinted0000000';
const REPO = 'yunfan-tech/ops-policies';
let server: GitHubServer;
let store: SettingsStore;
let root: string;
let edit: { path: RegExp; at: (string | number)[]; value: unknown } | undefined;

beforeAll(async () => {
  server = await startGitHubServer({ token: TOKEN });
  store = new Map();
  server.route(...settingsRoutes(store));
  store.set(REPO, recommendedSettings(918273));
  server.repo(REPO);
  server.rewrite({
    path: /.*/,
    edit: (data, url) => {
      if (!edit || !edit.path.test(url.pathname)) return data;
      if (!edit.at.length) return edit.value;
      const copy = JSON.parse(JSON.stringify(data)) as Record<string | number, unknown>;
      let c = copy;
      for (const s of edit.at.slice(0, -1)) c = c[s] as Record<string | number, unknown>;
      c[edit.at.at(-1)!] = edit.value;
      return copy;
    },
  });
  root = await mkdtemp(path.join(os.tmpdir(), 'og-doctor-shapes-'));
});
afterAll(async () => {
  await server?.stop();
  await rm(root, { recursive: true, force: true });
});

async function doctor() {
  const io = captureStdio();
  const code = await runCli(['--root', root, 'doctor', '--repo', REPO], {
    env: { PATH: process.env.PATH, GITHUB_TOKEN: TOKEN, GITHUB_API_URL: server.url, OPSGATE_GITHUB_RETRY_UNIT_MS: '1' },
    stdout: io.stdout,
    stderr: io.stderr,
    cwd: root,
  });
  return { code, out: io.out(), err: io.err() };
}

const VALUES: unknown[] = [null, 5, 'x', [], {}, [null], [5], ['x'], [{}]];
/** What is edited, where, and whether a string there is a valid answer (then "x" is left out). */
const CASES: [string, RegExp, (string | number)[], boolean][] = [
  ['the repository', /\/ops-policies$/, [], false],
  ['the repository default_branch', /\/ops-policies$/, ['default_branch'], true],
  ['an environment', /\/environments$/, ['environments', 0], false],
  ["an environment's name", /\/environments$/, ['environments', 0, 'name'], true],
];

describe('opsgate doctor on answers of the wrong shape', () => {
  it('baseline: the recommended settings are all ok', async () => {
    edit = undefined;
    expect((await doctor()).code).toBe(0);
  });

  it.each(CASES.flatMap(([what, p, at, isString]) => VALUES.filter((v) => !(isString && typeof v === 'string')).map((value) => [what, JSON.stringify(value), p, at, value] as const)))(
    '%s = %s: a named unreadable setting, never exit 3',
    async (_what, _shown, p, at, value) => {
      edit = { path: p, at: [...at], value };
      const r = await doctor();
      expect(r.err).not.toMatch(/internal error/);
      expect([1, 2]).toContain(r.code);
      expect(r.out + r.err).toMatch(/cannot read the (repository|environments)/);
    },
  );
});
