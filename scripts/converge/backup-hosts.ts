/**
 * One converge backup run over chosen hosts, shared by `opsgate converge
 * backup` and the schedule (`apply --due`): SSH auth, the fleet, the record,
 * the all-or-nothing host scripts, and the hosts a maintenance window holds
 * back (recorded as not_started, untouched). Edge.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { newRunId } from '../remote/recorder.ts';
import { toSshTargets } from '../remote/targets.ts';
import type { BackupPolicyDocument, HostDocument } from '../model/documents.generated.ts';
import type { RepoModel } from '../repo/repo-model.ts';
import { loadSshAuth, openFleet } from '../ssh/fleet.ts';
import { convergeBackup, secretValues, type BackupHostResult } from './backup-run.ts';
import type { BackupMode } from './backup-script.ts';
import { describeWindowRefusal, type BackupWindowVerdict } from './backup-window.ts';
import { openConvergeRecord } from './record.ts';

export type WindowRefusal = Extract<BackupWindowVerdict, { ok: false }>;

export interface BackupHostsRun {
  root: string;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  repo: RepoModel;
  hosts: ReadonlyArray<{ id: string; data: HostDocument }>;
  policies: readonly BackupPolicyDocument[];
  timezone: string;
  scope: 'all' | readonly string[];
  mode: BackupMode;
  secret: (name: string) => string | undefined;
  /** Hosts held back by their maintenance window (apply mode): not contacted. */
  refused: ReadonlyMap<string, WindowRefusal>;
  identityFile?: string;
  concurrency: number;
  run: string;
  lockScope: string;
  owner: string;
  actor: string;
}

export async function runBackupHosts(o: BackupHostsRun): Promise<{ results: BackupHostResult[]; record?: string; secrets: string[] }> {
  const { auth, secrets: sshSecrets } = await loadSshAuth({ env: o.env, ...(o.identityFile ? { identityFile: o.identityFile } : {}) });
  const secrets = [...sshSecrets, ...secretValues(o.hosts, o.policies, o.secret)];
  const runHosts = o.hosts.filter((h) => !o.refused.has(h.id));
  const targets = toSshTargets(runHosts, o.repo.all('host'));
  const fleet = openFleet(targets, { auth, secrets, concurrency: o.concurrency });
  // Runs are replayed in id order (the schedule's converged state): a new run's id sorts after every earlier one.
  const earlier = (await readdir(path.join(o.root, 'records', 'converge', 'backup')).catch(() => [] as string[])).filter((f) => f.endsWith('.jsonl')).map((f) => f.slice(0, -'.jsonl'.length));
  const run = earlier.some((r) => r >= o.run) ? newRunId(o.now(), earlier) : o.run;
  const rec = o.mode === 'apply' ? await openConvergeRecord({ root: o.root, target: 'backup', run, now: o.now, actor: o.actor, secrets }) : undefined;
  try {
    const ran = runHosts.length
      ? await convergeBackup({
          hosts: runHosts,
          policies: o.policies,
          timezone: o.timezone,
          scope: o.scope,
          targets,
          fleet,
          connect: { auth, secrets },
          mode: o.mode,
          secret: o.secret,
          owner: o.owner,
          lockScope: o.lockScope,
          run,
          ...(rec ? { hooks: rec.hooks } : {}),
        })
      : [];
    const skipped: BackupHostResult[] = [];
    for (const [host, v] of o.refused) {
      const r: BackupHostResult = {
        host,
        target: 'backup',
        outcome: 'not_started',
        changes: [],
        attention: [],
        error: describeWindowRefusal(v),
        detail: { refused: v.code, window_bound: v.policies, ...(v.next ? { next_window: v.next } : {}) },
      };
      await rec?.hooks.after?.(host, r);
      skipped.push(r);
    }
    const results = o.hosts.map((h) => ran.find((r) => r.host === h.id) ?? skipped.find((r) => r.host === h.id)!);
    await rec?.finish(results);
    return { results, secrets, ...(rec ? { record: rec.rel } : {}) };
  } catch (e) {
    await rec?.close();
    throw e;
  } finally {
    await fleet.close();
  }
}
