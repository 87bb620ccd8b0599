import type { Command } from './context.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import { readRepo } from '../repo/read-repo.ts';
import { integer, is, list, parseSubcommand, type GroupSpec } from './args.ts';
import { toSshTargets } from '../remote/targets.ts';
import { newRunId } from '../remote/recorder.ts';
import { repoIdentity } from '../change/repo-identity.ts';
import { loadSshAuth, openFleet } from '../ssh/fleet.ts';
import { accessInputs, convergeAccess } from '../converge/run-access.ts';
import { renderAccessPolicy } from '../converge/access.ts';
import { openConvergeRecord } from '../converge/record.ts';
import { convergeFailed, renderConvergeResult, renderConvergeSummary, type ConvergeHostResult, type ConvergeTarget } from '../converge/result.ts';
import { sanitizeForLog } from '../render/sanitize.ts';

const FOOTER = 'exit codes: 0 converged, 1 drift (--check) or a host failed, 2 usage, 3 internal error';
const NAMES = { hosts: is.names('host names'), groups: is.names('group names'), baselines: is.names('baseline names'), policies: is.names('backup policy names') };
const hostsOption = { type: 'string', value: 'a,b', help: 'only these hosts', check: NAMES.hosts } as const;
const groupsOption = { type: 'string', value: 'g,h', help: 'only hosts in these groups', check: NAMES.groups } as const;
const identityOption = { type: 'string', value: 'FILE', help: 'SSH private key (default: $OPSGATE_SSH_KEY, else the agent at $SSH_AUTH_SOCK)', check: is.given('a key file') } as const;
const concurrencyOption = { type: 'string', value: 'N', help: 'hosts in flight (default 20)', check: is.integer({ min: 1, max: 500 }) } as const;
const confirmSecondsOption = { type: 'string', value: 'S', help: 'dead-man timer of commit-confirmed changes, 5 to 3600', check: is.integer({ min: 5, max: 3600 }) } as const;
const checkOption = { type: 'boolean', help: 'report the drift and change nothing (exit 1 when there is any)' } as const;

/** `opsgate converge access|baseline|backup`: each target declares exactly the options it takes. */
export const ARGS = {
  command: 'converge',
  what: 'what to converge',
  footer: FOOTER,
  subcommands: {
    access: {
      summary: 'per unix account, exactly the authorized_keys that people, roles and grants declare, and one /etc/sudoers.d/opsgate-role-<role> per granted role',
      usage: 'usage: opsgate converge access [--check] [--dry-run] [--hosts a,b] [--groups g,h] [--identity FILE] [--concurrency N] [--confirm-seconds S]',
      about:
        'Per unix account, exactly the authorized_keys that people, roles and grants declare, and one\n/etc/sudoers.d/opsgate-role-<role> per granted role (checked with visudo -c before anything is\nmoved into place); records under records/converge/access/.',
      footer: FOOTER,
      options: {
        check: checkOption,
        'dry-run': { type: 'boolean', help: 'print the keys and sudoers each host would get, without connecting; change nothing' },
        hosts: hostsOption,
        groups: groupsOption,
        identity: identityOption,
        concurrency: concurrencyOption,
        'confirm-seconds': confirmSecondsOption,
      },
    },
    baseline: {
      summary: 'inspects, fixes failing sshd_option, sysctl and file_mode checks, inspects again',
      usage: 'usage: opsgate converge baseline [--check] [--dry-run] [--baselines x,y] [--hosts a,b] [--groups g,h] [--identity FILE] [--confirm-seconds S]',
      about: 'Inspects, fixes failing sshd_option, sysctl and file_mode checks, inspects again; records under\nrecords/converge/baseline/.',
      footer: FOOTER,
      options: {
        check: checkOption,
        'dry-run': { type: 'boolean', help: 'the same as --check' },
        baselines: { type: 'string', value: 'x,y', help: 'only these baselines', check: NAMES.baselines },
        hosts: hostsOption,
        groups: groupsOption,
        identity: identityOption,
        'confirm-seconds': confirmSecondsOption,
      },
    },
    backup: {
      summary: 'the backup jobs that policies/backup/ declares, on each host',
      usage: 'usage: opsgate converge backup [--check [--format text|json|github]] [--dry-run] [--policies p,q] [--hosts a,b] [--groups g,h] [--identity FILE] [--concurrency N]',
      about: 'The backup jobs that policies/backup/ declares (restic schedules, retention, hooks), on each host.',
      footer: FOOTER,
      options: {
        check: checkOption,
        format: { type: 'string', value: 'F', help: 'with --check: text (default), json or github', check: is.oneOf(['text', 'json', 'github']) },
        'dry-run': { type: 'boolean', help: 'print what would be written and change nothing' },
        policies: { type: 'string', value: 'p,q', help: 'only these backup policies', check: NAMES.policies },
        hosts: hostsOption,
        groups: groupsOption,
        identity: identityOption,
        concurrency: concurrencyOption,
      },
    },
  },
} as const satisfies GroupSpec;

/** Converges declared policy on the fleet; --check only reports the drift (exit 1 when there is any). */
export const convergeCommand: Command = async (ctx) => {
  const { sub: target, values: flags } = parseSubcommand(ctx.argv, ARGS);
  const USAGE = ARGS.subcommands[target].usage;
  const concurrency = integer('concurrency', flags.concurrency, { min: 1, max: 500 }, USAGE) ?? 20;
  const confirmSeconds = integer('confirm-seconds', flags['confirm-seconds'], { min: 5, max: 3600 }, USAGE);
  const mode = flags.check === true || (target === 'baseline' && flags['dry-run'] === true) ? 'check' : 'apply';
  const actor = ctx.env.GITHUB_ACTOR ?? ctx.env.USER ?? 'unknown';
  const run = newRunId(ctx.now());
  const scope = `${await repoIdentity(ctx.root, ctx.env)}/converge-${target}`;
  const owner = `converge ${target} by ${actor} (pid ${process.pid})`;

  if (target === 'backup') {
    const { runConvergeBackup } = await import('../converge/backup-command.ts');
    return runConvergeBackup(ctx, { flags: flags as Record<string, string | boolean>, usage: USAGE, run, lockScope: scope, owner, actor });
  }
  let results: ConvergeHostResult[];
  let record: string | undefined;
  const begin = async (t: ConvergeTarget, secrets: readonly string[]) => (mode === 'apply' ? openConvergeRecord({ root: ctx.root, target: t, run, now: ctx.now, actor, secrets }) : undefined);
  if (target === 'baseline') {
    const { convergeBaseline } = await import('../converge/run-baseline.ts');
    const rec = await begin('baseline', []);
    let r;
    try {
      r = await convergeBaseline({
        root: ctx.root,
        env: ctx.env,
        now: ctx.now,
        hosts: list(flags.hosts) ?? [],
        groups: list(flags.groups) ?? [],
        baselines: list(flags.baselines) ?? [],
        check: mode === 'check',
        owner,
        scope,
        run,
        ...(confirmSeconds ? { confirmSeconds } : {}),
        ...(typeof flags.identity === 'string' ? { identityFile: flags.identity } : {}),
        ...(rec ? { hooks: rec.hooks } : {}),
      });
      if (r.usable) await rec?.finish(r.results);
      else await rec?.close();
    } catch (e) {
      await rec?.close();
      throw e;
    }
    if (!r.usable) {
      for (const m of r.messages) for (const l of m.split('\n')) ctx.stderr.write(sanitizeForLog(l) + '\n');
      return ExitCode.unusable;
    }
    results = r.results;
    record = rec?.rel;
  } else {
    const repo = await readRepo(ctx.root);
    const hostsSel = list(flags.hosts);
    const groupsSel = list(flags.groups);
    const hosts = hostsSel || groupsSel ? repo.resolveTargets({ ...(hostsSel ? { hosts: hostsSel } : {}), ...(groupsSel ? { groups: groupsSel } : {}) }) : repo.all('host');
    if (hosts.length === 0) throw new UsageError('no host matches', USAGE);
    const now = ctx.now();
    if (flags['dry-run']) {
      const inputs = accessInputs(repo);
      for (const h of hosts) {
        const p = renderAccessPolicy(h, inputs, now);
        ctx.stdout.write(`${h.id}:\n`);
        for (const a of p.accounts)
          ctx.stdout.write(
            `  ~${a.account}/.ssh/authorized_keys: ${a.keys.length === 0 ? '(empty)' : a.keys.map((k) => `${k.person} ${k.fingerprint}`).join(', ')}${a.account === h.data.user ? '  REFUSED: the account opsgate logs in with' : ''}\n`,
          );
        for (const s of p.sudoers)
          ctx.stdout.write(
            `  /etc/sudoers.d/${s.name}:\n${s.content
              .split('\n')
              .filter(Boolean)
              .map((l) => `    ${sanitizeForLog(l)}`)
              .join('\n')}\n`,
          );
        for (const x of p.excluded) ctx.stdout.write(`  excluded: ${x.person}${x.grant ? ` (${x.grant})` : ''}: ${sanitizeForLog(x.reason)}\n`);
        for (const x of p.problems) ctx.stdout.write(`  problem: ${sanitizeForLog(x)}\n`);
      }
      return ExitCode.clean;
    }
    const { auth, secrets } = await loadSshAuth({ env: ctx.env, ...(typeof flags.identity === 'string' ? { identityFile: flags.identity } : {}) });
    const targets = toSshTargets(hosts, repo.all('host'));
    const fleet = openFleet(targets, { auth, secrets, concurrency });
    const rec = await begin('access', secrets);
    try {
      results = await convergeAccess({
        repo,
        hosts,
        targets,
        fleet,
        connect: { auth, secrets },
        mode,
        now,
        owner,
        scope,
        run,
        ...(confirmSeconds ? { confirmSeconds } : {}),
        ...(rec ? { hooks: rec.hooks } : {}),
      });
      await rec?.finish(results);
    } catch (e) {
      await rec?.close();
      throw e;
    } finally {
      await fleet.close();
    }
    record = rec?.rel;
  }
  if (record) ctx.stdout.write(`record: ${record}\n`);
  for (const r of results) for (const l of renderConvergeResult(r)) ctx.stdout.write(l + '\n');
  ctx.stdout.write(`${renderConvergeSummary(results, mode)}\n`);
  return results.some(convergeFailed) ? ExitCode.findings : ExitCode.clean;
};
