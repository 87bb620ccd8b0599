import type { Command } from './context.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import { readRepo } from '../repo/read-repo.ts';
import { parseFlags } from '../change/cli-args.ts';
import { toSshTargets } from '../change/targets.ts';
import { loadSshAuth, openFleet } from '../ssh/fleet.ts';
import { convergeAccess, renderAccessResult } from '../converge/run-access.ts';
import { renderAccessPolicy } from '../converge/access.ts';

const USAGE = 'usage: opsgate converge access [--check] [--dry-run] [--hosts a,b] [--groups g,h] [--identity FILE] [--concurrency N]';

/** Converges declared policy on the fleet; --check only reports the drift (exit 1 when there is any). */
export const convergeCommand: Command = async (ctx) => {
  const { flags, positional } = parseFlags(ctx.argv, { boolean: ['check', 'dry-run'], value: ['hosts', 'groups', 'identity', 'concurrency'] }, USAGE);
  const target = positional[0];
  if (target === 'baseline') throw new UsageError('converge baseline is not available yet: apply baseline remediations through a change (run/upload steps)', USAGE);
  if (target !== 'access' || positional.length !== 1) throw new UsageError('name what to converge: access', USAGE);
  const repo = await readRepo(ctx.root);
  const list = (v: unknown) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);
  const hostsSel = list(flags.hosts);
  const groupsSel = list(flags.groups);
  const hosts = hostsSel || groupsSel ? repo.resolveTargets({ ...(hostsSel ? { hosts: hostsSel } : {}), ...(groupsSel ? { groups: groupsSel } : {}) }) : repo.all('host');
  if (hosts.length === 0) throw new UsageError('no host matches', USAGE);
  const now = ctx.now();
  if (flags['dry-run']) {
    const inputs = { people: repo.all('person').map((d) => d.data), roles: repo.all('role').map((d) => d.data), grants: repo.all('grant').map((d) => d.data) };
    for (const h of hosts) {
      const p = renderAccessPolicy(h, inputs, now);
      ctx.stdout.write(`${h.id}:\n`);
      for (const a of p.accounts) ctx.stdout.write(`  ~${a.account}/.ssh/authorized_keys: ${a.keys.length === 0 ? '(empty)' : a.keys.map((k) => `${k.person} ${k.fingerprint}`).join(', ')}\n`);
      for (const s of p.sudoers) ctx.stdout.write(`  /etc/sudoers.d/${s.name}:\n${s.content.split('\n').filter(Boolean).map((l) => `    ${l}`).join('\n')}\n`);
      for (const x of p.excluded) ctx.stdout.write(`  excluded: ${x.person}${x.grant ? ` (${x.grant})` : ''}: ${x.reason}\n`);
      for (const x of p.problems) ctx.stdout.write(`  problem: ${x}\n`);
    }
    return ExitCode.clean;
  }
  const { auth, secrets } = await loadSshAuth({ env: ctx.env, ...(typeof flags.identity === 'string' ? { identityFile: flags.identity } : {}) });
  const fleet = openFleet(toSshTargets(hosts, repo.all('host')), { auth, secrets, concurrency: Number(flags.concurrency ?? 20) });
  try {
    const mode = flags.check ? 'check' : 'apply';
    const results = await convergeAccess(repo, hosts, fleet, mode, now, `converge access by ${ctx.env.GITHUB_ACTOR ?? ctx.env.USER ?? 'unknown'} (pid ${process.pid})`);
    for (const r of results) for (const l of renderAccessResult(r, mode)) ctx.stdout.write(l + '\n');
    const failed = results.filter((r) => !r.ok).length;
    const drift = results.filter((r) => r.report.some((l) => l.type !== 'keys-written')).length;
    ctx.stdout.write(`${results.length} host(s): ${failed} failed${mode === 'check' ? `, ${drift} with drift` : ''}\n`);
    return failed > 0 || (mode === 'check' && drift > 0) ? ExitCode.findings : ExitCode.clean;
  } finally {
    await fleet.close();
  }
};
