import type { Command, CommandContext } from './context.ts';
import { ExitCode, UsageError } from '../model/errors.ts';
import { readRepo } from '../repo/read-repo.ts';
import { integer, list, parseCommandArgs } from './args.ts';
import { toSshTargets } from '../change/targets.ts';
import { loadSshAuth, openFleet } from '../ssh/fleet.ts';
import { convergeAccess, renderAccessResult } from '../converge/run-access.ts';
import { renderAccessPolicy } from '../converge/access.ts';

const USAGE = [
  'usage: opsgate converge access [--check] [--dry-run] [--hosts a,b] [--groups g,h] [--identity FILE] [--concurrency N]',
  '       opsgate converge baseline [--check] [--dry-run] [--baselines x,y] [--hosts a,b] [--groups g,h] [--identity FILE]',
].join('\n');
const HELP = `${USAGE}

access    per unix account, exactly the authorized_keys that people, roles and grants
          declare, and one /etc/sudoers.d/opsgate-role-<role> per granted role (checked
          with visudo -c before anything is moved into place); records under records/converge/access/
baseline  inspects, fixes failing sshd_option, sysctl and file_mode checks, inspects again;
          records under records/converge/baseline/

  --check            report the drift and change nothing (exit 1 when there is any)
  --dry-run          print what would be written (access: the keys and sudoers per host,
                     without connecting; baseline: the same as --check)
  --hosts a,b        only these hosts
  --groups g,h       only hosts in these groups
  --baselines x,y    baseline only: only these baselines
  --identity FILE    SSH private key (default: $OPSGATE_SSH_KEY, else the agent at $SSH_AUTH_SOCK)
  --concurrency N    access only: hosts in flight (default 20)

exit codes: 0 converged, 1 drift (--check) or a host failed, 2 usage, 3 internal error
`;
const SPEC = {
  usage: USAGE, help: HELP, positionals: { min: 1, max: 1, name: 'what to converge: access or baseline' },
  options: { check: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, hosts: { type: 'string' }, groups: { type: 'string' }, baselines: { type: 'string' }, identity: { type: 'string' }, concurrency: { type: 'string' } },
} as const;

/** Converges declared policy on the fleet; --check only reports the drift (exit 1 when there is any). */
export const convergeCommand: Command = async (ctx) => {
  const { values: flags, positionals } = parseCommandArgs(ctx.argv, SPEC);
  const target = positionals[0];
  if (target !== 'access' && target !== 'baseline') throw new UsageError(`name what to converge: access or baseline, not '${target}'`, USAGE);
  const concurrency = integer('concurrency', flags.concurrency, { min: 1, max: 500 }, USAGE) ?? 20;
  if (target === 'access' && flags.baselines !== undefined) throw new UsageError('--baselines is for converge baseline', USAGE);
  if (target === 'baseline' && flags.concurrency !== undefined) throw new UsageError('--concurrency is for converge access', USAGE);
  if (target === 'baseline') return convergeBaselineCommand(ctx, { check: flags.check === true || flags['dry-run'] === true, hosts: list(flags.hosts) ?? [], groups: list(flags.groups) ?? [], baselines: list(flags.baselines) ?? [], ...(typeof flags.identity === 'string' ? { identity: flags.identity } : {}) });
  const repo = await readRepo(ctx.root);
  const hostsSel = list(flags.hosts);
  const groupsSel = list(flags.groups);
  const hosts = hostsSel || groupsSel ? repo.resolveTargets({ ...(hostsSel ? { hosts: hostsSel } : {}), ...(groupsSel ? { groups: groupsSel } : {}) }) : repo.all('host');
  if (hosts.length === 0) throw new UsageError('no host matches', USAGE);
  const now = ctx.now();
  if (flags['dry-run']) {
    const inputs = { people: repo.all('person').map((d) => d.data), roles: repo.all('role').map((d) => d.data), grants: repo.all('grant').map((d) => d.data), timezone: repo.one('calendar')?.data.timezone ?? 'UTC' };
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
  const fleet = openFleet(toSshTargets(hosts, repo.all('host')), { auth, secrets, concurrency });
  try {
    const mode = flags.check ? 'check' : 'apply';
    const rec = mode === 'apply' ? await openConvergeRecord(ctx, 'access', secrets) : undefined;
    let results;
    try {
      results = await convergeAccess(repo, hosts, fleet, mode, now, `converge access by ${ctx.env.GITHUB_ACTOR ?? ctx.env.USER ?? 'unknown'} (pid ${process.pid})`, rec?.hooks);
      await rec?.recorder.event('run.done', { hosts: results.map((r) => ({ host: r.host, ok: r.ok, ...(r.error ? { error: r.error } : {}) })) });
    } finally {
      await rec?.recorder.close();
    }
    if (rec) ctx.stdout.write(`record: ${rec.rel}\n`);
    for (const r of results) for (const l of renderAccessResult(r, mode)) ctx.stdout.write(l + '\n');
    const failed = results.filter((r) => !r.ok).length;
    const drift = results.filter((r) => r.report.some((l) => l.type !== 'keys-written')).length;
    ctx.stdout.write(`${results.length} host(s): ${failed} failed${mode === 'check' ? `, ${drift} with drift` : ''}\n`);
    return failed > 0 || (mode === 'check' && drift > 0) ? ExitCode.findings : ExitCode.clean;
  } finally {
    await fleet.close();
  }
};

async function convergeBaselineCommand(ctx: CommandContext, a: { check: boolean; hosts: string[]; groups: string[]; baselines: string[]; identity?: string }): Promise<number> {
  const { convergeBaseline } = await import('../converge/run-baseline.ts');
  const rec = a.check ? undefined : await openConvergeRecord(ctx, 'baseline', []);
  let r;
  try {
    r = await convergeBaseline({ root: ctx.root, env: ctx.env, now: ctx.now, hosts: a.hosts, groups: a.groups, baselines: a.baselines, check: a.check, owner: `converge baseline by ${ctx.env.GITHUB_ACTOR ?? ctx.env.USER ?? 'unknown'} (pid ${process.pid})`, ...(a.identity ? { identityFile: a.identity } : {}), ...(rec ? { hooks: rec.hooks } : {}) });
    await rec?.recorder.event('run.done', { hosts: r.results.map((h) => ({ host: h.host, still_failing: h.remainingFailures, ...(h.error ? { error: h.error } : {}) })) });
  } finally {
    await rec?.recorder.close();
  }
  if (rec) ctx.stdout.write(`record: ${rec.rel}\n`);
  if (!r.usable) { for (const m of r.messages) ctx.stderr.write(m + '\n'); return ExitCode.unusable; }
  let bad = 0;
  for (const h of r.results) {
    const p = h.plan;
    if (a.check && p) {
      for (const s of p.sshd) ctx.stdout.write(`${h.host}: ${s.check}: would set ${s.keyword} ${s.value} in /etc/ssh/sshd_config (validated with sshd -t, then reload)\n`);
      for (const s of p.sysctl) ctx.stdout.write(`${h.host}: ${s.check}: would set ${s.key} = ${s.value} (running and /etc/sysctl.d/99-opsgate-baseline.conf)\n`);
      for (const f of p.files) ctx.stdout.write(`${h.host}: ${f.check}: would limit ${f.path} to mode ${f.maxMode}${f.owner ? ` owner ${f.owner}` : ''}${f.group ? ` group ${f.group}` : ''}\n`);
    }
    for (const x of h.applied) ctx.stdout.write(`${h.host}: ${x.type} ${x.detail}\n`);
    for (const m of p?.manual ?? []) ctx.stdout.write(`${h.host}: ${m.check}: manual: ${m.remediation}\n`);
    if (h.error) ctx.stdout.write(`${h.host}: error: ${h.error}\n`);
    if (!a.check && h.remainingFailures.length) ctx.stdout.write(`${h.host}: still failing: ${h.remainingFailures.join(', ')}\n`);
    if (h.error || h.remainingFailures.length || h.applied.some((x) => x.type.endsWith('invalid') || x.type === 'error')) bad++;
  }
  ctx.stdout.write(`${r.results.length} host(s): ${bad} ${a.check ? 'with drift or errors' : 'not fully converged'}\n`);
  return bad > 0 ? ExitCode.findings : ExitCode.clean;
}

/** records/converge/<target>/<run>.jsonl: what was about to run on each host (written first), and what it did. */
async function openConvergeRecord(ctx: CommandContext, target: 'access' | 'baseline', secrets: string[]) {
  const { openRecorder, newRunId } = await import('../change/recorder.ts');
  const path = await import('node:path');
  const run = newRunId(ctx.now());
  const rel = `records/converge/${target}/${run}.jsonl`;
  const recorder = await openRecorder(path.join(ctx.root, rel), { now: ctx.now, secrets });
  await recorder.event('run.planned', { target, run, actor: ctx.env.GITHUB_ACTOR ?? ctx.env.USER ?? null });
  const hooks = {
    before: (host: string, detail: Record<string, unknown>) => recorder.event('converge.executing', { host, ...detail }),
    after: (host: string, detail: Record<string, unknown>) => recorder.event('converge.done', { host, ...detail }),
  };
  return { recorder, hooks, rel };
}
