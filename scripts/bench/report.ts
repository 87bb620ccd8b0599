/**
 * npm run bench:report — a synthetic year of one organisation, written as
 * real files (documents, hash-chained records): 10k changes each with a gate
 * decision record and an execution record, 2k incidents, 365 daily
 * inspections of 100 hosts × 40 checks, committed to git. Then the opsgate bin
 * runs `report audit` as its own process (HTML + Markdown + JSON) under
 * /usr/bin/time; prints wall
 * time and peak RSS and fails above 10 s or 1 GB. Generation is not timed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { CHANGES, CHECKS, DAYS, HOSTS, INCIDENTS, writeChanges, writeDocuments, writeIncidents, writeInspections, written } from './report-year.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LIMIT_S = 10;
const LIMIT_MB = 1024;

function sizeOf(dir: string): number {
  return readdirSync(dir).reduce((a, f) => a + statSync(path.join(dir, f)).size, 0);
}

async function main(): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'og-bench-report-'));
  try {
    const g0 = performance.now();
    // Committed, as a real repository is: the report checks every record file against its git history, and
    // every commit a record cites against the repository (the gate decisions judge the organisation's first commit).
    const gitEnv = {
      ...process.env,
      GIT_AUTHOR_NAME: 'bench',
      GIT_AUTHOR_EMAIL: 'bench@example.invalid',
      GIT_COMMITTER_NAME: 'bench',
      GIT_COMMITTER_EMAIL: 'bench@example.invalid',
      GIT_AUTHOR_DATE: '2026-12-01T01:00:00+08:00',
      GIT_COMMITTER_DATE: '2026-12-01T01:00:00+08:00',
    };
    const gitRun = (...a: string[]) => execFileSync('git', ['-C', root, ...a], { env: gitEnv, encoding: 'utf8' });
    writeDocuments(root);
    for (const a of [
      ['init', '-q', '-b', 'main'],
      ['add', '-A'],
      ['commit', '-q', '-m', 'the organisation'],
    ])
      gitRun(...a);
    writeChanges(root, gitRun('rev-parse', 'HEAD').trim());
    writeIncidents(root);
    const rows = writeInspections(root);
    for (const a of [
      ['add', '-A'],
      ['commit', '-q', '-m', 'a synthetic year (#1)'],
    ])
      gitRun(...a);
    const genS = (performance.now() - g0) / 1000;
    process.stdout.write(
      `synthetic year: ${CHANGES} changes (+ ${CHANGES} gate and ${CHANGES} execution records), ${INCIDENTS} incidents, ${DAYS} inspections × ${HOSTS} hosts × ${CHECKS} checks = ${rows} result rows\n`,
    );
    process.stdout.write(`written and committed: ${written().files} files, ${(written().bytes / 1e6).toFixed(0)} MB in ${genS.toFixed(1)} s (not timed below)\n`);
    const out = path.join(root, 'out');
    // The real bin (the bundle `npx opsgate` runs), built once before the figure.
    execFileSync(process.execPath, [path.join(REPO, 'scripts/bin/opsgate.mjs'), '--version'], { cwd: REPO, stdio: 'ignore' });
    const args = [
      '-f',
      '%e %U %S %M',
      process.execPath,
      path.join(REPO, 'scripts/bin/opsgate.mjs'),
      '--root',
      root,
      'report',
      'audit',
      '--period',
      '2026-11',
      '--at',
      '2026-12-01T00:00:00+08:00',
      '--format',
      'html,md,json',
      '--out',
      out,
    ];
    const res = spawnSync('/usr/bin/time', args, { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    const timing = /(\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (\d+)\s*$/.exec(res.stderr.trim());
    // Exit 1 is a report with findings (the synthetic year has some); anything above is a failure.
    if (res.status === null || res.status > 1 || !timing) {
      process.stderr.write(`report failed (exit ${res.status}):\n${res.stdout}\n${res.stderr}\n`);
      process.exitCode = 3;
      return;
    }
    const wall = Number(timing[1]);
    const cpu = Number(timing[2]) + Number(timing[3]);
    const rssMb = Number(timing[4]) / 1024;
    process.stdout.write(res.stdout);
    process.stdout.write(`exit ${res.status}${res.status === 1 ? ' (written, with findings)' : ''}\n`);
    const json = JSON.parse(readFileSync(path.join(out, 'audit-2026-11.zh-CN.json'), 'utf8')) as { evidence: { line: unknown }[]; inspection: { findings: { open: unknown[] } } };
    process.stdout.write(
      `cited: ${json.evidence.length} evidence items (${json.evidence.filter((e) => e.line).length} record lines); finding list: ${json.inspection.findings.open.length} open findings\n`,
    );
    process.stdout.write(
      `report audit 2026-11 (html+md+json): ${wall.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU (user+sys), peak RSS ${rssMb.toFixed(0)} MB; output ${(sizeOf(out) / 1e6).toFixed(1)} MB\n`,
    );
    process.stdout.write(`limits: ${LIMIT_S} s, ${LIMIT_MB} MB -> ${wall < LIMIT_S && rssMb < LIMIT_MB ? 'PASS' : 'FAIL'}\n`);
    process.stdout.write(
      `machine: ${execFileSync('nproc', { encoding: 'utf8' }).trim()} cpus, node ${process.version}, load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}\n`,
    );
    if (wall >= LIMIT_S || rssMb >= LIMIT_MB) process.exitCode = 1;
  } finally {
    if (!process.env.BENCH_KEEP) rmSync(root, { recursive: true, force: true });
    else process.stdout.write(`kept ${root}\n`);
  }
}

await main();
