import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, onTestFinished } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { createGitHubClient } from '../../scripts/github/client.ts';
import { createGitHubScm } from '../../scripts/github/scm.ts';
import { collectGateInput } from '../../scripts/gate/collect-facts.ts';
import { evaluateGate } from '../../scripts/gate/evaluate.ts';
import type { GateResult } from '../../scripts/gate/types.ts';
import { readSchemas } from '../../scripts/repo/read-repo.ts';
import { createSchemaValidator } from '../../scripts/repo/validate-schema.ts';
import { startGitHubServer, type FakeRepo, type GitHubServer } from '../github-server/server.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = path.join(ROOT, 'test/fixtures/gate');
export const TOKEN = 'ghs_0pSg4teT3stT0kenNeverPrinted000000';
export const REPO = 'yunfan/ops';
export const NOW = new Date('2026-11-27T03:00:00Z');

/** People of the sample organisation, by id → GitHub login. */
export const LOGIN = {
  'zhang-wei': 'zhangwei-yf',
  'li-na': 'lina-yf',
  'wang-fang': 'wangfang-yf',
  'liu-yang': 'liuyang-yf',
  'chen-jie': 'chenjie-yf',
  'zhao-min': 'zhaomin-yf',
  'sun-hao': 'sunhao-yf',
  'huang-lei': 'huanglei-yf',
} as const;
export type PersonId = keyof typeof LOGIN;
export const user = (id: PersonId) => ({ login: LOGIN[id], type: 'User' as const });

/** The sample organisation's base files (a snapshot kept in test/fixtures/gate/base/). */
export function baseFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const f of readdirSync(dir)) {
      const full = path.join(dir, f);
      if (statSync(full).isDirectory()) walk(full);
      else out[path.relative(path.join(FIXTURES, 'base'), full).split(path.sep).join('/')] = readFileSync(full, 'utf8');
    }
  };
  walk(path.join(FIXTURES, 'base'));
  out['scripts/bin/opsgate.ts'] = '// code\n';
  out['runbooks/README.md'] = '# runbooks\n';
  return out;
}

export interface ChangeOpts {
  id?: string;
  type?: 'standard' | 'normal' | 'emergency';
  risk?: 'low' | 'medium' | 'high' | 'critical';
  implementer?: PersonId;
  requester?: PersonId;
  hosts?: string[];
  groups?: string[];
  window?: { start: string; end: string };
  title?: string;
}

/** A valid change request (from the sample CHG-2026-0102) with the given fields. */
export function changeYaml(o: ChangeOpts = {}): string {
  const doc = parse(readFileSync(path.join(FIXTURES, 'base/changes/2026/CHG-2026-0102.yaml'), 'utf8')) as Record<string, unknown>;
  doc.id = o.id ?? 'CHG-2026-0200';
  doc.title = o.title ?? doc.title;
  doc.type = o.type ?? 'normal';
  doc.risk = o.risk ?? 'low';
  doc.implementer = o.implementer ?? 'zhao-min';
  doc.requester = o.requester ?? 'chen-jie';
  doc.targets = { ...(o.hosts ? { hosts: o.hosts } : {}), ...(o.groups ? { groups: o.groups } : {}) };
  if (!o.hosts && !o.groups) doc.targets = { hosts: ['app-03'] };
  doc.window = o.window ?? { start: '2026-12-02T14:00:00+08:00', end: '2026-12-02T15:00:00+08:00' };
  if (doc.type === 'emergency') doc.emergency = { justification: 'actively exploited vulnerability on the login path', retro_review_due: '2026-12-04T18:00:00+08:00' };
  else delete doc.emergency;
  return stringify(doc);
}

export const changePath = (id = 'CHG-2026-0200') => `changes/2026/${id}.yaml`;

export interface Harness {
  gh: GitHubServer;
  repo: FakeRepo;
  base: string;
  stop(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const gh = await startGitHubServer({ token: TOKEN });
  const repo = gh.repo(REPO);
  const base = repo.commit({ files: baseFiles(), author: user('zhang-wei'), committer: user('zhang-wei'), message: 'base' });
  return { gh, repo, base, stop: () => gh.stop() };
}

/**
 * A fresh harness for every test of the calling file (started before each, stopped after each): call it once at the
 * top of the file. The object it returns stands for the current test's harness, whatever test is running.
 */
export function useHarness(): Harness {
  let current: Harness | undefined;
  beforeEach(async () => {
    current = await startHarness();
  });
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  return new Proxy({} as Harness, {
    get: (_target, key) => {
      if (!current) throw new Error('useHarness(): the harness exists only while a test runs');
      return current[key as keyof Harness];
    },
  });
}

/** Opens a PR with one commit by `author` that writes `files`. */
export function openPr(h: Harness, number: number, author: PersonId | { login: string; type: 'User' | 'Bot' }, files: Record<string, string | null>) {
  const who = typeof author === 'string' ? user(author) : author;
  const c = h.repo.commit({ parent: h.base, files, author: who, committer: who, message: `PR ${number}` });
  h.repo.openPull({ number, author: who, baseSha: h.base, commits: [c] });
  return c;
}

const validator = createSchemaValidator(await readSchemas(ROOT));

export function client(h: Harness, extra: Parameters<typeof createGitHubClient>[0] = {}) {
  const warnings: string[] = [];
  const octokit = createGitHubClient({ token: TOKEN, baseUrl: h.gh.url, retryUnitMs: 5, writeSpacingMs: 0, warn: (m) => warnings.push(m), ...extra });
  return { scm: createGitHubScm(octokit, REPO), warnings };
}

/** Gathers the facts through the real Octokit client and evaluates them. */
export async function gate(h: Harness, pr: number) {
  const { scm } = client(h);
  const input = await collectGateInput(scm, pr, validator, NOW);
  return evaluateGate(input);
}

/** Runs `opsgate gate` as the CLI would, with an Actions-like environment; captures all output. */
export async function runGateCli(h: Harness, argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) => ({ write: (s: string | Uint8Array) => (append(String(s)), true) }) as unknown as NodeJS.WritableStream;
  const code = await runCli(['gate', ...argv], {
    env: {
      GITHUB_API_URL: h.gh.url,
      GITHUB_REPOSITORY: REPO,
      GITHUB_TOKEN: TOKEN,
      OPSGATE_GITHUB_RETRY_UNIT_MS: '5',
      OPSGATE_GITHUB_WRITE_SPACING_MS: '0',
      ...env,
    },
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    cwd: ROOT,
  });
  return { code, stdout, stderr };
}

/** `gate --simulate` of the db-change fixture against the working tree at `root`, as JSON. */
export async function simulateAt(root: string): Promise<{ code: number; result: GateResult }> {
  let stdout = '';
  const sink = (f: (s: string) => void) => ({ write: (s: string) => (f(String(s)), true) }) as unknown as NodeJS.WritableStream;
  const code = await runCli(['gate', '--root', root, '--simulate', path.join(FIXTURES, 'simulate-db-change.json'), '--format', 'json'], {
    env: {},
    stdout: sink((s) => (stdout += s)),
    stderr: sink(() => undefined),
    cwd: ROOT,
  });
  return { code, result: JSON.parse(stdout) as GateResult };
}

/** A copy of the sample base, outside the repository, removed when the test ends. */
export function sampleBaseCopy(prefix = 'opsgate-base-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(path.join(FIXTURES, 'base'), dir, { recursive: true });
  return dir;
}
