/**
 * converge baseline: refuse sshd settings opsgate could not survive (located,
 * before anything connects), inspect (one probe per host), remediate the
 * failing checks that have a typed remediation (root script under the host
 * lock and the step runner; an sshd change commit-confirmed), then inspect
 * again: a check still failing, or a host the verifying inspection cannot
 * reach, is not converged. Edge.
 */
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import { loadInspection } from '../inspect/load.ts';
import { runInspection, toSshTarget } from '../inspect/runner.ts';
import type { CheckDef, InventoryHost } from '../inspect/model.ts';
import { confirmId } from '../remote/commit-confirm.ts';
import { renderRootScript } from '../remote/commands.ts';
import { loadSshAuth, openFleet } from '../ssh/fleet.ts';
import type { ConvergeHooks } from './run-access.ts';
import { parseBaselineOutput, planBaselineRemediation, renderBaselineScript, type BaselineRemediation } from './baseline.ts';
import type { ConvergeHostResult } from './result.ts';
import { runHostScript } from './run-on-host.ts';
import { sshdSettingProblem } from './sshd-safety.ts';

export interface BaselineRunOptions {
  root: string;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  hosts: string[];
  groups: string[];
  baselines: string[];
  identityFile?: string;
  check: boolean;
  owner: string;
  scope: string;
  run: string;
  confirmSeconds?: number;
  hooks?: ConvergeHooks;
  sleep?: (ms: number) => Promise<void>;
}

/** Sshd settings of the baselines in scope that would cut opsgate off a host, located at their check. Pure over the loaded input. */
export function unsurvivableSettings(
  loaded: { hosts: InventoryHost[]; inventory: ReadonlyMap<string, InventoryHost>; baselines: Array<{ id: string; checks: CheckDef[] }> },
  locate: (baseline: string, pointer: string) => { file: string; line: number; col: number },
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const jumpHosts = new Set([...loaded.inventory.values()].flatMap((h) => (h.jump_host ? [h.jump_host] : [])));
  for (const b of loaded.baselines) {
    b.checks.forEach((c, i) => {
      if (c.type !== 'sshd_option') return;
      for (const h of loaded.hosts) {
        const r = planBaselineRemediation(h.id, [{ check: c.id, status: 'fail', observed: '' } as never], new Map([[c.id, c]]));
        for (const s of r.sshd) {
          const p = sshdSettingProblem(s.keyword, s.value, { user: h.user, isJumpHost: jumpHosts.has(h.id), hostKeyTypes: h.host_keys.map((k) => k.split(/\s+/)[0]!) });
          if (p)
            out.push(
              diagnostic('converge.unsafe-sshd-setting', locate(b.id, `/checks/${i}/params`), `${c.id} on ${h.id}: ${p}`, {
                pointer: `/checks/${i}/params`,
                hint: 'opsgate would lock itself out of the host: change the check, or exclude the host with applies_to',
              }),
            );
        }
      }
    });
  }
  return [...new Map(out.map((d) => [`${d.file}:${d.line}:${d.message}`, d])).values()];
}

export async function convergeBaseline(o: BaselineRunOptions): Promise<{ usable: boolean; messages: string[]; results: ConvergeHostResult[] }> {
  const loaded = await loadInspection(o.root, { hosts: o.hosts, groups: o.groups, baselines: o.baselines });
  if (loaded.unusable) return { usable: false, messages: loaded.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}  ${d.code}  ${d.message}`), results: [] };
  const located = unsurvivableSettings(loaded, (id, pointer) => {
    const doc = loaded.baselineDocs.find((d) => d.id === id);
    return { file: doc?.file ?? `policies/baselines/${id}.yaml`, ...(doc?.locate(pointer) ?? { line: 1, col: 1 }) };
  });
  if (located.length > 0) return { usable: false, messages: located.map((d) => `${d.file}:${d.line}:${d.col}  ${d.code}  ${d.message}${d.hint ? `\n  hint: ${d.hint}` : ''}`), results: [] };
  const { auth, secrets } = await loadSshAuth({ env: o.env, ...(o.identityFile ? { identityFile: o.identityFile } : {}) });
  const inspect = (hosts: InventoryHost[]) => runInspection({ hosts, inventory: loaded.inventory, baselines: loaded.baselines, policy: loaded.policy, auth, secrets, env: o.env, now: o.now });
  const checks = new Map<string, CheckDef>(loaded.baselines.flatMap((b) => b.checks.map((c) => [c.id, c] as const)));
  const before = await inspect(loaded.hosts);
  const plans = new Map<string, BaselineRemediation>();
  const results: ConvergeHostResult[] = before.map((run) => {
    const base = { host: run.host, target: 'baseline' as const, changes: [] as string[], attention: [] as string[], detail: {} as Record<string, unknown> };
    if (run.error) return { ...base, outcome: 'unreachable', error: `${run.error.phase}: ${run.error.message}` };
    const plan = planBaselineRemediation(run.host, run.rows, checks);
    plans.set(run.host, plan);
    const changes = [
      ...plan.sshd.map((s) => `${s.check}: ${o.check ? 'would set' : 'set'} ${s.keyword} ${s.value} in /etc/ssh/sshd_config (validated with sshd -t, reloaded, commit-confirmed)`),
      ...plan.sysctl.map((s) => `${s.check}: ${o.check ? 'would set' : 'set'} ${s.key} = ${s.value} (running and /etc/sysctl.d/99-opsgate-baseline.conf)`),
      ...plan.files.map((f) => `${f.check}: ${o.check ? 'would limit' : 'limit'} ${f.path} to mode ${f.maxMode}${f.owner ? ` owner ${f.owner}` : ''}${f.group ? ` group ${f.group}` : ''}`),
    ];
    const attention = [
      ...plan.manual.map((m) => `${m.check}: manual: ${m.remediation}`),
      ...run.rows.filter((x) => x.status === 'error').map((x) => `${x.check}: could not be evaluated: ${x.reason}`),
    ];
    return { ...base, outcome: o.check && changes.length > 0 ? 'drift' : 'succeeded', changes, attention, detail: { remediation: plan } };
  });
  if (o.check) return { usable: true, messages: [], results };

  const todo = results.filter((r) => {
    const p = plans.get(r.host);
    return p && (p.sshd.length || p.sysctl.length || p.files.length);
  });
  const targets = todo.map((r) => toSshTarget(loaded.inventory.get(r.host)!, loaded.inventory));
  const fleet = openFleet(targets, { auth, secrets });
  const seconds = o.confirmSeconds ?? 120;
  try {
    await Promise.all(
      todo.map(async (r) => {
        const plan = plans.get(r.host)!;
        const script = renderBaselineScript(plan, { confirm: { id: confirmId('baseline', o.run, r.host), seconds } });
        await o.hooks?.before?.(r.host, { command: renderRootScript().command, remediation: plan });
        const out = await runHostScript({
          fleet,
          target: targets.find((t) => t.id === r.host)!,
          connect: { auth, secrets },
          scope: o.scope,
          run: o.run,
          owner: o.owner,
          script,
          apply: true,
          confirmSeconds: seconds,
          ...(o.sleep ? { sleep: o.sleep } : {}),
        });
        if ('error' in out) {
          r.outcome = out.unreachable ? 'unreachable' : 'failed';
          r.error = out.error;
          return;
        }
        const applied = parseBaselineOutput(out.stdout);
        r.changes = applied.filter((a) => a.type !== 'confirm-armed').map((a) => (a.detail ? `${a.type} ${a.detail}` : a.type));
        r.detail = { ...r.detail, applied, exit_code: out.code, ...(out.confirm ? { confirm: out.confirm } : {}) };
        if (out.confirm) {
          r.confirmMs = out.confirm.ms;
          if (!out.confirm.confirmed) {
            r.outcome = out.confirm.reverted ? 'reverted' : 'needs_attention';
            r.error = out.confirm.why;
          }
        }
        // A path behind a link (og_unsafe, remote/link-safety.ts): nothing was changed on the host, and the record says which and why.
        const refused = applied.filter((a) => a.type === 'refused').map((a) => a.detail);
        if (refused.length > 0) {
          r.outcome = 'failed';
          r.error = `refused, nothing changed on the host: ${refused.join('; ')}`;
          return;
        }
        if (r.outcome === 'succeeded' && (out.code !== 0 || applied.some((a) => a.type.endsWith('invalid') || a.type === 'error'))) {
          r.outcome = 'failed';
          if (!applied.some((a) => a.type.endsWith('invalid') || a.type === 'error'))
            r.error = `exit ${out.code}${out.state && out.state !== 'ended' ? ` (${out.state})` : ''}: ${out.stderr.trim().slice(0, 300)}`;
        }
      }),
    );
  } finally {
    await fleet.close();
  }
  // The verifying inspection: a failing check, a check it cannot evaluate, or a host it cannot reach is not converged.
  const after = await inspect(loaded.hosts.filter((h) => todo.some((r) => r.host === h.id)));
  for (const run of after) {
    const r = results.find((x) => x.host === run.host)!;
    if (run.error) {
      if (r.outcome === 'succeeded') r.outcome = 'unreachable';
      r.error = [r.error, `the verifying inspection failed: ${run.error.phase}: ${run.error.message}`].filter(Boolean).join('; ');
      continue;
    }
    const still = run.rows.filter((x) => x.status === 'fail' || x.status === 'error');
    r.attention = [
      ...(plans.get(r.host)?.manual ?? []).map((m) => `${m.check}: manual: ${m.remediation}`),
      ...still
        .filter((x) => !(plans.get(r.host)?.manual ?? []).some((m) => m.check === x.check))
        .map((x) => `${x.check}: still ${x.status === 'error' ? 'not evaluable' : 'failing'}${x.reason ? `: ${x.reason}` : ''}`),
    ];
  }
  for (const r of results) await o.hooks?.after?.(r.host, r);
  return { usable: true, messages: [], results };
}
