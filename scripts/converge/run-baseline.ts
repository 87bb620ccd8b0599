/**
 * converge baseline: inspect (one probe per host), remediate the failing
 * checks that have a typed remediation (root script, under the host lock),
 * then inspect again to show what is left. Edge.
 */
import { loadInspection } from '../inspect/load.ts';
import { runInspection } from '../inspect/runner.ts';
import type { CheckDef, InventoryHost } from '../inspect/model.ts';
import { loadSshAuth, openFleet } from '../ssh/fleet.ts';
import { toSshTarget } from '../inspect/runner.ts';
import { acquireHostLock } from '../remote/host-lock.ts';
import { renderRootScript as renderConverge, withSudo } from '../remote/commands.ts';
import type { ConvergeHooks } from './run-access.ts';
import { parseBaselineOutput, planBaselineRemediation, renderBaselineScript, type BaselineRemediation } from './baseline.ts';

export interface BaselineHostResult {
  host: string;
  plan?: BaselineRemediation;
  applied: Array<{ type: string; detail: string }>;
  remainingFailures: string[];
  error?: string;
}

export async function convergeBaseline(o: { root: string; env: NodeJS.ProcessEnv; now: () => Date; hosts: string[]; groups: string[]; baselines: string[]; identityFile?: string; check: boolean; owner: string; hooks?: ConvergeHooks }): Promise<{ usable: boolean; messages: string[]; results: BaselineHostResult[] }> {
  const loaded = await loadInspection(o.root, { hosts: o.hosts, groups: o.groups, baselines: o.baselines });
  if (loaded.unusable) return { usable: false, messages: loaded.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}  ${d.code}  ${d.message}`), results: [] };
  const { auth, secrets } = await loadSshAuth({ env: o.env, ...(o.identityFile ? { identityFile: o.identityFile } : {}) });
  const inspect = (hosts: InventoryHost[]) => runInspection({ hosts, inventory: loaded.inventory, baselines: loaded.baselines, policy: loaded.policy, auth, secrets, env: o.env, now: o.now });
  const checks = new Map<string, CheckDef>(loaded.baselines.flatMap((b) => b.checks.map((c) => [c.id, c] as const)));
  const before = await inspect(loaded.hosts);
  const results: BaselineHostResult[] = before.map((run) => {
    const r: BaselineHostResult = { host: run.host, applied: [], remainingFailures: run.rows.filter((x) => x.status === 'fail').map((x) => x.check) };
    if (run.error) r.error = `${run.error.phase}: ${run.error.message}`;
    else r.plan = planBaselineRemediation(run.host, run.rows, checks);
    return r;
  });
  if (o.check) return { usable: true, messages: [], results };

  const todo = results.filter((r) => r.plan && (r.plan.sshd.length || r.plan.sysctl.length || r.plan.files.length));
  const fleet = openFleet(todo.map((r) => toSshTarget(loaded.inventory.get(r.host)!, loaded.inventory)), { auth, secrets });
  try {
    await Promise.all(todo.map(async (r) => {
      try {
        const session = await fleet.session(r.host);
        const lock = await acquireHostLock(session, r.host, o.owner);
        if (lock.status !== 'locked') { r.error = lock.status === 'held' ? `host is held by ${lock.owner}` : lock.message; return; }
        try {
          await o.hooks?.before?.(r.host, { command: renderConverge().command, remediation: r.plan });
          const out = await session.exec(withSudo(true, renderConverge().argv), { stdin: renderBaselineScript(r.plan!), timeoutMs: 120_000 });
          r.applied = parseBaselineOutput(out.stdout);
          await o.hooks?.after?.(r.host, { exit_code: out.code, applied: r.applied, stderr: out.stderr.slice(0, 2000) });
          if (out.code !== 0 && !r.applied.some((a) => a.type.endsWith('invalid') || a.type === 'error')) r.error = `exit ${out.code}: ${out.stderr.trim().slice(0, 300)}`;
        } finally { await lock.release(); }
      } catch (e) { r.error = e instanceof Error ? e.message : String(e); }
    }));
  } finally { await fleet.close(); }
  const after = await inspect(loaded.hosts.filter((h) => todo.some((r) => r.host === h.id)));
  for (const run of after) {
    const r = results.find((x) => x.host === run.host)!;
    r.remainingFailures = run.rows.filter((x) => x.status === 'fail').map((x) => x.check);
  }
  return { usable: true, messages: [], results };
}
