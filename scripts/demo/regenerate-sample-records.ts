/**
 * `npm run sample:records` (as root): regenerates records/ of the sample
 * organisation by actually running opsgate against the real test fleet.
 *
 * 1. starts the fleet with the sample's 12 host ids (test/fleet/), seeded with
 *    the declared accounts, keys, sudoers and nightly restic backups, plus the
 *    drift listed in sample-fleet.ts PLANTED;
 * 2. builds a temporary copy of the repository whose inventory points the
 *    sample hosts at the fleet (generated host keys, proxy commands), with the
 *    change requests arriving through pull requests merged on a git timeline;
 * 3. plays November 2026 (sample-timeline.ts) with the real commands, each
 *    given a clock that starts at the event's time: gate --simulate --record on
 *    each pull request (facts gathered by the gate's own collector from the
 *    local repository), apply inside the windows, daily inspect --record,
 *    converge access --check and converge access, converge backup --check and
 *    converge backup (the two backup policies' jobs), and backup verify --record
 *    (restic snapshots, check, retention, restore tests: records/backups/);
 * 4. replaces records/ of this repository with the result, rewrites the
 *    shift handovers from it (sample-handovers.ts), verifies every chain,
 *    stops every fleet process by PID and deletes the namespaces.
 *
 * Options: --keep (leave the temporary repository for a look), --verbose
 * (print every command's output), --out DIR (`opsgate demo --fleet`: leave
 * records/ of this repository alone; write the month's records, the audit
 * report from them and every command's output under DIR instead).
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { commands } from '../commands/index.ts';
import type { CommandContext } from '../commands/context.ts';
import { collectGateInput } from '../gate/collect-facts.ts';
import { readRepo, readSchemas } from '../repo/read-repo.ts';
import { createSchemaValidator } from '../repo/validate-schema.ts';
import { MISSING, writeSampleHandovers } from './sample-handovers.ts';
import { replayNotifications } from './sample-notifications.ts';
import { checkSampleRecords } from './sample-checks.ts';
import { createLocalScm, git, mergePull, type SamplePull } from './sample-git.ts';
import { buildSampleBaseRepo, openSamplePull, writeHistoryBundle } from './sample-replay-repo.ts';
import { PLANTED, startSampleFleet, writeFleetInventory, type SampleFleet } from './sample-fleet.ts';
import { BASE_COMMIT_AT, PULLS, REPOSITORY, sampleEvents } from './sample-timeline.ts';
import { SAMPLE_AS_OF } from './sample-clock.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const argv = process.argv.slice(2);
const KEEP = argv.includes('--keep');
const VERBOSE = argv.includes('--verbose');
const outAt = argv.indexOf('--out');
const OUT = outAt >= 0 && argv[outAt + 1] ? path.resolve(argv[outAt + 1]!) : undefined;
/** The November report is generated as of the period end (report --at default): the sample's reference instant. */
const REPORT_AS_OF = SAMPLE_AS_OF;
const say = (line: string) => process.stdout.write(line + '\n');

/** A clock that reads `startIso` when the command starts and then runs at real speed. */
function clockFrom(startIso: string): () => Date {
  const start = Date.parse(startIso);
  const t0 = Date.now();
  return () => new Date(start + (Date.now() - t0));
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

interface Ran {
  code: number;
  out: string;
  err: string;
}

async function runCommand(name: string, args: string[], root: string, env: NodeJS.ProcessEnv, at: string, log: string[]): Promise<Ran> {
  const out = sink();
  const err = sink();
  const ctx: CommandContext = { argv: args, root, env, stdout: out.stream, stderr: err.stream, now: clockFrom(at), debug: false };
  let code: number;
  try {
    code = await (await commands[name]!.load())(ctx);
  } catch (e) {
    code = 3;
    err.stream.write(`thrown: ${(e as Error).message}\n`);
  }
  const r = { code, out: out.text(), err: err.text() };
  log.push(`\n### ${at}  opsgate ${name} ${args.join(' ')}  → exit ${code}\n${r.out}${r.err ? `--- stderr\n${r.err}` : ''}`);
  if (VERBOSE) say(r.out + r.err);
  return r;
}

async function buildTempRepo(tmp: string, sample: SampleFleet): Promise<string> {
  const repo = path.join(tmp, 'repo');
  await buildSampleBaseRepo(ROOT, repo);
  // apply reads the committed tree and refuses uncommitted inventory, so pointing the hosts at this run's fleet
  // is a commit of its own (its sha, and the commits after it, differ from run to run; the history bundle keeps them).
  await writeFleetInventory(ROOT, repo, sample.fleet);
  await git(repo, ['add', '-A']);
  await git(repo, ['commit', '-q', '-m', "Point the sample hosts at this run's test fleet"], { at: BASE_COMMIT_AT });
  return repo;
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('sample:records needs root: the test fleet puts each host in its own network and mount namespace (sudo npm run sample:records)\n');
    return 2;
  }
  const started = Date.now();
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'opsgate-sample-'));
  const log: string[] = [];
  let sample: SampleFleet | undefined;
  let keep = KEEP;
  try {
    const realRepo = await readRepo(ROOT);
    const access = { people: realRepo.all('person').map((d) => d.data), roles: realRepo.all('role').map((d) => d.data), grants: realRepo.all('grant').map((d) => d.data) };
    say(`starting the test fleet (12 sample hosts) in ${tmp}`);
    sample = await startSampleFleet(ROOT, access, new Date('2026-11-01T00:00:00+08:00'), path.join(tmp, 'fleet'));
    const running = sample;
    // Interrupted (Ctrl-C, or the demo stopping us): the fleet is still stopped by PID.
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void running.stop().finally(() => process.exit(130)));
    say(`fleet ${sample.fleet.tag}: ${sample.fleet.hosts.map((h) => h.id).join(', ')}`);
    for (const p of PLANTED) say(`  planted: ${p}`);
    const repo = await buildTempRepo(tmp, sample);
    say(`temporary repository: ${repo}`);

    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', TZ: 'UTC', USER: 'opsgate-sample', ...sample.env };
    const identity = sample.fleet.clientKeyPath;
    const validator = createSchemaValidator(await readSchemas(ROOT));
    const logins = new Map(access.people.map((p) => [p.id, p.github]));
    const login = (person: string) => logins.get(person) ?? person;
    const pulls = new Map<number, SamplePull>();
    const scm = createLocalScm(repo, REPOSITORY, pulls);
    const spec = (n: number) => PULLS.find((p) => p.number === n)!;
    const tally: Record<string, number> = {};
    const count = (k: string) => (tally[k] = (tally[k] ?? 0) + 1);

    for (const e of sampleEvents()) {
      const when = `${e.at.slice(0, 10)} ${e.at.slice(11, 16)} +08:00`;
      const run = (name: string, args: string[]) => runCommand(name, args, repo, env, e.at, log);
      switch (e.kind) {
        case 'open': {
          const p = spec(e.pr);
          pulls.set(p.number, await openSamplePull(ROOT, repo, p.number, login));
          say(`${when}  PR #${p.number} opened by ${p.author}: ${p.change}`);
          break;
        }
        case 'gate': {
          const pull = pulls.get(e.pr)!;
          pull.reviews = spec(e.pr)
            .reviews.filter((r) => Date.parse(r.at) <= Date.parse(e.at))
            .map((r, i) => ({
              id: e.pr * 100 + i + 1,
              login: login(r.person),
              user_type: 'User',
              state: r.state,
              commit_id: pull.head,
              submitted_at: new Date(r.at).toISOString(),
            }));
          const input = await collectGateInput(scm, e.pr, validator, new Date(e.at));
          const sim = path.join(tmp, `pr-${e.pr}-${Date.parse(e.at)}.json`);
          const { now: _now, ...facts } = input;
          await writeFile(sim, JSON.stringify(facts, null, 2));
          const r = await run('gate', ['--simulate', sim, '--record']);
          // As gate-record.yml lands it: apply trusts only a committed decision.
          await git(repo, ['add', '-A', 'records/gate']);
          await git(repo, ['commit', '-q', '--allow-empty', '-m', `records: gate decision for #${e.pr}`], { at: e.at });
          count('gate decisions');
          say(`${when}  gate PR #${e.pr} (${pull.reviews.length} review(s)): ${(/approval: ([^\n]*)/.exec(r.out)?.[1] ?? `exit ${r.code}`).slice(0, 90)}`);
          break;
        }
        case 'merge': {
          const p = spec(e.pr);
          await mergePull(repo, REPOSITORY, pulls.get(e.pr)!, p.merged!.at, login(p.merged!.by));
          say(`${when}  PR #${e.pr} merged`);
          break;
        }
        case 'apply': {
          const r = await run('apply', [e.change, '--identity', identity]);
          count('change runs');
          const last = r.out.trim().split('\n').pop() ?? '';
          say(`${when}  apply ${e.change}: exit ${r.code}  ${last}${r.err ? `  ${r.err.trim().split('\n')[0]}` : ''}`);
          for (const l of r.out.split('\n').filter((x) => /^\s+\S+: (precheck|step|verification|rollback) .* failed|rollout stopped/.test(x))) say(`      ${l.trim()}`);
          break;
        }
        case 'inspect': {
          const taken = await sample.backupUpTo(e.at.slice(0, 10));
          const r = await run('inspect', ['--record', '--identity', identity]);
          count('inspections');
          const rec = /recorded (\S+)/.exec(r.err)?.[1] ?? 'NOT RECORDED';
          const summary =
            r.out
              .trim()
              .split('\n')
              .filter((l) => /compliance|hosts?\b.*unreachable|^\d+ host/i.test(l))
              .pop() ?? r.out.trim().split('\n').pop();
          say(`${when}  inspect (after ${taken} nightly snapshot(s)): exit ${r.code}, ${rec}; ${summary}`);
          break;
        }
        case 'converge-check': {
          const r = await run('converge', ['access', '--check', '--identity', identity]);
          say(`${when}  converge access --check: exit ${r.code}; ${r.out.trim().split('\n').pop()}`);
          break;
        }
        case 'converge': {
          const r = await run('converge', ['access', '--hosts', e.hosts.join(','), '--identity', identity]);
          count('converge runs');
          say(`${when}  converge access --hosts ${e.hosts.join(',')}: exit ${r.code}; ${r.out.trim().split('\n').pop()}`);
          break;
        }
        case 'converge-backup': {
          const r = await run('converge', ['backup', ...(e.check ? ['--check'] : []), '--identity', identity]);
          if (!e.check) count('backup converge runs');
          say(`${when}  converge backup${e.check ? ' --check' : ''}: exit ${r.code}; ${r.out.trim().split('\n').pop()}`);
          break;
        }
        case 'backup-verify': {
          const r = await run('backup', ['verify', '--record', ...(e.restoreTest ? ['--restore-test'] : []), '--identity', identity]);
          count('backup verifications');
          const rec = /recorded (\S+)/.exec(r.err)?.[1] ?? 'NOT RECORDED';
          const tested = /restore tests (\d+) pass, (\d+) fail, (\d+) error/.exec(r.out);
          const hosts = tested ? Number(tested[1]) + Number(tested[2]) + Number(tested[3]) : 0;
          say(
            `${when}  backup verification: opsgate backup verify --record${e.restoreTest ? ' --restore-test' : ''}: exit ${r.code}, ${rec}; restore test on ${hosts} host(s); ${r.out.trim().split('\n').pop()}`,
          );
          break;
        }
        case 'host-down':
        case 'host-up':
          await sample.setReachable(e.host, e.kind === 'host-up');
          say(`${when}  ${e.note}`);
          break;
        case 'stop-listener':
          await sample.stopListener(e.host, e.port);
          say(`${when}  ${e.note}`);
          break;
      }
    }

    const notified = await replayNotifications(repo);
    say(`incidents watch replayed: ${notified.runs} runs, ${notified.sent} notifications sent (records/notifications/)`);
    const secrets = [...Object.values(sample.env), (await readFile(identity, 'utf8')).trim(), ...(await readFile(identity, 'utf8')).split('\n').filter((l) => l.length > 40)];
    const problems = await checkSampleRecords(await readRepo(ROOT), repo, new Date(REPORT_AS_OF), secrets);
    if (problems.length) {
      await writeFile(path.join(tmp, 'commands.log'), log.join('\n'));
      for (const p of problems) say(`sample check failed: ${p}`);
      say(`records/ was left as it was; the temporary repository and every command's output are kept in ${tmp}`);
      keep = true;
      return 1;
    }
    say(`sample checks: every closure in changes/ agrees with its runs; every run names a gate decision; no secret in any record`);
    if (OUT) return await writeDemoOutput(repo, env, log, tally);
    const records = path.join(ROOT, 'records');
    await rm(records, { recursive: true, force: true });
    await cp(path.join(repo, 'records'), records, { recursive: true });
    // The replay's history goes with the records: every commit they cite can be opened (records verify looks in the bundle).
    const bundle = await writeHistoryBundle(repo, ROOT);
    // The shift handovers list the checks failing at each boundary, from these inspection records: rewritten with them.
    const handovers = await writeSampleHandovers(ROOT);
    say(`shift handovers rewritten from these records: ${handovers} (${MISSING} left out on purpose)`);
    const verify = await runCommand('records', ['verify'], ROOT, env, new Date().toISOString(), log);
    await writeFile(path.join(tmp, 'commands.log'), log.join('\n'));
    say(
      `\nreplaced ${path.relative(process.cwd(), records) || 'records'}/: ${Object.entries(tally)
        .map(([k, v]) => `${v} ${k}`)
        .join(', ')}`,
    );
    say(`history of the replay: ${path.relative(ROOT, bundle)}`);
    say(`records verify: ${verify.out.trim().split('\n').pop()}`);
    say(`every command's output: ${path.join(tmp, 'commands.log')}${KEEP ? '' : ' (removed at exit; --keep keeps it)'}`);
    say(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return verify.code;
  } finally {
    if (sample) {
      await sample.stop();
      say(`fleet ${sample.fleet.tag} stopped (processes killed by PID, namespaces deleted)`);
    }
    if (!keep) await rm(tmp, { recursive: true, force: true });
  }
}

/** `--out DIR`: the month's records, the audit report built from them and the command log, under DIR; records/ of this repository untouched. */
async function writeDemoOutput(repo: string, env: NodeJS.ProcessEnv, log: string[], tally: Record<string, number>): Promise<number> {
  const out = OUT!;
  // The workflows land what each run wrote (opsgate land); the month's records are committed the same way here,
  // so the report can trace every figure to evidence in git history and sign it.
  await git(repo, ['add', '-A', '--force', 'records']); // the replay repository ignores all but records/gate (sample-replay-repo.ts)
  await git(repo, ['commit', '-q', '--allow-empty', '-m', "records: the month's evidence, as the workflows land it"], { at: REPORT_AS_OF });
  await rm(path.join(out, 'records'), { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  await cp(path.join(repo, 'records'), path.join(out, 'records'), { recursive: true });
  const verify = await runCommand('records', ['verify'], repo, env, REPORT_AS_OF, log);
  const report = await runCommand('report', ['audit', '--period', '2026-11', '--out', path.join(out, 'reports')], repo, env, REPORT_AS_OF, log);
  await writeFile(path.join(out, 'commands.log'), log.join('\n'));
  say(
    `\nwrote ${path.join(out, 'records')}/: ${Object.entries(tally)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')}`,
  );
  say(`records verify: ${verify.out.trim().split('\n').pop()}`);
  say(
    `report from these records: ${
      report.out
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('wrote '))
        .map((l) => l.slice(6))
        .join(', ') || `exit ${report.code}`
    }`,
  );
  say(`every command's output: ${path.join(out, 'commands.log')}`);
  return Math.max(verify.code, report.code);
}

process.exitCode = await main();
