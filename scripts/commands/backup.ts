import { randomBytes } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, UsageError } from '../model/errors.ts';
import type { Command, CommandContext } from './context.ts';
import { integer, is, list, oneOf, parseSubcommand, seconds, type GroupSpec } from './args.ts';

/** `opsgate backup verify`: its options, declared once for the parser and the help. */
export const ARGS = {
  command: 'backup',
  subcommands: {
    verify: {
      summary: 'verify backups over SSH: restic snapshots, check, retention and restore tests against RPO/RTO',
      usage: 'usage: opsgate backup verify [--hosts a,b] [--policies x,y] [--restore-test|--due] [--record] [--format text|json|github] [...]',
      about: `Repository passwords come from the environment variables the inventory (backup_repositories.password_env)
or the policy (repository.password_env) names; they reach restic on stdin and are redacted everywhere.`,
      footer: 'exit: 0 everything passed, 1 any fail or error, 2 usage or unusable input, 3 internal error',
      options: {
        hosts: { type: 'string', multiple: true, value: 'a,b', help: 'only these target hosts (default: every host a policy targets)', check: is.names('host names') },
        policies: { type: 'string', multiple: true, value: 'x,y', help: 'only these backup policies (default: all in policies/backup/)', check: is.names('backup policy names') },
        'restore-test': { type: 'boolean', help: 'restore-test every host in scope (restore, compare, time against the RTO)' },
        due: { type: 'boolean', help: 'restore-test only where no passing test is within verification.restore_test_every_days' },
        record: { type: 'boolean', help: 'append the results to records/backups/YYYY-MM.jsonl (hash-chained)' },
        format: { type: 'string', value: 'F', help: 'text (default), json or github', check: is.oneOf(['text', 'json', 'github']) },
        concurrency: { type: 'string', value: 'N', help: 'repositories in flight, 1 to 100 (default 10)', check: is.integer({ min: 1, max: 100 }) },
        timeout: { type: 'string', value: 'S', help: 'per restic command, on the host and here (default 3600)', check: is.seconds },
        'connect-timeout': { type: 'string', value: 'S', help: 'connect + handshake + auth (default 10)', check: is.seconds },
        identity: { type: 'string', value: 'FILE', help: 'private key file (else $OPSGATE_SSH_KEY, else $SSH_AUTH_SOCK)', check: is.given('a key file') },
        verbose: { type: 'boolean', help: 'list passing items too' },
      },
    },
  },
} as const satisfies GroupSpec;

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
}

/** `opsgate backup verify [options]`, checked: never returns on --help or a usage error. */
export function parseBackupVerifyArgs(argv: string[]): BackupVerifyArgs {
  const { values: v } = parseSubcommand(argv, ARGS);
  const usage = ARGS.subcommands.verify.usage;
  if (v['restore-test'] && v.due) throw new UsageError('backup verify: --restore-test and --due exclude each other', usage);
  return {
    hosts: list(v.hosts) ?? [],
    policies: list(v.policies) ?? [],
    restore: v['restore-test'] ? 'all' : v.due ? 'due' : 'none',
    record: v.record === true,
    format: oneOf('format', v.format, ['text', 'json', 'github'], usage) ?? 'text',
    concurrency: integer('concurrency', v.concurrency, { min: 1, max: 100 }, usage) ?? 10,
    timeoutMs: seconds('timeout', v.timeout, usage) ?? 3_600_000,
    connectTimeoutMs: seconds('connect-timeout', v['connect-timeout'], usage) ?? 10_000,
    ...(v.identity !== undefined ? { identity: v.identity } : {}),
    verbose: v.verbose === true,
  };
}

export const backupCommand: Command = async (ctx: CommandContext) => verify(ctx, parseBackupVerifyArgs(ctx.argv));

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
