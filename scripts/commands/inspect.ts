import { randomBytes } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import { ExitCode, UsageError } from '../model/errors.ts';
import type { Command, CommandContext } from './context.ts';
import { integer, is, list, oneOf, parseCommandArgs, seconds, type CommandSpec } from './args.ts';

const HELP = `usage: opsgate inspect [options]
  --hosts a,b         only these hosts (default: every host in the inventory)
  --groups g,h        only hosts in these groups
  --baselines x,y     only these baselines (default: all in policies/baselines/)
  --format text|json|github   output (default text; github = annotations + job summary)
  --record            append a hash-chained record under records/inspections/ and compare with the previous run
  --shard i/n         inspect every n-th host starting at i (CI matrix)
  --run-id ID         the run id (shards of one scheduled run share it; default from
                      GITHUB_RUN_ID/GITHUB_RUN_ATTEMPT in GitHub Actions, else generated)
  --concurrency N     hosts in flight (default 20)
  --timeout S         probe timeout per host in seconds (default 60)
  --connect-timeout S connect + handshake + auth timeout in seconds (default 10)
  --identity FILE     private key file (else $OPSGATE_SSH_KEY, else $SSH_AUTH_SOCK)
  --verbose           list passing checks too
exit: 0 all pass, 1 any fail or error, 2 usage or unusable input, 3 internal error`;

interface InspectArgs {
  hosts: string[];
  groups: string[];
  baselines: string[];
  format: 'text' | 'json' | 'github';
  record: boolean;
  shard?: { index: number; count: number };
  runId?: string;
  concurrency: number;
  timeoutMs: number;
  connectTimeoutMs: number;
  identity?: string;
  verbose: boolean;
}

export const ARGS = {
  usage: 'usage: opsgate inspect [--hosts a,b] [--groups g,h] [--baselines x,y] [--format text|json|github] [--record] [--shard i/n] [...]',
  help: HELP,
  options: {
    hosts: { type: 'string', multiple: true, check: is.names('host names') },
    groups: { type: 'string', multiple: true, check: is.names('group names') },
    baselines: { type: 'string', multiple: true, check: is.names('baseline names') },
    format: { type: 'string', check: is.oneOf(['text', 'json', 'github']) },
    record: { type: 'boolean' },
    shard: { type: 'string', check: is.matches('i/n with 1 ≤ i ≤ n, e.g. 2/4', /^[1-9]\d*\/[1-9]\d*$/) },
    'run-id': { type: 'string', check: is.matches("1–64 characters of letters, digits, '.', '_' or '-'", /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/) },
    concurrency: { type: 'string', check: is.integer({ min: 1, max: 500 }) },
    timeout: { type: 'string', check: is.seconds },
    'connect-timeout': { type: 'string', check: is.seconds },
    identity: { type: 'string', check: is.given('a key file') },
    verbose: { type: 'boolean' },
  },
} as const satisfies CommandSpec;

export function parseInspectArgs(argv: string[]): InspectArgs {
  const { values: v } = parseCommandArgs(argv, ARGS);
  let shard: InspectArgs['shard'];
  if (v.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(v.shard);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new UsageError('--shard must be i/n with 1 ≤ i ≤ n, e.g. 2/4', ARGS.usage);
    shard = { index: Number(m[1]), count: Number(m[2]) };
  }
  if (v.identity !== undefined && !v.identity) throw new UsageError('--identity needs a key file', ARGS.usage);
  const runId = v['run-id'];
  if (runId !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(runId)) throw new UsageError(`--run-id must be 1–64 characters of letters, digits, '.', '_' or '-', got '${runId}'`, ARGS.usage);
  return {
    hosts: list(v.hosts) ?? [],
    groups: list(v.groups) ?? [],
    baselines: list(v.baselines) ?? [],
    format: oneOf('format', v.format, ['text', 'json', 'github'], ARGS.usage) ?? 'text',
    record: v.record === true,
    ...(shard ? { shard } : {}),
    ...(runId !== undefined ? { runId } : {}),
    concurrency: integer('concurrency', v.concurrency, { min: 1, max: 500 }, ARGS.usage) ?? 20,
    timeoutMs: seconds('timeout', v.timeout, ARGS.usage) ?? 60_000,
    connectTimeoutMs: seconds('connect-timeout', v['connect-timeout'], ARGS.usage) ?? 10_000,
    ...(v.identity ? { identity: v.identity } : {}),
    verbose: v.verbose === true,
  };
}

/** Shards of one GitHub Actions run share its id, so lifecycle and reports merge them. */
function defaultRunId(env: NodeJS.ProcessEnv): string | undefined {
  const id = env.GITHUB_RUN_ID;
  return id && /^\d+$/.test(id) ? `INS-gh-${id}-${/^\d+$/.test(env.GITHUB_RUN_ATTEMPT ?? '') ? env.GITHUB_RUN_ATTEMPT : '1'}` : undefined;
}

export const inspectCommand: Command = async (ctx: CommandContext) => {
  const args = parseInspectArgs(ctx.argv);
  const { loadInspection } = await import('../inspect/load.ts');
  const loaded = await loadInspection(ctx.root, args);
  for (const d of loaded.diagnostics) ctx.stderr.write(`${d.file}:${d.line}:${d.col}  ${d.code}  ${d.message}\n`);
  if (loaded.unusable) return ExitCode.unusable;

  const [{ loadSshAuth }, { runInspection }, results, record, render, { redactDeep }] = await Promise.all([
    import('../ssh/fleet.ts'),
    import('../inspect/runner.ts'),
    import('../inspect/results.ts'),
    import('../inspect/record.ts'),
    import('../inspect/render.ts'),
    import('../ssh/redact.ts'),
  ]);
  let auth;
  try {
    auth = await loadSshAuth({ env: ctx.env, ...(args.identity ? { identityFile: path.resolve(args.identity) } : {}) });
  } catch (e) {
    throw new UsageError(`cannot read the identity file: ${(e as Error).message}`);
  }
  const started = ctx.now();
  const hosts = results.selectShard(loaded.hosts, args.shard);
  const runs = await runInspection({
    hosts,
    inventory: loaded.inventory,
    baselines: loaded.baselines,
    policy: loaded.policy,
    auth: auth.auth,
    secrets: auth.secrets,
    env: ctx.env,
    now: ctx.now,
    concurrency: args.concurrency,
    connectTimeoutMs: args.connectTimeoutMs,
    commandTimeoutMs: args.timeoutMs,
  });
  const now = ctx.now();
  const waived = results.applyExceptions(
    runs.flatMap((r) => r.rows),
    loaded.policy.exceptions,
    loaded.inventory,
    now,
  );
  const runId = args.runId ?? defaultRunId(ctx.env) ?? `INS-${started.toISOString().replace(/[-:]/g, '').slice(0, 15)}-${randomBytes(2).toString('hex')}`;
  // Each host is compared with the last run that inspected it (scoped runs and shards included).
  const stored = args.record ? await record.readRecentRuns(ctx.root, started) : [];
  const prior = record.priorByHost(
    stored,
    hosts.map((h) => h.id),
    runId,
  );
  const notInspected = new Set(runs.filter((r) => r.error).map((r) => r.host));
  const rows = args.record ? results.applyLifecycle(waived, prior, runId, notInspected) : waived;
  const hostRuns = runs.map((r) => ({ ...r, rows: rows.filter((x) => x.host === r.host) }));
  const summary = results.summarize(rows, runs.filter((r) => !r.reachable).length, runs.length, notInspected.size);
  const compared = new Set([...prior.values()].map((p) => p.runId));
  const previousRun = [...stored].reverse().find((r) => compared.has(r.runId))?.runId ?? null;
  const at = loaded.formatTime(started);
  const secrets = [...auth.secrets, ...hosts.flatMap((h) => (h.backup_repositories ?? []).map((b) => ctx.env[b.password_env] ?? ''))].filter(Boolean);
  const report = redactDeep({ runId, at, hosts: hostRuns, rows, summary, previousRun }, secrets);

  if (args.format === 'json') ctx.stdout.write(render.renderJson(report));
  else if (args.format === 'github') {
    const g = render.renderGithub(report);
    ctx.stdout.write(g.annotations + render.renderText(report));
    if (ctx.env.GITHUB_STEP_SUMMARY) await appendFile(ctx.env.GITHUB_STEP_SUMMARY, g.summary);
  } else ctx.stdout.write(render.renderText(report, { verbose: args.verbose }));
  if (args.record) {
    const file = record.recordFileFor(ctx.root, started, args.shard);
    try {
      await record.writeInspectionRecord({
        file,
        runId,
        at: () => loaded.formatTime(ctx.now()),
        scope: { hosts: args.hosts, groups: args.groups, shard: args.shard ? `${args.shard.index}/${args.shard.count}` : null },
        baselines: loaded.baselines.map((b) => ({ id: b.id, checks: b.checks.length })),
        hosts: report.hosts,
        previousRun: report.previousRun,
        summary,
      });
    } catch (e) {
      // A broken chain is never appended to: the results above stand, the evidence does not.
      ctx.stderr.write(`opsgate: the inspection was not recorded: ${(e as Error).message}\n`);
      return ExitCode.unusable;
    }
    ctx.stderr.write(`recorded ${runId} in ${path.relative(ctx.root, file)}\n`);
  }
  return summary.by_status.fail + summary.by_status.error > 0 ? ExitCode.findings : ExitCode.clean;
};
