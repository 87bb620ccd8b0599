/**
 * npm run bench:apply — a 3-step change on 50 test-fleet hosts in batches of
 * 10, through the real `applyChange` (plan, preconditions, locks, fsync'ed
 * records), against a bare exec of the same commands over the same transport
 * (same batches, one connection per host, no records). Prints wall times and
 * the overhead per host-step. Needs root (the fleet uses namespaces).
 */
import { performance } from 'node:perf_hooks';
import { applyChange } from '../change/apply-change.ts';
import { readRepo } from '../repo/read-repo.ts';
import { loadSshAuth, openFleet } from '../ssh/fleet.ts';
import { toSshTargets } from '../change/targets.ts';
import { startFleet } from '../../test/fleet/fleet.ts';
import { changeDoc, makeRepo } from '../../test/change/harness.ts';

const HOSTS = Number(process.env.BENCH_HOSTS ?? 50);
const BATCH = 10;
const STEPS: string[][] = [['true'], ['sh', '-c', 'echo step2 > "$HOME/bench-2"'], ['cat', '/etc/hostname']];

async function main(): Promise<void> {
  const ids = Array.from({ length: HOSTS }, (_, i) => `bench-${String(i + 1).padStart(2, '0')}`);
  const t0 = performance.now();
  const fleet = await startFleet({ hosts: ids.map((id) => ({ id, groups: ['web'] })) });
  const repo = await makeRepo(fleet);
  process.stdout.write(`fleet: ${HOSTS} sshd hosts up in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  try {
    const steps = STEPS.map((argv, i) => ({ id: `s${i + 1}`, kind: 'run', argv }));
    const runs = Number(process.env.BENCH_RUNS ?? 3);
    const results: Array<{ bare: number; bareExec: number; og: number; ogExec: number }> = [];
    for (let r = 0; r < runs; r++) {
      const id = `CHG-2026-${String(9000 + r)}`;
      await repo.mergeChange(changeDoc(id, { targets: { groups: ['web'] }, steps, rollout: { canary: BATCH, batch_size: BATCH, max_failures: 0 } }), 900 + r);

      // Bare: connect every host, then the same commands, same batches, nothing recorded.
      const model = await readRepo(repo.root);
      const { auth } = await loadSshAuth({ identityFile: fleet.clientKeyPath, env: {} });
      const b0 = performance.now();
      const bare = openFleet(toSshTargets(model.all('host'), model.all('host')), { auth, concurrency: HOSTS });
      await Promise.all(ids.map((h) => bare.session(h)));
      const b1 = performance.now();
      for (let i = 0; i < ids.length; i += BATCH) {
        await Promise.all(ids.slice(i, i + BATCH).map(async (h) => {
          const s = await bare.session(h);
          for (const argv of STEPS) {
            const res = await s.exec(argv);
            if (res.code !== 0) throw new Error(`${h}: ${argv.join(' ')} exit ${res.code}`);
          }
        }));
      }
      const b2 = performance.now();
      await bare.close();

      let firstBatch = 0;
      let runDone = 0;
      const o0 = performance.now();
      const out = await applyChange({
        repo: await readRepo(repo.root), changeId: id, env: { OPSGATE_DEFAULT_BRANCH: 'main' }, now: () => new Date(), identityFile: fleet.clientKeyPath, concurrency: HOSTS,
        onEvent: (e) => {
          if (e.type === 'batch.started' && !firstBatch) firstBatch = performance.now();
          if (e.type === 'rollout.stopped' || (e.type === 'batch.done' && e.batch === Math.ceil(HOSTS / BATCH))) runDone = performance.now();
        },
      });
      const o1 = performance.now();
      if (out.status !== 'succeeded') throw new Error(`apply ${id}: ${out.status} ${JSON.stringify(out.refusals)}`);
      results.push({ bare: b2 - b0, bareExec: b2 - b1, og: o1 - o0, ogExec: runDone - firstBatch });
    }
    const hostSteps = HOSTS * STEPS.length;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const m = { bare: median(results.map((r) => r.bare)), bareExec: median(results.map((r) => r.bareExec)), og: median(results.map((r) => r.og)), ogExec: median(results.map((r) => r.ogExec)) };
    const perStep = (m.ogExec - m.bareExec) / hostSteps;
    const rows = [
      ['', 'wall (connect + run)', 'execution only'],
      ['bare exec (ssh2, same batches)', `${(m.bare / 1000).toFixed(3)} s`, `${(m.bareExec / 1000).toFixed(3)} s`],
      ['opsgate apply', `${(m.og / 1000).toFixed(3)} s`, `${(m.ogExec / 1000).toFixed(3)} s`],
    ];
    process.stdout.write(`\n${HOSTS} hosts × ${STEPS.length} steps, batches of ${BATCH}, median of ${runs} runs\n`);
    for (const r of rows) process.stdout.write(`${r[0]!.padEnd(34)}${r[1]!.padEnd(24)}${r[2]}\n`);
    process.stdout.write(`\nexecution overhead per host-step: ${perStep.toFixed(2)} ms (target < 10 ms): ${perStep < 10 ? 'met' : 'MISSED'}\n`);
    process.stdout.write(`end-to-end overhead per host-step (plan, git/gate checks, locks, records): ${((m.og - m.bare) / hostSteps).toFixed(2)} ms\n`);
    process.stdout.write(`records written: ${(HOSTS * (2 * STEPS.length + 2)) + 2 * Math.ceil(HOSTS / BATCH) + 2} lines per run, each fsync'ed\n`);
    process.stdout.write(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB\n`);
  } finally {
    await fleet.stop();
    await repo.cleanup();
  }
}

main().catch((e) => {
  process.stderr.write(`bench:apply failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
