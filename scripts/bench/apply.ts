/**
 * npm run bench:apply — a 3-step change on 50 test-fleet hosts in batches of
 * 10, through the real `applyChange` (plan, preconditions, locks, the
 * host-side step runner, fsync'ed records), against a bare exec of the same
 * commands over the same transport (same batches, one connection per host, no
 * records, no runner). Prints the overhead per host-step, and separately the
 * per-host cost of step markers (non-idempotent against idempotent steps) and
 * of the fresh connection that confirms a lockout-sensitive step. Needs root
 * (the fleet uses namespaces).
 */
import { readFile, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { applyChange } from '../change/apply-change.ts';
import { readRepo } from '../repo/read-repo.ts';
import { loadSshAuth, openFleet } from '../ssh/fleet.ts';
import { toSshTargets } from '../remote/targets.ts';
import { startFleet } from '../../test/fleet/fleet.ts';
import { changeDoc, makeRepo, type TestRepo } from '../../test/change/harness.ts';
import { acquireHostLock, runDirOf, stepsLockOf } from '../remote/host-lock.ts';
import { renderRemoteStep } from '../remote/step-runner.ts';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 50);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BATCH = 10;
const STEPS: string[][] = [['true'], ['sh', '-c', 'echo step2 > "$HOME/bench-2"'], ['cat', '/etc/hostname']];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
let pr = 900;
let chg = 9000;

async function timeApply(repo: TestRepo, identity: string, fields: Record<string, unknown>, files: Record<string, string> = {}): Promise<{ wall: number; exec: number; confirmMs: number[] }> {
  const id = `CHG-2026-${String(chg++)}`;
  await repo.mergeChange(changeDoc(id, { targets: { groups: ['web'] }, rollout: { canary: BATCH, batch_size: BATCH, max_failures: 0 }, ...fields }), pr++, 'satisfied', files);
  let firstBatch = 0;
  let runDone = 0;
  const o0 = performance.now();
  const out = await applyChange({
    repo: await readRepo(repo.root),
    changeId: id,
    env: { OPSGATE_DEFAULT_BRANCH: 'main' },
    now: () => new Date(),
    identityFile: identity,
    concurrency: HOSTS,
    confirmSeconds: 120,
    onEvent: (e) => {
      if (e.type === 'batch.started' && !firstBatch) firstBatch = performance.now();
      if (e.type === 'rollout.stopped' || (e.type === 'batch.done' && e.batch === Math.ceil(HOSTS / BATCH))) runDone = performance.now();
    },
  });
  const o1 = performance.now();
  if (out.status !== 'succeeded') throw new Error(`apply ${id}: ${out.status} ${JSON.stringify(out.refusals)}`);
  const dir = path.join(repo.root, 'records/changes', id);
  const lines = (await readFile(path.join(dir, (await readdir(dir))[0]!), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; confirm_ms?: number });
  return { wall: o1 - o0, exec: runDone - firstBatch, confirmMs: lines.filter((l) => l.type === 'confirm.done' && typeof l.confirm_ms === 'number').map((l) => l.confirm_ms!) };
}

const MARKER_REPS = Number(process.env.BENCH_MARKER_REPS ?? 40);

/**
 * On one host, alternated: the step runner with and without a marker, with and without its own cgroup (median
 * difference per step, ms), and the host lock's round trip (cgroup check and helper, or the token scan).
 */
async function runnerCosts(repo: TestRepo, identity: string, host: string): Promise<{ marker: number; cgroup: number; guard: number; lock: number; cgroupUsed: boolean }> {
  const model = await readRepo(repo.root);
  const { auth } = await loadSshAuth({ identityFile: identity, env: {} });
  const pool = openFleet(
    toSshTargets(
      model.all('host').filter((h) => h.id === host),
      model.all('host'),
    ),
    { auth },
  );
  try {
    const s = await pool.session(host);
    const lock = await acquireHostLock(s, host, 'bench:apply markers', 30, { scope: 'bench/markers', run: 'r1' });
    if (lock.status !== 'locked') throw new Error(`cannot lock ${host}`);
    const ctx = { runDir: runDirOf(lock.stateDir, 'bench/markers', 'r1', host), stepsLock: stepsLockOf(lock.stateDir, host), nonce: 'bench' };
    const with_: number[] = [];
    const without: number[] = [];
    const inCg: number[] = [];
    const noCg: number[] = [];
    for (let i = 0; i < MARKER_REPS; i++) {
      for (const marker of i % 2 ? [true, false] : [false, true]) {
        const t = performance.now();
        await s.exec(renderRemoteStep({ argv: ['true'], sudo: false, timeoutSeconds: 30, marker, key: `step.m${i}` }, ctx));
        (marker ? with_ : without).push(performance.now() - t);
      }
      for (const cg of i % 2 ? [true, false] : [false, true]) {
        const t = performance.now();
        await s.exec(renderRemoteStep({ argv: ['true'], sudo: false, timeoutSeconds: 30, marker: false, key: `step.c${i}` }, cg && lock.cgroup ? { ...ctx, cgroup: lock.cgroup } : ctx));
        (cg ? inCg : noCg).push(performance.now() - t);
      }
    }
    // A root step with and without the protected-set guard (step-guard.ts): nothing protected changes, so it disarms itself.
    const guarded: number[] = [];
    const plain: number[] = [];
    for (let i = 0; i < MARKER_REPS; i++) {
      for (const g of i % 2 ? [true, false] : [false, true]) {
        const t = performance.now();
        const r = await s.exec(
          renderRemoteStep(
            { argv: ['true'], sudo: true, timeoutSeconds: 30, marker: false, key: `step.g${i}`, ...(g ? { guard: 'root' as const } : {}) },
            g ? { ...ctx, guard: { prefix: `bench-${host}`, seconds: 60 } } : ctx,
          ),
        );
        if (g && !r.stderr.includes(' unchanged')) throw new Error(`the guard did not report unchanged: ${r.stderr.slice(-300)}`);
        (g ? guarded : plain).push(performance.now() - t);
      }
    }
    const cgroupUsed = Boolean(lock.cgroup);
    await lock.release();
    const locks: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      const l = await acquireHostLock(s, host, 'bench:apply lock', 30, { scope: 'bench/markers', run: `r${i + 2}` });
      if (l.status !== 'locked') throw new Error(`cannot lock ${host}: ${l.status}`);
      locks.push(performance.now() - t);
      await l.release();
    }
    return { marker: median(with_) - median(without), cgroup: median(inCg) - median(noCg), guard: median(guarded) - median(plain), lock: median(locks), cgroupUsed };
  } finally {
    await pool.close();
  }
}

async function main(): Promise<void> {
  const ids = Array.from({ length: HOSTS }, (_, i) => `bench-${String(i + 1).padStart(2, '0')}`);
  const t0 = performance.now();
  const fleet = await startFleet({ mutates: true, hosts: ids.map((id) => ({ id, groups: ['web'] })) });
  const repo = await makeRepo(fleet);
  process.stdout.write(
    `fleet: ${HOSTS} sshd hosts up in ${((performance.now() - t0) / 1000).toFixed(1)} s; load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
  const cpu0 = process.cpuUsage();
  try {
    const steps = (idempotent: boolean) => STEPS.map((argv, i) => ({ id: `s${i + 1}`, kind: 'run', argv, idempotent }));
    const bare: number[] = [];
    const bareExec: number[] = [];
    const og: number[] = [];
    const ogExec: number[] = [];
    const idem: number[] = [];
    const plainUpload: number[] = [];
    const confirmed: number[] = [];
    const confirmMs: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      // Bare: connect every host, then the same commands, same batches, nothing recorded.
      const model = await readRepo(repo.root);
      const { auth } = await loadSshAuth({ identityFile: fleet.clientKeyPath, env: {} });
      const b0 = performance.now();
      const pool = openFleet(toSshTargets(model.all('host'), model.all('host')), { auth, concurrency: HOSTS });
      await Promise.all(ids.map((h) => pool.session(h)));
      const b1 = performance.now();
      for (let i = 0; i < ids.length; i += BATCH) {
        await Promise.all(
          ids.slice(i, i + BATCH).map(async (h) => {
            const s = await pool.session(h);
            for (const argv of STEPS) {
              const res = await s.exec(argv);
              if (res.code !== 0) throw new Error(`${h}: ${argv.join(' ')} exit ${res.code}`);
            }
          }),
        );
      }
      bare.push(performance.now() - b0);
      bareExec.push(performance.now() - b1);
      await pool.close();

      const withMarkers = await timeApply(repo, fleet.clientKeyPath, { steps: steps(false) });
      og.push(withMarkers.wall);
      ogExec.push(withMarkers.exec);
      idem.push((await timeApply(repo, fleet.clientKeyPath, { steps: steps(true) })).exec);
      // The same one-file upload as root, to a path nothing depends on and into sudoers.d (commit-confirmed; each fleet host has its own).
      const file = { [`files/bench-${r}`]: '# opsgate bench\n' };
      plainUpload.push(
        (
          await timeApply(
            repo,
            fleet.clientKeyPath,
            { steps: [{ id: 'u', kind: 'upload', source: `files/bench-${r}`, dest: '/home/opsgate/bench-upload', mode: '0440', owner: 'root', group: 'root', idempotent: true }] },
            file,
          )
        ).wall,
      );
      const c = await timeApply(
        repo,
        fleet.clientKeyPath,
        { steps: [{ id: 'u', kind: 'upload', source: `files/bench-${r}`, dest: `/etc/sudoers.d/bench-${r}`, mode: '0440', owner: 'root', group: 'root', idempotent: true }] },
        file,
      );
      confirmed.push(c.wall);
      confirmMs.push(...c.confirmMs);
    }
    const hostSteps = HOSTS * STEPS.length;
    const m = { bare: median(bare), bareExec: median(bareExec), og: median(og), ogExec: median(ogExec), idem: median(idem) };
    const perStep = (m.ogExec - m.bareExec) / hostSteps;
    const rows = [
      ['', 'wall (connect + run)', 'execution only'],
      ['bare exec (ssh2, same batches)', `${(m.bare / 1000).toFixed(3)} s`, `${(m.bareExec / 1000).toFixed(3)} s`],
      ['opsgate apply', `${(m.og / 1000).toFixed(3)} s`, `${(m.ogExec / 1000).toFixed(3)} s`],
      ['opsgate apply, idempotent steps', '', `${(m.idem / 1000).toFixed(3)} s`],
    ];
    process.stdout.write(`\n${HOSTS} hosts × ${STEPS.length} steps, batches of ${BATCH}, median of ${RUNS} runs\n`);
    for (const r of rows) process.stdout.write(`${r[0]!.padEnd(34)}${r[1]!.padEnd(24)}${r[2]}\n`);
    process.stdout.write(`\nexecution overhead per host-step (step runner, markers, records): ${perStep.toFixed(2)} ms (target < 10 ms): ${perStep < 10 ? 'met' : 'MISSED'}\n`);
    process.stdout.write(`end-to-end overhead per host-step (plan, git/gate checks, locks, records): ${((m.og - m.bare) / hostSteps).toFixed(2)} ms\n`);
    const rc = await runnerCosts(repo, fleet.clientKeyPath, ids[0]!);
    const mk = rc.marker;
    process.stdout.write(
      `per-host cost of markers: ${(mk * STEPS.length).toFixed(2)} ms per host for ${STEPS.length} non-idempotent steps (${mk.toFixed(2)} ms per step: the runner with and without its marker, alternated ${MARKER_REPS}× on one host; the whole-run comparison above is ${((m.ogExec - m.idem) / HOSTS).toFixed(1)} ms per host, within this machine's noise)\n`,
    );
    process.stdout.write(
      `per-step cost of the step's own cgroup: ${rc.cgroupUsed ? `${rc.cgroup.toFixed(2)} ms (a login-user step asking the root helper, alternated ${MARKER_REPS}× on one host)` : 'not measured: the host gave no cgroup'}; host lock round trip (once per host and run, in parallel across hosts): ${rc.lock.toFixed(1)} ms median of 10\n`,
    );
    process.stdout.write(`per-step cost of the protected-set guard on a root step that changes nothing (arm, checksums, disarm): ${rc.guard.toFixed(2)} ms, alternated ${MARKER_REPS}× on one host\n`);
    process.stdout.write(
      `per-host cost of the confirming connection: ${median(confirmMs).toFixed(0)} ms median fresh connection + confirmation (recorded confirm_ms); a commit-confirmed upload run costs ${((median(confirmed) - median(plainUpload)) / HOSTS).toFixed(1)} ms more per host than the same upload elsewhere (arming, fresh connection)\n`,
    );
    const cpu = process.cpuUsage(cpu0);
    process.stdout.write(
      `controller CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB; load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}\n`,
    );
  } finally {
    await fleet.stop();
    await repo.cleanup();
  }
}

main().catch((e) => {
  process.stderr.write(`bench:apply failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
