import { randomBytes } from 'node:crypto';
import { SshError } from '../model/errors.ts';
import { openFleet } from '../ssh/fleet.ts';
import { redactSecrets } from '../ssh/redact.ts';
import type { SshAuth, SshTarget } from '../ssh/types.ts';
import { factError } from './facts.ts';
import { evaluateHost, probeNeeds } from './evaluate.ts';
import { gatherFacts } from './gather-facts.ts';
import type { Baseline, InspectionRow, InventoryHost, PolicyData } from './model.ts';
import { splitSections } from './parse-sections.ts';
import { sectionCommand } from './probe.ts';
import { buildProbeScript, lastSectionBegun, probeCommand, probeCpuMs, PROBE_TIMED_OUT } from './probe.ts';

/** The edge of inspection: one connection and one exec per host, then pure parsing and evaluation. */
export interface InspectRunOptions {
  hosts: InventoryHost[];
  /** Every inventory host, to resolve jump_host. */
  inventory: Map<string, InventoryHost>;
  baselines: Baseline[];
  policy: PolicyData;
  auth: SshAuth;
  /** Values to redact everywhere (key text, passwords). */
  secrets: string[];
  env: NodeJS.ProcessEnv;
  now: () => Date;
  concurrency?: number;
  connectTimeoutMs?: number;
  commandTimeoutMs?: number;
  onHost?: (run: HostRun) => void;
}

export interface HostRun {
  host: string;
  reachable: boolean;
  /** Why the host could not be inspected (connect, hostkey, auth, timeout, garbage output). */
  error?: { phase: string; message: string };
  durationMs: number;
  /** CPU the probe used on the host (its shell and every child), as /proc there counts it. */
  hostCpuMs?: number;
  rows: InspectionRow[];
}

export function toSshTarget(host: InventoryHost, inventory: Map<string, InventoryHost>, seen = new Set<string>()): SshTarget {
  const t: SshTarget = { id: host.id, address: host.address, port: host.port ?? 22, user: host.user, hostKeys: host.host_keys ?? [] };
  if (host.proxy_command?.length) t.proxyCommand = host.proxy_command;
  if (host.jump_host) {
    const j = inventory.get(host.jump_host);
    if (!j || seen.has(j.id)) throw new SshError(host.id, 'connect', `jump host '${host.jump_host}' is ${j ? 'part of a loop' : 'not in the inventory'}`);
    t.jumpHost = toSshTarget(j, inventory, new Set([...seen, host.id]));
  }
  return t;
}

export async function runInspection(o: InspectRunOptions): Promise<HostRun[]> {
  const needs = probeNeeds(o.baselines);
  const secrets = [...o.secrets];
  for (const h of o.hosts)
    for (const r of h.backup_repositories ?? []) {
      const v = o.env[r.password_env];
      if (v) secrets.push(v);
    }
  const targets: SshTarget[] = [];
  const early: HostRun[] = [];
  for (const h of o.hosts) {
    try {
      targets.push(toSshTarget(h, o.inventory));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      early.push(hostError(h, o, 'connect', message, 0));
    }
  }
  const fleet = openFleet(targets, { auth: o.auth, secrets, connectTimeoutMs: o.connectTimeoutMs ?? 10_000, concurrency: o.concurrency ?? 20 });
  const byId = new Map(o.hosts.map((h) => [h.id, h]));
  const results = await fleet.forEach(async (target) => {
    const host = byId.get(target.id)!;
    const started = performance.now();
    let connected = false;
    try {
      const session = await fleet.session(target.id);
      connected = true;
      const boundary = `OGB-${randomBytes(12).toString('hex')}`;
      const repos = (host.backup_repositories ?? []).filter((r) => o.env[r.password_env]);
      const script = buildProbeScript({
        boundary,
        sections: needs.sections,
        files: needs.files,
        sysctlKeys: needs.sysctlKeys,
        ...(needs.ports ? { ports: needs.ports } : {}),
        ...(needs.versions ? { versions: needs.versions } : {}),
        restic: repos.map((r) => ({ policy: r.policy, repository: r.repository, password: o.env[r.password_env]! })),
      });
      const timeoutMs = o.commandTimeoutMs ?? 60_000;
      const hostSeconds = Math.max(1, Math.floor(timeoutMs / 1000) - 2);
      const out = await session.exec(['sh', '-c', probeCommand(hostSeconds)], { stdin: script, timeoutMs });
      const stdout = redactSecrets(out.stdout, secrets);
      const ms = Math.round(performance.now() - started);
      if (out.code === PROBE_TIMED_OUT || out.code === 128 + 9) {
        const section = lastSectionBegun(stdout, boundary);
        return hostError(
          host,
          o,
          'timeout',
          `the probe did not finish within ${hostSeconds} s on the host${section ? ` (stopped in section '${section}': ${sectionCommand(section)})` : ''}`,
          ms,
          true,
        );
      }
      const split = splitSections(stdout, boundary);
      if (!split.ok) return hostError(host, o, 'output', split.reason, ms, true);
      const facts = gatherFacts(
        host.id,
        split.sections,
        repos.map((r) => r.policy),
        boundary,
        needs.versions,
      );
      for (const r of host.backup_repositories ?? []) {
        if (!o.env[r.password_env]) facts.restic.set(r.policy, factError(`the runner's environment has no ${r.password_env} (password_env of ${r.policy})`, 'restic snapshots'));
      }
      const run: HostRun = { host: host.id, reachable: true, durationMs: ms, rows: evaluateHost(host, o.baselines, facts, o.policy, o.now()) };
      const cpu = probeCpuMs(stdout, boundary);
      if (cpu !== undefined) run.hostCpuMs = cpu;
      o.onHost?.(run);
      return run;
    } catch (e) {
      const phase = e instanceof SshError ? e.phase : 'internal';
      let message = redactSecrets(e instanceof Error ? e.message : String(e), secrets);
      const prefix = `${target.id}: ${phase}: `;
      if (message.startsWith(prefix)) message = message.slice(prefix.length);
      const run = hostError(host, o, phase, message, Math.round(performance.now() - started), connected);
      o.onHost?.(run);
      return run;
    } finally {
      await fleet.release(target.id);
    }
  }, o.concurrency ?? 20);
  await fleet.close();
  const all = [...early, ...results.map((r) => r.value!)];
  return all.sort((a, b) => a.host.localeCompare(b.host));
}

function hostError(host: InventoryHost, o: InspectRunOptions, phase: string, message: string, durationMs: number, reachable = false): HostRun {
  const reason = `${phase}: ${message}`;
  return { host: host.id, reachable, error: { phase, message }, durationMs, rows: evaluateHost(host, o.baselines, { error: reason }, o.policy, o.now()) };
}
