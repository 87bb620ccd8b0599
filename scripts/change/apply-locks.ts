/**
 * Takes the host lock on every host that still has work, in parallel, and
 * reads back what each host says about earlier runs: its state directory and
 * the markers of this change's steps. Markers no record accounts for become
 * steps in doubt. Edge.
 */
import { acquireHostLock, runDirOf, savedDirOf, stepsLockOf, type HostMarker } from '../remote/host-lock.ts';
import type { RunnerContext } from '../remote/step-runner.ts';
import type { Fleet } from '../ssh/fleet.ts';
import type { RunSummary } from './recorder.ts';
import { accountedMarkers, type HostMarkerView } from './resume.ts';

export interface LockInput {
  fleet: Fleet;
  hosts: readonly string[];
  owner: string;
  ttlSeconds: number;
  /** `<repository id>/<change>`: the markers of this scope are read, and this run's are written under it. */
  scope: string;
  run: string;
  /** Every earlier run of the change (their records account for markers). */
  runs: readonly RunSummary[];
  /** Resolutions given now: they account for the markers they name, in any run. */
  resolutions: ReadonlyArray<{ host: string; phase: string; step: string }>;
  /** Per host, the run whose state this run continues (resume: this run; retry: the host's last run). */
  stateRun: ReadonlyMap<string, string>;
  nonce: string;
}

export interface HostLocks {
  held: string[];
  unreachable: Map<string, string>;
  runners: Map<string, RunnerContext>;
  markers: Map<string, HostMarkerView>;
  /** The run of the marker a host holds for a step key (`phase.step`), if any. */
  markerRunOf(host: string, key: string): string | undefined;
  release(): Promise<void>;
}

export async function lockHosts(input: LockInput): Promise<HostLocks> {
  const accounted = accountedMarkers(input.runs.map((r) => ({ run: r.run, lines: r.lines })));
  const resolved = new Set(input.resolutions.map((r) => `${r.host}|${r.phase}.${r.step}`));
  const releases: Array<() => Promise<void>> = [];
  const out: HostLocks = {
    held: [],
    unreachable: new Map(),
    runners: new Map(),
    markers: new Map(),
    markerRunOf: (host, key) =>
      found
        .get(host)
        ?.filter((m) => m.key === key)
        .at(-1)?.run,
    release: async () => {
      await Promise.all(releases.map((r) => r().catch(() => {})));
    },
  };
  const found = new Map<string, HostMarker[]>();
  await Promise.all(
    input.hosts.map(async (host) => {
      let session;
      try {
        session = await input.fleet.session(host);
      } catch (e) {
        out.unreachable.set(host, e instanceof Error ? e.message : String(e));
        return;
      }
      const lock = await acquireHostLock(session, host, input.owner, input.ttlSeconds, { scope: input.scope, run: input.run });
      if (lock.status === 'held') {
        out.held.push(`${host} is held ${lock.owner.startsWith('by ') ? '' : 'by '}${lock.owner}`);
        return;
      }
      if (lock.status === 'error') {
        out.unreachable.set(host, `cannot take the host lock: ${lock.message}`);
        return;
      }
      releases.push(lock.release);
      found.set(host, lock.markers);
      out.runners.set(host, {
        runDir: runDirOf(lock.stateDir, input.scope, input.run, host),
        stepsLock: stepsLockOf(lock.stateDir, host),
        nonce: input.nonce,
        saveDir: savedDirOf(lock.stateDir, input.scope, host),
        ...(lock.cgroup ? { cgroup: lock.cgroup } : {}),
        ...(lock.uid !== undefined ? { loginUid: lock.uid } : {}),
        ...(lock.holder ? { lockHolder: lock.holder } : {}),
      });
      const from = input.stateRun.get(host);
      out.markers.set(host, {
        current: new Map(lock.markers.filter((m) => m.run === from).map((m) => [m.key, m.state])),
        unaccounted: lock.markers.filter((m) => !accounted.has(`${m.run}|${host}|${m.key}`) && !resolved.has(`${host}|${m.key}`)),
      });
    }),
  );
  return out;
}
