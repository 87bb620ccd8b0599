import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command, CommandContext } from './context.ts';
import { is, parseSubcommand, renderGroupHelp, type GroupSpec } from './args.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import { FLOWS, isFlow, leaseBranch, type Flow } from '../land/manifest.ts';
import { zoneProblems } from '../rules/calendar-zone.ts';
import { refuse } from './refuse.ts';

const ABOUT = `Gets what a CI run wrote (records/, reports/) onto the protected default branch,
and refuses to start a run while an earlier run's records have not landed.
flows: ${Object.entries(FLOWS)
  .map(([f, d]) => `${f} (${d.roots.join(', ')}${d.lease ? '; leased' : ''})`)
  .join(', ')}`;
const FOOTER = `outputs: with GITHUB_OUTPUT set, lease writes leased=true|false and changes=...
exit codes: 0 done, 1 refused / conflict / not landed, 2 usage, 3 internal`;
const RUN_ID = /^[A-Za-z0-9._-]{1,64}$/;
const flowOption = { type: 'string', value: 'F', help: `the flow: ${Object.keys(FLOWS).join(', ')} (required)`, check: is.oneOf(Object.keys(FLOWS)) } as const;
const runOption = { type: 'string', value: 'ID', help: 'the CI run id (default: $GITHUB_RUN_ID)', check: is.notOption('a run id (letters, digits, ., _ and -)', RUN_ID) } as const;
const remoteOption = { type: 'string', value: 'R', help: 'the git remote (default: origin)', check: is.notOption('a remote name') } as const;

/** `opsgate land lease|check|stage|push`: each subcommand declares exactly its options. */
export const ARGS = {
  command: 'land',
  about: ABOUT,
  footer: FOOTER,
  subcommands: {
    lease: {
      summary: `before a run that changes hosts: refuse (exit 1) while the lease branch ${leaseBranch('apply')} exists; otherwise push it`,
      usage: 'usage: opsgate land lease --flow F --run ID [--if-due] [--remote origin]',
      about: ABOUT,
      footer: FOOTER,
      options: { flow: flowOption, run: runOption, 'if-due': { type: 'boolean', help: 'take the lease only when a change (or a backup converge) is due' }, remote: remoteOption },
    },
    check: {
      summary: 'the same refusal, without taking the lease',
      usage: 'usage: opsgate land check --flow F [--remote origin]',
      about: ABOUT,
      footer: FOOTER,
      options: { flow: flowOption, remote: remoteOption },
    },
    stage: {
      summary: "copy the files the run added or appended under the flow's roots to DIR, with a manifest of the blobs it started from",
      usage: 'usage: opsgate land stage --flow F --run ID --out DIR [--part NAME]',
      about: ABOUT,
      footer: FOOTER,
      options: {
        flow: flowOption,
        run: runOption,
        out: { type: 'string', value: 'DIR', help: 'where to stage (upload DIR as an artifact; required)', check: is.given('a directory') },
        part: { type: 'string', value: 'NAME', help: 'a name for this part of the run (matrix jobs)', check: is.notOption("a part name (letters, digits, '.', '_' and '-')", RUN_ID) },
      },
    },
    push: {
      summary: "commit the staged files on the branch tip and push, deleting the run's lease in the same atomic push; never overwrites a file someone else changed",
      usage: 'usage: opsgate land push --from DIR [--branch B] [--release-lease] [--remote origin] [--attempts N] [--dry-run]',
      about: ABOUT,
      footer: FOOTER,
      options: {
        from: { type: 'string', value: 'DIR', help: 'the staged directory (required)', check: is.given('a directory') },
        branch: { type: 'string', value: 'B', help: "the branch to land on (default: $GITHUB_REF_NAME, the run's own branch)", check: is.notOption('a branch name', /^[\w./-]+$/) },
        'release-lease': { type: 'boolean', help: "delete the run's lease in the same push" },
        remote: remoteOption,
        attempts: { type: 'string', value: 'N', help: 'pushes to try on a moved tip, 1 to 20 (default 5)', check: is.integer({ min: 1, max: 20 }) },
        'dry-run': { type: 'boolean', help: 'print what would land, push nothing' },
      },
    },
  },
} as const satisfies GroupSpec;
const USAGE = renderGroupHelp(ARGS).split('\n\n')[0]!;

function flowOf(v: string | undefined): Flow {
  if (!v) throw new UsageError('--flow is required', USAGE);
  if (!isFlow(v)) throw new UsageError(`--flow must be one of ${Object.keys(FLOWS).join(', ')}, not '${v}'`, USAGE);
  return v;
}

function runOf(v: string | undefined, env: NodeJS.ProcessEnv): string {
  const run = v ?? env.GITHUB_RUN_ID;
  if (!run) throw new UsageError('--run is required (or GITHUB_RUN_ID)', USAGE);
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(run)) throw new UsageError(`--run '${run}' is not a run id`, USAGE);
  return run;
}

async function output(ctx: CommandContext, values: Record<string, string>): Promise<void> {
  const file = ctx.env.GITHUB_OUTPUT;
  if (file)
    await appendFile(
      file,
      Object.entries(values)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
    );
}

function runUrl(env: NodeJS.ProcessEnv): string | undefined {
  return env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` : undefined;
}

export const landCommand: Command = async (ctx) => {
  const { GitError } = await import('../land/git.ts');
  try {
    return await runLand(ctx);
  } catch (e) {
    // git failing (network, credentials, a rejected push) is the environment, not a bug: exit 1 with git's own words.
    if (!(e instanceof GitError)) throw e;
    ctx.stderr.write(`opsgate: ${e.message}\n`);
    return ExitCode.findings;
  }
};

async function runLand(ctx: CommandContext): Promise<number> {
  const { sub, values } = parseSubcommand(ctx.argv, ARGS);
  const remote = (values.remote as string | undefined) ?? 'origin';
  if (remote.startsWith('-')) throw new UsageError(`--remote '${remote}' is not a remote`, USAGE);
  const { gitIn } = await import('../land/git.ts');

  if (sub === 'check' || sub === 'lease') {
    const flow = flowOf(values.flow as string | undefined);
    if (!FLOWS[flow].lease) throw new UsageError(`the ${flow} flow has no lease`, USAGE);
    const { describeLease, readLease, takeLease } = await import('../land/lease.ts');
    const git = gitIn(ctx.root, ctx.env);
    if (sub === 'check') {
      const held = await readLease(git, remote, flow);
      if (!held) {
        ctx.stdout.write(`no ${flow} lease: the last run's records landed\n`);
        return ExitCode.clean;
      }
      ctx.stderr.write(`opsgate: ${describeLease(held)}\n`);
      return ExitCode.findings;
    }
    const run = runOf(values.run as string | undefined, ctx.env);
    let changes: string[] = [];
    if (values['if-due']) {
      const { readRepo } = await import('../repo/read-repo.ts');
      const { selectDueWork } = await import('../change/due.ts');
      const held = await readLease(git, remote, flow);
      if (held) {
        ctx.stderr.write(`opsgate: refusing to start: ${describeLease(held)}\n`);
        await output(ctx, { leased: 'false' });
        return ExitCode.findings;
      }
      const repo = await readRepo(ctx.root);
      // apply --due refuses every change and backup converge while the calendar gives no zone: no lease for work that refuses (ARCHITECTURE.md, "The calendar's time zone").
      const zone = zoneProblems(repo);
      if (zone.length) {
        await output(ctx, { leased: 'false', changes: '' });
        return refuse(ctx, zone, 'refusing to start: apply --due refuses every change and backup converge until the calendar gives its time zone; no lease taken');
      }
      const work = await selectDueWork(repo, ctx.now());
      changes = work.apply;
      for (const s of work.personDecides) ctx.stdout.write(`${s.id}: not started by the schedule: run ${s.run} ended ${s.outcome}; a person decides\n`);
      // apply --due also converges backup jobs whose policies changed: that is work for the lease too.
      const backup = await (await import('../converge/backup-due-run.ts')).dueBackupHosts(ctx.root, repo, ctx.now());
      if (backup.length) ctx.stdout.write(`converge backup due on ${backup.join(', ')}\n`);
      if (changes.length === 0 && backup.length === 0) {
        ctx.stdout.write('nothing due: no lease taken, nothing to apply\n');
        await output(ctx, { leased: 'false', changes: '' });
        return work.personDecides.length ? ExitCode.findings : ExitCode.clean;
      }
    }
    const url = runUrl(ctx.env);
    const r = await takeLease(git, { remote, flow, run, ...(url ? { runUrl: url } : {}), changes, now: ctx.now() });
    if (!r.ok) {
      ctx.stderr.write(`opsgate: refusing to start: ${describeLease(r.holder)}\n`);
      await output(ctx, { leased: 'false' });
      return ExitCode.findings;
    }
    ctx.stdout.write(`lease ${leaseBranch(flow)} taken for run ${run} (${r.sha.slice(0, 12)})${changes.length ? `: ${changes.join(', ')}` : ''}\n`);
    await output(ctx, { leased: 'true', changes: changes.join(' ') });
    return ExitCode.clean;
  }

  if (sub === 'stage') {
    const flow = flowOf(values.flow as string | undefined);
    const run = runOf(values.run as string | undefined, ctx.env);
    if (!values.out) throw new UsageError('--out DIR is required', USAGE);
    const part = values.part as string | undefined;
    if (part !== undefined && !/^[A-Za-z0-9._-]{1,64}$/.test(part)) throw new UsageError(`--part '${part}' may hold letters, digits, '.', '_' and '-' only`, USAGE);
    const { stageLanding } = await import('../land/stage.ts');
    const r = await stageLanding({ root: ctx.root, flow, run, ...(part ? { part } : {}), out: path.resolve(ctx.root, values.out as string), now: ctx.now(), env: ctx.env });
    ctx.stdout.write(`staged ${r.manifest.files.length} file(s) of ${flow} run ${run} from ${r.manifest.base_commit.slice(0, 12)} in ${r.manifestFile}\n`);
    for (const f of r.manifest.files) ctx.stdout.write(`  ${!f.base_blob ? 'new     ' : f.path.startsWith('records/') ? 'appended' : 'replaced'} ${f.path}\n`);
    for (const p of r.problems) ctx.stderr.write(`opsgate: land.stage  ${p}\n`);
    return r.problems.length ? ExitCode.findings : ExitCode.clean;
  }

  if (sub === 'push') {
    if (!values.from) throw new UsageError('--from DIR is required', USAGE);
    const branch = (values.branch as string | undefined) ?? ctx.env.GITHUB_REF_NAME;
    if (!branch) throw new UsageError("--branch is required (or GITHUB_REF_NAME, the run's own branch)", USAGE);
    if (branch.startsWith('-') || !/^[\w./-]+$/.test(branch)) throw new UsageError(`--branch '${branch}' is not a branch name`, USAGE);
    const attempts = values.attempts === undefined ? 5 : Number(values.attempts);
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20) throw new UsageError('--attempts must be an integer from 1 to 20', USAGE);
    const { landStaged } = await import('../land/push.ts');
    const delay = /^\d+$/.test(ctx.env.OPSGATE_LAND_RETRY_MS ?? '') ? Number(ctx.env.OPSGATE_LAND_RETRY_MS) : 2000;
    const r = await landStaged({
      root: ctx.root,
      from: path.resolve(ctx.root, values.from as string),
      branch,
      remote,
      releaseLease: values['release-lease'] === true,
      attempts,
      retryDelayMs: delay,
      dryRun: values['dry-run'] === true,
      now: ctx.now(),
      env: ctx.env,
      log: (l) => ctx.stderr.write(`opsgate: ${l}\n`),
    });
    for (const p of r.written) ctx.stdout.write(`  ${r.status === 'dry-run' ? 'would land' : 'landed'} ${p}\n`);
    for (const p of r.alreadyLanded) ctx.stdout.write(`  already on ${branch}: ${p}\n`);
    for (const c of r.conflicts) ctx.stderr.write(`opsgate: land.conflict  ${c.path}: ${c.why}\n`);
    for (const p of r.problems) ctx.stderr.write(`opsgate: ${p}\n`);
    if (r.status === 'landed') ctx.stdout.write(`records landed on ${branch} in ${r.commit!.slice(0, 12)}${r.leaseReleased ? '; lease released' : ''}\n`);
    else if (r.status === 'nothing-to-land') ctx.stdout.write(`nothing new to land on ${branch}${r.leaseReleased ? '; lease released' : ''}\n`);
    else if (r.status === 'dry-run') ctx.stdout.write(`dry run: nothing pushed\n`);
    return r.status === 'landed' || r.status === 'nothing-to-land' || r.status === 'dry-run' ? ExitCode.clean : ExitCode.findings;
  }
  throw new UsageError(`unknown subcommand '${sub}'`, USAGE);
}
