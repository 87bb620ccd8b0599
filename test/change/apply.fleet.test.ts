/**
 * opsgate apply against real sshd hosts (test/fleet): batches, failure and
 * rollback, refusals, resume after SIGKILL, host locks, secrets, injection,
 * tampered records.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { applyChange } from '../../scripts/change/apply-change.ts';
import { readRepo } from '../../scripts/repo/read-repo.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { changeDoc, makeRepo, REPO, type TestRepo } from './harness.ts';

const IDS = ['ca-1', 'ca-2', 'ca-3', 'ca-4', 'ca-5'];
let fleet: RunningFleet;
let repo: TestRepo;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough(); const stderr = new PassThrough();
  let out = ''; let err = '';
  stdout.on('data', (d) => { out += String(d); });
  stderr.on('data', (d) => { err += String(d); });
  const code = await runCli(['--root', repo.root, ...args], { env: { PATH: process.env.PATH, OG_TEST_TOKEN: 'S3cr3t-T0ken-value-xyz', OPSGATE_DEFAULT_BRANCH: 'main' }, stdout, stderr, cwd: repo.root });
  return { code, out, err };
}
const home = (host: string, file: string) => path.join(fleet.dir, host, 'home', 'opsgate', file);
const readHome = (host: string, file: string) => readFile(home(host, file), 'utf8').catch(() => undefined);
async function records(change: string): Promise<Array<Record<string, unknown>>> {
  const dir = path.join(repo.root, 'records', 'changes', change);
  const files = (await readdir(dir).catch(() => [])).filter((f) => f.endsWith('.jsonl')).sort();
  const out: Array<Record<string, unknown>> = [];
  for (const f of files) for (const l of (await readFile(path.join(dir, f), 'utf8')).split('\n').filter(Boolean)) out.push(JSON.parse(l) as Record<string, unknown>);
  return out;
}

const MACHINE = requireMachine(NEEDS.fleetNamespaces);

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({ mutates: true, hosts: IDS.map((id) => ({ id, groups: ['web'] })) });
  repo = await makeRepo(fleet);
}, 60_000);
afterAll(async () => {
  await fleet?.stop();
  await repo?.cleanup();
});

const marker = (name: string) => ({ id: name, kind: 'run', argv: ['sh', '-c', `echo ran >> "$HOME/${name}"`] });

MACHINE.describe('apply over the test fleet', () => {
  it('applies a change on every host, canary first, in batches, and the records verify', async () => {
    await repo.mergeChange(changeDoc('CHG-2026-0001', {
      targets: { groups: ['web'] },
      prechecks: [{ id: 'home-ok', argv: ['test', '-d', '/home/opsgate'] }],
      steps: [
        marker('s1'),
        { id: 'conf', kind: 'upload', source: 'files/app.conf', dest: '/home/opsgate/app.conf', mode: '0640' },
      ],
      verification: [{ id: 'conf-there', argv: ['cat', '/home/opsgate/app.conf'], expect: { stdout_contains: 'hello v2' } }],
      rollout: { canary: 1, batch_size: 2, max_failures: 0 },
    }), 1, 'satisfied', { 'files/app.conf': 'hello v2\n' });
    const dry = await cli('apply', 'CHG-2026-0001', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('batch 1 (canary): ca-1');
    expect(dry.out).toContain('batch 3: ca-4, ca-5');
    expect(await readHome('ca-1', 's1')).toBeUndefined();

    const r = await cli('apply', 'CHG-2026-0001', '--identity', fleet.clientKeyPath);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    for (const h of IDS) {
      expect(await readHome(h, 's1')).toBe('ran\n');
      expect(await readHome(h, 'app.conf')).toBe('hello v2\n');
    }
    const ev = await records('CHG-2026-0001');
    expect(ev[0]!.type).toBe('run.planned');
    expect(ev.at(-1)).toMatchObject({ type: 'run.done', outcome: 'succeeded' });
    const batchStarts = ev.filter((e) => e.type === 'batch.started').map((e) => e.hosts);
    expect(batchStarts).toEqual([['ca-1'], ['ca-2', 'ca-3'], ['ca-4', 'ca-5']]);
    // The canary finished before the second batch began.
    const canaryDone = ev.findIndex((e) => e.type === 'host.done' && e.host === 'ca-1');
    expect(canaryDone).toBeLessThan(ev.findIndex((e) => e.type === 'batch.started' && e.batch === 2));
    // executing is written before done for every step.
    for (const d of ev.filter((e) => e.type === 'step.done')) {
      const i = ev.indexOf(d);
      expect(ev.slice(0, i).some((e) => e.type === 'step.executing' && e.host === d.host && e.step === d.step)).toBe(true);
    }
    expect((await cli('records', 'verify')).code).toBe(0);

    const again = await cli('apply', 'CHG-2026-0001', '--identity', fleet.clientKeyPath);
    expect(again.code).toBe(1);
    expect(again.err).toContain('apply.already-succeeded');
    expect(await readHome('ca-1', 's1')).toBe('ran\n');
  }, 60_000);

  it('rolls back the host that fails in the second batch and does not start the third', async () => {
    await writeFile(home('ca-3', 'fail-here'), 'x');
    await repo.mergeChange(changeDoc('CHG-2026-0002', {
      targets: { groups: ['web'] },
      steps: [
        { id: 'conf', kind: 'upload', source: 'files/app2.conf', dest: '/home/opsgate/app2.conf', mode: '0644' },
        { id: 'may-fail', kind: 'run', argv: ['test', '!', '-e', '/home/opsgate/fail-here'] },
      ],
      rollback: [marker('rolled-back')],
      rollout: { canary: 1, batch_size: 2, max_failures: 0 },
    }), 2, 'satisfied', { 'files/app2.conf': 'new\n' });
    await writeFile(home('ca-3', 'app2.conf'), 'old\n');
    const r = await cli('apply', 'CHG-2026-0002', '--identity', fleet.clientKeyPath);
    expect(r.code).toBe(1);
    expect(await readHome('ca-3', 'rolled-back')).toBe('ran\n');
    expect(await readHome('ca-3', 'app2.conf')).toBe('old\n');
    expect(await readHome('ca-2', 'app2.conf')).toBe('new\n');
    expect(await readHome('ca-4', 'app2.conf')).toBeUndefined();
    expect(await readHome('ca-5', 'app2.conf')).toBeUndefined();
    const ev = await records('CHG-2026-0002');
    expect(ev.find((e) => e.type === 'host.done' && e.host === 'ca-3')).toMatchObject({ outcome: 'rolled_back' });
    expect(ev.find((e) => e.type === 'rollout.stopped')).toMatchObject({ batches_not_started: [3] });
    expect(ev.some((e) => e.host === 'ca-4')).toBe(false);
    expect(ev.at(-1)).toMatchObject({ type: 'run.done', outcome: 'failed' });
    await rm(home('ca-3', 'fail-here'));
  }, 60_000);

  it('refuses outside the window, without approval, and with a pending gate; nothing runs', async () => {
    const hour = 3_600_000;
    await repo.mergeChange(changeDoc('CHG-2026-0003', { targets: { hosts: ['ca-1'] }, steps: [marker('late')], window: { start: new Date(Date.now() - 3 * hour).toISOString(), end: new Date(Date.now() - 2 * hour).toISOString() } }), 3);
    await repo.mergeChange(changeDoc('CHG-2026-0004', { targets: { hosts: ['ca-1'] }, steps: [marker('unapproved')] }), 4, 'pending');
    await repo.mergeChange(changeDoc('CHG-2026-0005', { targets: { hosts: ['ca-1'] }, steps: [marker('nodecision')] }), 5, 'none');
    const late = await cli('apply', 'CHG-2026-0003', '--identity', fleet.clientKeyPath);
    expect(late.code).toBe(1);
    expect(late.err).toContain('apply.outside-window');
    const pending = await cli('apply', 'CHG-2026-0004', '--identity', fleet.clientKeyPath);
    expect(pending.code).toBe(1);
    expect(pending.err).toContain('apply.not-approved');
    const none = await cli('apply', 'CHG-2026-0005', '--identity', fleet.clientKeyPath);
    expect(none.err).toContain('apply.gate-missing');
    for (const f of ['late', 'unapproved', 'nodecision']) expect(await readHome('ca-1', f)).toBeUndefined();
    for (const c of ['CHG-2026-0003', 'CHG-2026-0004', 'CHG-2026-0005']) expect(existsSync(path.join(repo.root, 'records/changes', c))).toBe(false);
    // An emergency override needs an emergency change.
    const over = await cli('apply', 'CHG-2026-0003', '--identity', fleet.clientKeyPath, '--emergency-override', 'the database is down right now');
    expect(over.err).toContain('apply.override-refused');
  }, 60_000);

  it('keeps secrets out of records and output, and YAML values arrive as literal arguments', async () => {
    const tag = `${process.pid}-${Date.now()}`;
    await mkdir(`/tmp/x-${tag}`, { recursive: true });
    await repo.mergeChange(changeDoc('CHG-2026-0006', {
      targets: { hosts: ['ca-2'] },
      steps: [
        { id: 'use-secret', kind: 'run', env: { TOKEN: '${{ secrets.OG_TEST_TOKEN }}' }, argv: ['sh', '-c', 'echo "token is $TOKEN"; printf %s "$TOKEN" > "$HOME/token"'] },
        { id: 'literal', kind: 'run', argv: ['sh', '-c', 'printf "%s\\n" "$@" > "$HOME/args"', 'sh', `; rm -rf /tmp/x-${tag}`, `$(touch /tmp/pwned-${tag})`] },
      ],
      verification: [{ id: 'echo', argv: ['echo', `; rm -rf /tmp/x-${tag}`, `$(touch /tmp/pwned-${tag})`], expect: { stdout_contains: `$(touch /tmp/pwned-${tag})` } }],
    }), 6);
    const r = await cli('apply', 'CHG-2026-0006', '--identity', fleet.clientKeyPath);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(await readHome('ca-2', 'token')).toBe('S3cr3t-T0ken-value-xyz');
    const text = await readFile(path.join(repo.root, 'records/changes/CHG-2026-0006', (await readdir(path.join(repo.root, 'records/changes/CHG-2026-0006')))[0]!), 'utf8');
    expect(text).not.toContain('S3cr3t-T0ken-value-xyz');
    expect(text).toContain('token is ***');
    const key = await readFile(fleet.clientKeyPath, 'utf8');
    expect(text).not.toContain(key.split('\n')[1]!);
    expect(r.out + r.err).not.toContain('S3cr3t-T0ken-value-xyz');
    expect(existsSync(`/tmp/x-${tag}`)).toBe(true);
    expect(existsSync(`/tmp/pwned-${tag}`)).toBe(false);
    expect(await readHome('ca-2', 'args')).toBe(`; rm -rf /tmp/x-${tag}\n$(touch /tmp/pwned-${tag})\n`);
    await rm(`/tmp/x-${tag}`, { recursive: true, force: true });
  }, 60_000);

  it('names a hand-edited record line', async () => {
    const dir = path.join(repo.root, 'records/changes/CHG-2026-0001');
    const file = path.join(dir, (await readdir(dir))[0]!);
    const lines = (await readFile(file, 'utf8')).split('\n');
    const saved = lines.join('\n');
    lines[3] = lines[3]!.replace('"host":"ca-1"', '"host":"ca-9"');
    await writeFile(file, lines.join('\n'));
    const r = await cli('records', 'verify');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/records\/changes\/CHG-2026-0001\/[^:]+\.jsonl:4 {2}record\.(hash|chain)/);
    await writeFile(file, saved.slice(0, -20));
    const t = await cli('records', 'verify', 'records/changes/CHG-2026-0001');
    expect(t.out).toContain('record.truncated');
    await writeFile(file, saved);
    expect((await cli('records', 'verify')).code).toBe(0);
  });

  it('marks a host that becomes unreachable mid-rollout and stops', async () => {
    await repo.mergeChange(changeDoc('CHG-2026-0007', {
      targets: { hosts: ['ca-1', 'ca-4', 'ca-5'] },
      steps: [marker('u1')],
      rollout: { canary: 1, batch_size: 1, max_failures: 0 },
    }), 7);
    const ns = fleet.hosts.find((h) => h.id === 'ca-4')!.proxy_command![3]!;
    const result = await applyChange({
      repo: await readRepo(repo.root), changeId: 'CHG-2026-0007', env: { OPSGATE_DEFAULT_BRANCH: 'main' }, now: () => new Date(), identityFile: fleet.clientKeyPath,
      onEvent: (e) => {
        // After the canary, ca-4's sshd and sessions die (its lock is already held over a live connection).
        if (e.type === 'host.done' && e.host === 'ca-1') {
          const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean);
          for (const p of pids) try { process.kill(Number(p), 'SIGKILL'); } catch { /* gone */ }
        }
      },
    });
    expect(result.status).toBe('failed');
    expect(result.result?.hosts).toMatchObject({ 'ca-1': 'succeeded', 'ca-4': 'unreachable', 'ca-5': 'not_started' });
    expect(await readHome('ca-5', 'u1')).toBeUndefined();
    const ev = await records('CHG-2026-0007');
    expect(ev.at(-1)).toMatchObject({ type: 'run.done', outcome: 'failed' });
  }, 60_000);

  it('stops a step at its timeout and rolls the host back', async () => {
    await repo.mergeChange(changeDoc('CHG-2026-0011', {
      targets: { hosts: ['ca-1'] },
      steps: [{ id: 'hangs', kind: 'run', argv: ['sleep', '30'], timeout_seconds: 1 }],
      rollback: [marker('timeout-rollback')],
    }), 11);
    const r = await cli('apply', 'CHG-2026-0011', '--identity', fleet.clientKeyPath);
    expect(r.code).toBe(1);
    const ev = await records('CHG-2026-0011');
    expect(ev.find((e) => e.type === 'step.done' && e.step === 'hangs')).toMatchObject({ ok: false, why: 'timed out' });
    expect(ev.find((e) => e.type === 'host.done')).toMatchObject({ host: 'ca-1', outcome: 'rolled_back' });
    expect(await readHome('ca-1', 'timeout-rollback')).toBe('ran\n');
  }, 60_000);

  it('--due applies the approved change whose window is open, once', async () => {
    // ca-4 is down since the unreachable test.
    const hour = 3_600_000;
    await repo.mergeChange(changeDoc('CHG-2026-0012', { targets: { hosts: ['ca-3'] }, steps: [marker('due')] }), 12);
    await repo.mergeChange(changeDoc('CHG-2026-0013', { targets: { hosts: ['ca-3'] }, steps: [marker('future')], window: { start: new Date(Date.now() + hour).toISOString(), end: new Date(Date.now() + 2 * hour).toISOString() } }), 13);
    const r = await cli('apply', '--due', '--identity', fleet.clientKeyPath);
    expect(r.out).toContain('CHG-2026-0012: succeeded');
    expect(r.out).toContain('CHG-2026-0002: skipped: run');
    expect(r.err).toContain('refusing to apply CHG-2026-0004');
    expect(r.out + r.err).not.toContain('CHG-2026-0013');
    expect(r.out + r.err).not.toContain('CHG-2026-0001');
    expect(r.code).toBe(1);
    expect(await readHome('ca-3', 'due')).toBe('ran\n');
    expect(await readHome('ca-3', 'future')).toBeUndefined();
    await cli('apply', '--due', '--identity', fleet.clientKeyPath);
    expect(await readHome('ca-3', 'due')).toBe('ran\n');
  }, 90_000);
});

MACHINE.describe('interruption and locks', () => {
  const spawnApply = (change: string, ...extra: string[]) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'scripts/bin/opsgate.ts'), '--root', repo.root, 'apply', change, '--identity', fleet.clientKeyPath, ...extra], {
      cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, OPSGATE_DEFAULT_BRANCH: 'main' },
    });
    let out = '';
    child.stdout!.on('data', (d) => { out += String(d); });
    child.stderr!.on('data', (d) => { out += String(d); });
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    return { child, exited, output: () => out };
  };
  const waitFor = async (cond: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 600; i++) { if (await cond()) return; await new Promise((r) => setTimeout(r, 50)); }
    throw new Error(`timed out waiting for ${what}`);
  };

  it('after SIGKILL mid-step, --resume reports the interrupted step and never runs a step twice', async () => {
    await repo.mergeChange(changeDoc('CHG-2026-0008', {
      targets: { hosts: ['ca-5'] },
      steps: [marker('k1'), { id: 'k2', kind: 'run', argv: ['sh', '-c', 'echo ran >> "$HOME/k2"; sleep 20'] }, marker('k3')],
    }), 8);
    const a = spawnApply('CHG-2026-0008');
    await waitFor(async () => (await readHome('ca-5', 'k2')) !== undefined, 'step k2 to start');
    process.kill(-a.child.pid!, 'SIGKILL');
    await a.exited;
    const before = await records('CHG-2026-0008');
    expect(before.at(-1)).toMatchObject({ type: 'step.executing', step: 'k2' });

    let r = await cli('apply', 'CHG-2026-0008', '--identity', fleet.clientKeyPath, '--resume');
    for (let i = 0; i < 20 && r.err.includes('apply.host-locked'); i++) { await new Promise((res) => setTimeout(res, 250)); r = await cli('apply', 'CHG-2026-0008', '--identity', fleet.clientKeyPath, '--resume'); }
    expect(r.code).toBe(1);
    expect(r.out).toContain('k2 was interrupted');
    const ev = await records('CHG-2026-0008');
    expect(ev.find((e) => e.type === 'step.unknown')).toMatchObject({ host: 'ca-5', step: 'k2', idempotent: false });
    expect(ev.at(-1)).toMatchObject({ type: 'run.done', outcome: 'needs_attention' });
    expect(await readHome('ca-5', 'k3')).toBeUndefined();

    const done = await cli('apply', 'CHG-2026-0008', '--identity', fleet.clientKeyPath, '--resume', '--resolve', 'ca-5:step:k2=done');
    expect(done.code).toBe(0);
    expect(await readHome('ca-5', 'k1')).toBe('ran\n');
    expect(await readHome('ca-5', 'k2')).toBe('ran\n');
    expect(await readHome('ca-5', 'k3')).toBe('ran\n');
    expect((await cli('records', 'verify')).code).toBe(0);
  }, 90_000);

  it('refuses a second apply on a host another apply holds', async () => {
    await repo.mergeChange(changeDoc('CHG-2026-0009', { targets: { hosts: ['ca-2'] }, steps: [{ id: 'slow', kind: 'run', argv: ['sh', '-c', 'touch "$HOME/slow-started"; sleep 3'] }] }), 9);
    await repo.mergeChange(changeDoc('CHG-2026-0010', { targets: { hosts: ['ca-2', 'ca-3'] }, steps: [marker('second')] }), 10);
    const a = spawnApply('CHG-2026-0009');
    await waitFor(async () => existsSync(home('ca-2', 'slow-started')), 'the first apply to start');
    const b = await cli('apply', 'CHG-2026-0010', '--identity', fleet.clientKeyPath);
    expect(b.code).toBe(1);
    expect(b.err).toContain('apply.host-locked');
    expect(b.err).toContain('CHG-2026-0009');
    expect(await readHome('ca-3', 'second')).toBeUndefined();
    expect(existsSync(path.join(repo.root, 'records/changes/CHG-2026-0010'))).toBe(false);
    expect(await a.exited).toBe(0);
    const c = await cli('apply', 'CHG-2026-0010', '--identity', fleet.clientKeyPath);
    expect(c.code).toBe(0);
  }, 60_000);
});
