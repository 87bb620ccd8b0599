import { randomBytes } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, UsageError } from '../model/errors.ts';
import type { Command, CommandContext } from './context.ts';

const HELP = `usage: opsgate backup verify [options]
  --hosts a,b          only these target hosts (default: every host a policy targets)
  --policies x,y       only these backup policies (default: all in policies/backup/)
  --restore-test       restore-test every host in scope (restore, compare, time against the RTO)
  --due                restore-test only where no passing test is within verification.restore_test_every_days
  --record             append the results to records/backups/YYYY-MM.jsonl (hash-chained)
  --format text|json|github   output (default text)
  --concurrency N      repositories in flight (default 10)
  --timeout S          per restic command, on the host and here (default 3600)
  --connect-timeout S  connect + handshake + auth (default 10)
  --identity FILE      private key file (else $OPSGATE_SSH_KEY, else $SSH_AUTH_SOCK)
  --verbose            list passing items too
Repository passwords come from the environment variables the inventory (backup_repositories.password_env)
or the policy (repository.password_env) names; they reach restic on stdin and are redacted everywhere.
exit: 0 everything passed, 1 any fail or error, 2 usage or unusable input, 3 internal error`;

export interface BackupVerifyArgs {
  hosts: string[];
  policies: string[];
  restore: 'all' | 'due' | 'none';
  record: boolean;
  format: 'text' | 'json' | 'github';
  concurrency: number;
  timeoutMs: number;
  connectTimeoutMs: number;
  identity?: string;
  verbose: boolean;
  help: boolean;
}

export function parseBackupVerifyArgs(argv: string[]): BackupVerifyArgs {
  const a: BackupVerifyArgs = { hosts: [], policies: [], restore: 'none', record: false, format: 'text', concurrency: 10, timeoutMs: 3_600_000, connectTimeoutMs: 10_000, verbose: false, help: false };
  const list = (v: string | undefined) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const seconds = (flag: string, v: string | undefined) => {
    const n = Number(v);
    if (!v || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} needs a positive number of seconds, got '${v ?? ''}'`);
    return Math.round(n * 1000);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const [flag, inline] = arg.startsWith('--') && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--hosts':
        a.hosts.push(...list(value()));
        break;
      case '--policies':
        a.policies.push(...list(value()));
        break;
      case '--restore-test':
        if (a.restore === 'due') throw new UsageError('--restore-test and --due exclude each other');
        a.restore = 'all';
        break;
      case '--due':
        if (a.restore === 'all') throw new UsageError('--restore-test and --due exclude each other');
        a.restore = 'due';
        break;
      case '--record':
        a.record = true;
        break;
      case '--format': {
        const f = value();
        if (f !== 'text' && f !== 'json' && f !== 'github') throw new UsageError(`--format must be text, json or github, got '${f ?? ''}'`);
        a.format = f;
        break;
      }
      case '--concurrency': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1 || n > 100) throw new UsageError('--concurrency must be an integer from 1 to 100');
        a.concurrency = n;
        break;
      }
      case '--timeout':
        a.timeoutMs = seconds(flag, value());
        break;
      case '--connect-timeout':
        a.connectTimeoutMs = seconds(flag, value());
        break;
      case '--identity':
        a.identity = value();
        if (!a.identity) throw new UsageError('--identity needs a key file');
        break;
      case '--verbose':
        a.verbose = true;
        break;
      case '--help':
      case '-h':
        a.help = true;
        break;
      default:
        throw new UsageError(`unknown option '${arg}' for backup verify`, 'usage: opsgate backup verify [options] (opsgate backup verify --help)');
    }
  }
  return a;
}

export const backupCommand: Command = async (ctx: CommandContext) => {
  const [sub, ...rest] = ctx.argv;
  // --help anywhere wins (as with every command); an option before the subcommand is named as an option.
  if (ctx.argv.includes('--help') || ctx.argv.includes('-h')) {
    ctx.stdout.write(HELP + '\n');
    return ExitCode.clean;
  }
  if (!sub) {
    ctx.stderr.write(HELP + '\n');
    return ExitCode.unusable;
  }
  if (sub.startsWith('-')) throw new UsageError(`unknown option '${sub}'`, 'usage: opsgate backup verify [options]');
  if (sub !== 'verify') throw new UsageError(`unknown backup subcommand '${sub}'`, 'usage: opsgate backup verify [options]');
  const args = parseBackupVerifyArgs(rest);
  if (args.help) {
    ctx.stdout.write(HELP + '\n');
    return ExitCode.clean;
  }
  return verify(ctx, args);
};

async function verify(ctx: CommandContext, args: BackupVerifyArgs): Promise<number> {
  const { loadBackup } = await import('../backup/load.ts');
  const loaded = await loadBackup(ctx.root, args);
  for (const d of loaded.diagnostics) ctx.stderr.write(`${d.file}:${d.line}:${d.col}  ${d.code}  ${d.message}${d.hint ? `\n  fix: ${d.hint}` : ''}\n`);
  if (loaded.unusable) return ExitCode.unusable;
  const [{ planVerify, restoreTestDue }, { runVerify, passwordsOf }, record, render, { loadSshAuth }] = await Promise.all([
    import('../backup/plan.ts'),
    import('../backup/run.ts'),
    import('../backup/record.ts'),
    import('../backup/render.ts'),
    import('../ssh/fleet.ts'),
  ]);
  const started = ctx.now();
  let lastPass = new Map<string, { at: string }>();
  if (args.restore === 'due') {
    const read = await record.readRestoreTests(ctx.root);
    for (const p of read.problems) ctx.stderr.write(`opsgate: ${p}: restore tests after the break are not counted\n`);
    lastPass = record.lastPassingTests(read.tests);
  }
  const plan = planVerify({
    policies: [...loaded.policies.values()],
    hosts: [...loaded.inventory.values()],
    selectHosts: args.hosts,
    selectPolicies: args.policies,
    restoreTest: (p, host) => args.restore === 'all' || (args.restore === 'due' && restoreTestDue(p, ((t) => (t ? Date.parse(t.at) : undefined))(lastPass.get(`${p.id}\u0000${host}`)), started)),
  });
  if (plan.units.length === 0 && plan.problems.length === 0) {
    ctx.stderr.write('opsgate: no backup policy targets a host in scope\n');
    return ExitCode.unusable;
  }
  let auth;
  try {
    auth = await loadSshAuth({ env: ctx.env, ...(args.identity ? { identityFile: path.resolve(args.identity) } : {}) });
  } catch (e) {
    throw new UsageError(`cannot read the identity file: ${(e as Error).message}`);
  }
  const results = await runVerify({
    plan,
    policies: loaded.policies,
    inventory: loaded.inventory,
    auth: auth.auth,
    secrets: auth.secrets,
    env: ctx.env,
    now: ctx.now,
    zone: loaded.zone,
    concurrency: args.concurrency,
    connectTimeoutMs: args.connectTimeoutMs,
    commandTimeoutMs: args.timeoutMs,
  });
  const secrets = [...auth.secrets, ...passwordsOf(plan, ctx.env)];
  const runId = `BKV-${started.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(2).toString('hex')}`;
  const summary = record.summarizeVerify(results);
  const { redactDeep } = await import('../ssh/redact.ts');
  const report = redactDeep({ runId, at: loaded.formatTime(started), results, summary }, secrets);
  if (args.format === 'json') ctx.stdout.write(render.renderVerifyJson(report));
  else if (args.format === 'github') {
    const g = render.renderVerifyGithub(report);
    ctx.stdout.write(g.annotations + render.renderVerifyText(report));
    if (ctx.env.GITHUB_STEP_SUMMARY) await appendFile(ctx.env.GITHUB_STEP_SUMMARY, g.summary);
  } else ctx.stdout.write(render.renderVerifyText(report, { verbose: args.verbose }));
  if (args.record) {
    const file = record.backupRecordFile(ctx.root, started);
    try {
      await record.writeVerifyRecord({
        file,
        runId,
        at: () => loaded.formatTime(ctx.now()),
        scope: {
          policies: [...new Set(plan.units.map((u) => u.policy))].sort(),
          hosts: [...new Set([...plan.units.flatMap((u) => u.targets), ...plan.problems.map((p) => p.host)])].sort(),
          restore_test: args.restore,
        },
        results,
        secrets,
      });
    } catch (e) {
      ctx.stderr.write(`opsgate: the verification was not recorded: ${(e as Error).message}\n`);
      return ExitCode.unusable;
    }
    ctx.stderr.write(`recorded ${runId} in ${path.relative(ctx.root, file)}\n`);
  }
  const bad = Object.values(summary).some((t) => t.fail + t.error > 0);
  return bad ? ExitCode.findings : ExitCode.clean;
}
