/**
 * ssh.config-loaded after a reload, on fleet hosts as the harness makes them (no PidFile planted by the test): every host
 * keeps a PidFile of its own, inside its own directory, so a SIGHUP reload (same pid, same start time) leaves a trace the
 * check can judge. A config file edited, then the daemon reloaded: pass, loaded when the PidFile was rewritten (with
 * `PidFile none` this was an error: whether it reloaded could not be told). Edited again after the reload: a finding.
 */
import { appendFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { expect, it } from 'vitest';
import type { CheckDef, InspectionRow } from '../../scripts/inspect/model.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { execOnFleetHost, findRow } from './fleet-host.ts';
import { inspectRows } from './inspect-cli.ts';
import { useInspectFleet } from './inspect-fleet-suite.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);
const CHECK = 'ssh.config-loaded';
const hardening = parse(readFileSync(path.resolve(import.meta.dirname, '../../policies/baselines/ssh-hardening.yaml'), 'utf8')) as { checks: CheckDef[] };
const BASELINE = { id: 'reload', title: 'reload', checks: [hardening.checks.find((c) => c.id === CHECK)] };
const HOSTS = ['rl-1', 'rl-2'];

const suite = useInspectFleet({ machine: MACHINE, tmpPrefix: 'reload', baseline: BASELINE, fleet: () => ({ hosts: HOSTS.map((id) => ({ id })) }) });

const rowOf = (rows: InspectionRow[], host: string) => findRow(rows, host, CHECK);
const inspect = async () => (await inspectRows(suite.root, suite.fleet, ['--baselines', 'reload'])).rows;
/** The machine's side of the host's sshd_config (bind-mounted over the host's): appended, so the host sees the same inode. */
const configOf = (host: string) => path.join(suite.fleet.dir, host, 'etc', 'ssh', 'sshd_config');
/** The listening sshd above this login (the topmost sshd ancestor), and the PidFile its configuration names. */
const DAEMON = `p=$$; l=; while [ "$p" -gt 1 ]; do [ "$(cat /proc/$p/comm)" = sshd ] && l=$p; p=$(awk '{ print $4 }' /proc/$p/stat); done
printf '%s %s\\n' "$l" "$(sshd -T -f /etc/ssh/sshd_config | awk '$1 == "pidfile" { print $2 }')"`;

async function daemonOf(host: string): Promise<{ pid: number; pidFile: string }> {
  const r = await execOnFleetHost(suite.fleet, host, ['sudo', '-n', 'sh', '-c', DAEMON]);
  const [pid, pidFile] = r.stdout.trim().split(' ');
  return { pid: Number(pid), pidFile: pidFile ?? '' };
}

/** SIGHUP to the listening pid; then waits (at most 10 s) for its PidFile to be rewritten, which it is once it listens again. */
async function reload(host: string): Promise<void> {
  const { pid, pidFile } = await daemonOf(host);
  const before = Date.now();
  expect((await execOnFleetHost(suite.fleet, host, ['sudo', '-n', 'kill', '-HUP', String(pid)])).code).toBe(0);
  for (let i = 0; i < 200; i++) {
    const m = pidFile.startsWith('/')
      ? await stat(pidFile).then(
          (s) => s.mtimeMs,
          () => 0,
        )
      : 0;
    if (m >= before - 20) return;
    await new Promise((res) => setTimeout(res, 50));
  }
}

MACHINE.describe('ssh.config-loaded after a SIGHUP reload, on hosts as the fleet harness makes them', () => {
  it("each host's sshd keeps a PidFile of its own, inside the host's own directory, naming its listening pid", async () => {
    const seen = new Set<string>();
    for (const host of HOSTS) {
      const { pid, pidFile } = await daemonOf(host);
      expect(pidFile.startsWith(path.join(suite.fleet.dir, host) + '/'), pidFile).toBe(true);
      expect(readFileSync(pidFile, 'utf8').trim()).toBe(String(pid));
      seen.add(pidFile);
    }
    expect(seen.size).toBe(HOSTS.length);
    for (const host of HOSTS) expect(rowOf(suite.rows, host).status, rowOf(suite.rows, host).reason).toBe('pass');
  });

  it('sshd_config edited, then the daemon reloaded: pass, loaded when its PidFile was rewritten', async () => {
    await appendFile(configOf('rl-1'), '# edited, then reloaded\n');
    await reload('rl-1');
    const r = rowOf(await inspect(), 'rl-1');
    expect(r.status, r.reason).toBe('pass');
    expect(r.observed).toMatch(/^sshd \(pid \d+\) loaded its configuration \S+ \(its PidFile written\); no file changed since$/);
  });

  it('sshd_config edited again after that reload: a finding naming the file, against the reload time', async () => {
    const { pidFile } = await daemonOf('rl-1');
    const reloadedAt = (await stat(pidFile)).mtimeMs;
    await appendFile(configOf('rl-1'), '# edited after the reload\n');
    const rows = await inspect();
    const r = rowOf(rows, 'rl-1');
    expect(r.status, r.reason).toBe('fail');
    expect(r.reason).toContain(`/etc/ssh/sshd_config changed`);
    // Loaded when the PidFile was written (the probe reads its mtime to the nanosecond; the reason prints milliseconds).
    const loaded = /loaded its configuration (\S+) \(its PidFile (\S+) written then\)/.exec(r.reason);
    expect(loaded?.[2]).toBe(pidFile);
    expect(Math.abs(Date.parse(loaded![1]!) - reloadedAt)).toBeLessThanOrEqual(1);
    // The other host, neither edited nor reloaded, is unaffected.
    expect(rowOf(rows, 'rl-2').status).toBe('pass');
  });
});
