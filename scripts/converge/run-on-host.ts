/**
 * How both converge capabilities run their root script on one host, the same
 * way apply runs a step: under the host lock, through the host-side step
 * runner (own process group, host-side timeout), and — when the script armed a
 * dead-man timer before changing something lockout-sensitive — confirmed over a
 * fresh connection, or reverted by the host. Edge.
 */
import { randomBytes } from 'node:crypto';
import { armedIds, confirmFresh, confirmRetrySeconds } from '../remote/commit-confirm.ts';
import { acquireHostLock, runDirOf, stepsLockOf } from '../remote/host-lock.ts';
import { controllerDeadlineSeconds, parseRunnerTrailer, renderRemoteStep } from '../remote/step-runner.ts';
import type { Fleet } from '../ssh/fleet.ts';
import type { ConnectOptions, SshTarget } from '../ssh/types.ts';

export interface HostScriptRun {
  /** The script's stdout (its OG lines). */
  stdout: string;
  stderr: string;
  code: number | null;
  /** How the step runner says it ended; undefined when it did not report (connection lost). */
  state?: string;
  /** Commit-confirmation, when the script armed a timer. */
  confirm?: { id: string; confirmed: boolean; reverted: boolean; why: string; ms: number };
}

export interface HostScriptOptions {
  fleet: Fleet;
  target: SshTarget;
  connect: ConnectOptions;
  /** `<repo id>/converge-access` or `…/converge-baseline`. */
  scope: string;
  run: string;
  owner: string;
  script: string;
  /** Whether the script changes anything (apply) — only then is the host locked. */
  apply: boolean;
  timeoutSeconds?: number;
  confirmSeconds: number;
  sleep?: (ms: number) => Promise<void>;
}

export async function runHostScript(o: HostScriptOptions): Promise<HostScriptRun | { error: string; unreachable: boolean }> {
  const host = o.target.id;
  let session;
  try {
    session = await o.fleet.session(host);
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e), unreachable: true };
  }
  const lock = o.apply ? await acquireHostLock(session, host, o.owner, 30, { scope: o.scope, run: o.run }) : undefined;
  if (lock && lock.status !== 'locked') return { error: lock.status === 'held' ? `host is held ${lock.owner.startsWith('by ') ? '' : 'by '}${lock.owner}` : lock.message, unreachable: false };
  try {
    const nonce = randomBytes(8).toString('hex');
    const timeoutSeconds = o.timeoutSeconds ?? 120;
    const argv =
      lock?.status === 'locked'
        ? renderRemoteStep(
            { argv: ['sh', '-s'], sudo: true, timeoutSeconds, marker: false, key: 'converge' },
            {
              runDir: runDirOf(lock.stateDir, o.scope, o.run, host),
              stepsLock: stepsLockOf(lock.stateDir, host),
              nonce,
              ...(lock.cgroup ? { cgroup: lock.cgroup } : {}),
              ...(lock.holder ? { lockHolder: lock.holder } : {}),
            },
          )
        : ['sudo', '-n', '--', 'timeout', '-k', '5', String(timeoutSeconds), 'sh', '-s'];
    const r = await session.exec(argv, { stdin: o.script, timeoutMs: controllerDeadlineSeconds({ timeoutSeconds }) * 1000 });
    const t = parseRunnerTrailer(r.stderr, nonce);
    const out: HostScriptRun = { stdout: r.stdout, stderr: t.stderr, code: t.code ?? r.code, ...(t.state ? { state: t.state } : {}) };
    const ids = armedIds(r.stdout);
    if (ids.length > 0) {
      const c = await confirmFresh(o.target, o.connect, ids[0]!, { waitSeconds: o.confirmSeconds + 60, retrySeconds: confirmRetrySeconds(o.confirmSeconds), ...(o.sleep ? { sleep: o.sleep } : {}) });
      out.confirm = { id: ids[0]!, confirmed: c.confirmed, reverted: c.reverted, why: c.why, ms: c.confirmMs };
    }
    return out;
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e), unreachable: false };
  } finally {
    if (lock?.status === 'locked') await lock.release();
  }
}
