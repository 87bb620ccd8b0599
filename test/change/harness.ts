/**
 * A throw-away repository (real git) around a running test fleet: inventory from
 * the fleet, access policy, calendar, changes merged through "pull requests"
 * (merge commits) and gate decision records for them.
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { RecordWriter } from '../../scripts/records/writer.ts';
import type { RunningFleet } from '../fleet/fleet.ts';

export const REPO = path.resolve(import.meta.dirname, '../..');

export function git(root: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } });
}

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, '+00:00');
}

/**
 * The window of a test change: the hour before now to the hour after. It may cross midnight in
 * Asia/Shanghai: maintenance time continues across the test calendar's back-to-back daily
 * `always` occurrences (scripts/rules/calendar.ts, continuousRun). Cutting it at midnight, as
 * this did once, left a window that closed within a step's 300 s timeout from 15:55 to 16:00 UTC.
 */
function testWindow(now = Date.now()): { start: string; end: string } {
  return { start: iso(now - 3_600_000), end: iso(now + 3_600_000) };
}

export function changeDoc(id: string, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    id,
    title: `test change ${id}`,
    type: 'normal',
    risk: 'low',
    requester: 'alice',
    implementer: 'alice',
    purpose: 'exercise opsgate apply against the test fleet',
    impact: { description: 'test hosts only, no users', expected_downtime_minutes: 0 },
    window: testWindow(),
    ...fields,
  };
}

/** The steps' repository files (upload sources, scripts) of a change document. */
export function deploysOf(doc: Record<string, unknown>): string[] {
  const steps = [...((doc.steps as Record<string, unknown>[]) ?? []), ...((doc.rollback as Record<string, unknown>[]) ?? [])];
  return [...new Set(steps.flatMap((s) => (s.kind === 'upload' ? [s.source as string] : s.kind === 'run' && s.script ? [s.script as string] : [])))];
}

/**
 * Appends a gate decision as `opsgate gate --record` writes it: for a pull request into main, naming its head,
 * and binding each change's file and deployed files to their blobs at that head.
 */
export async function recordDecision(root: string, pr: number, head: string, status: string, changes: { file: string; id: string }[], extra: Record<string, unknown> = {}): Promise<void> {
  const blob = (p: string) => {
    try {
      return git(root, 'rev-parse', `${head}:${p}`).trim();
    } catch {
      return null;
    }
  };
  const bindings = changes.map((c) => {
    const doc = parse(git(root, 'show', `${head}:${c.file}`)) as Record<string, unknown>;
    return { change: c.id, file: c.file, blob: blob(c.file), deploys: deploysOf(doc).map((p) => ({ path: p, blob: blob(p) })) };
  });
  const w = await RecordWriter.open(path.join(root, `records/gate/org/ops/pr-${pr}.jsonl`));
  await w.append({
    at: new Date().toISOString(),
    type: 'gate.decision',
    format: 'opsgate.gate-decision/2',
    repository: 'org/ops',
    pr,
    head_sha: head,
    base_ref: 'main',
    context: 'opsgate/approval (main)',
    status,
    evaluated_at: new Date().toISOString(),
    changes: bindings,
    ...extra,
  });
  await w.close();
}

export interface TestRepo {
  root: string;
  /** Merges a change through PR `pr` and records a gate decision with `status` for it (none: no record). */
  mergeChange(doc: Record<string, unknown>, pr: number, status?: 'satisfied' | 'pending' | 'none', files?: Record<string, string>): Promise<void>;
  write(rel: string, data: unknown): Promise<void>;
  commit(message: string): void;
  cleanup(): Promise<void>;
}

export async function makeRepo(fleet: RunningFleet, extra: Record<string, unknown> = {}): Promise<TestRepo> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'og-change-'));
  await cp(path.join(REPO, 'schemas'), path.join(root, 'schemas'), { recursive: true });
  await fleet.writeInventory(root);
  const write = async (rel: string, data: unknown) => {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), typeof data === 'string' ? data : stringify(data));
  };
  await write('inventory/groups/web.yaml', { id: 'web', title: 'web', owners: [] });
  // The secrets a change may receive (the fleet tests' OG_TEST_TOKEN); apply refuses any other.
  await write('policies/organisation.yaml', { id: 'organisation', name: 'test org', default_language: 'en', allowed_secrets: ['OG_TEST_TOKEN'] });
  await write('policies/calendar.yaml', {
    id: 'calendar',
    timezone: 'Asia/Shanghai',
    maintenance_windows: [{ id: 'always', title: 'always', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '00:00' }],
    ...((extra.calendar as object) ?? {}),
  });
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'add', '.');
  git(root, 'commit', '-q', '-m', 'base');
  const repo: TestRepo = {
    root,
    write,
    commit(message) {
      git(root, 'add', '-A');
      git(root, 'commit', '-q', '--allow-empty', '-m', message);
    },
    async mergeChange(doc, pr, status = 'satisfied', files = {}) {
      git(root, 'checkout', '-q', '-b', `pr-${pr}`);
      await write(`changes/2026/${doc.id as string}.yaml`, doc);
      for (const [rel, text] of Object.entries(files)) await write(rel, text);
      git(root, 'add', '-A');
      git(root, 'commit', '-q', '-m', `add ${doc.id as string}`);
      const head = git(root, 'rev-parse', 'HEAD').trim();
      git(root, 'checkout', '-q', 'main');
      git(root, 'merge', '-q', '--no-ff', `pr-${pr}`, '-m', `Merge pull request #${pr} from org/pr-${pr}`);
      if (status !== 'none') {
        await recordDecision(root, pr, head, status, [{ file: `changes/2026/${doc.id as string}.yaml`, id: doc.id as string }]);
        git(root, 'add', '-A');
        git(root, 'commit', '-q', '-m', `records: gate decision for #${pr}`);
      }
    },
    async cleanup() {
      await rm(root, { recursive: true, force: true });
    },
  };
  return repo;
}
