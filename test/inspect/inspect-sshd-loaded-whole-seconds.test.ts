/**
 * ssh.config-loaded on a host whose stat gives whole seconds, as busybox's does: its `-c` prints `%.9Y` and `%.9Z` as
 * `printf("%.9ld", st_mtime)`, the seconds alone (busybox coreutils/stat.c). The host's /usr/bin/stat is a shim that does
 * exactly that with the machine's GNU stat (busybox is not installed here). Beside it, a host with GNU stat.
 * An edit made after the reload but within the same second: GNU stat orders them (a finding); whole seconds cannot, so an
 * error saying why (before, both were cut to the same second and the host passed). Reloaded a second later: pass; edited a
 * second after that: a finding.
 */
import { chmod, copyFile, stat, utimes, writeFile, appendFile } from 'node:fs/promises';
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
const BASELINE = { id: 'seconds', title: 'seconds', checks: [hardening.checks.find((c) => c.id === CHECK)] };
const BB = 'ws-busybox';
const GNU = 'ws-gnu';

/** busybox stat's `-c`: a precision on %Y or %Z pads the seconds, nothing more. */
const shim = (real: string) => `#!/bin/sh
n=$#
for a do set -- "$@" "$(printf '%s\\n' "$a" | sed 's/%\\.9\\([YZ]\\)/%\\1/g')"; done
shift "$n"
exec ${real} "$@"
`;

const suite = useInspectFleet({
  machine: MACHINE,
  tmpPrefix: 'seconds',
  baseline: BASELINE,
  fleet: () => ({ hosts: [{ id: BB, files: { '/usr/bin/stat': '' } }, { id: GNU }] }),
  // The shim is bind-mounted over the host's /usr/bin/stat (the host's `files`); the real one is a copy beside it.
  afterStart: async (fleet) => {
    const real = path.join(fleet.dir, 'gnu-stat');
    await copyFile('/usr/bin/stat', real);
    await chmod(real, 0o755);
    const own = path.join(fleet.dir, BB, 'files', '0');
    await writeFile(own, shim(real));
    await chmod(own, 0o755);
  },
});

const rowOf = (rows: InspectionRow[], host: string) => findRow(rows, host, CHECK);
const inspect = async () => (await inspectRows(suite.root, suite.fleet, ['--baselines', 'seconds'])).rows;
const configOf = (host: string) => path.join(suite.fleet.dir, host, 'etc', 'ssh', 'sshd_config');
const pidFileOf = (host: string) => path.join(suite.fleet.dir, host, 'sshd.pid');
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
/** Waits until the wall clock is past the second that `ms` falls in. */
const nextSecond = async (ms: number) => {
  while (Date.now() < Math.floor(ms / 1000) * 1000 + 1000) await sleep(50);
};

async function reload(host: string): Promise<void> {
  const pid = readFileSync(pidFileOf(host), 'utf8').trim();
  const before = (await stat(pidFileOf(host))).mtimeMs;
  expect((await execOnFleetHost(suite.fleet, host, ['sudo', '-n', 'kill', '-HUP', pid])).code).toBe(0);
  // sshd unlinks its PidFile before it re-execs, and writes it again once it listens.
  const written = () =>
    stat(pidFileOf(host)).then(
      (s) => s.mtimeMs,
      () => before,
    );
  for (let i = 0; i < 200 && (await written()) === before; i++) await sleep(50);
}

MACHINE.describe('ssh.config-loaded where stat gives whole seconds (busybox)', () => {
  it("the shim is the host's stat, and gives whole seconds", async () => {
    const r = await execOnFleetHost(suite.fleet, BB, ['stat', '-c', '%.9Y', '/etc/ssh/sshd_config']);
    expect(r.stdout.trim()).toMatch(/^\d+$/);
    expect((await execOnFleetHost(suite.fleet, GNU, ['stat', '-c', '%.9Y', '/etc/ssh/sshd_config'])).stdout.trim()).toMatch(/^\d+\.\d{9}$/);
    for (const h of [BB, GNU]) expect(rowOf(suite.rows, h).status, rowOf(suite.rows, h).reason).not.toBe('fail');
  });

  it('an edit after the reload within the same second: a finding with GNU stat, an error naming whole seconds with busybox', async () => {
    for (const h of [BB, GNU]) {
      // The edit, then the PidFile stamped earlier within the edit's second: the reload came first, by half the fraction.
      let c = 0;
      for (let i = 0; i < 20 && c % 1000 < 2; i++) {
        await appendFile(configOf(h), '# edited after the reload\n');
        c = (await stat(configOf(h))).ctimeMs;
      }
      const reloadedAt = Math.floor(c / 1000) * 1000 + (c % 1000) / 2;
      await utimes(pidFileOf(h), reloadedAt / 1000, reloadedAt / 1000);
    }
    const rows = await inspect();
    const gnu = rowOf(rows, GNU);
    expect(gnu.status, gnu.reason).toBe('fail');
    const bb = rowOf(rows, BB);
    expect(bb.status, bb.reason).toBe('error');
    expect(bb.reason).toMatch(
      /\/etc\/ssh\/sshd_config changed \S+Z \(to the second\) and the running sshd \(pid \d+\) loaded its configuration \S+Z \(to the second; its PidFile \S+ written then\): which came first cannot be told/,
    );
    expect(bb.reason).toContain('whole seconds (busybox stat');
  });

  it('reloaded in a later second: pass; edited a second after that reload: a finding', async () => {
    await nextSecond((await stat(configOf(BB))).ctimeMs);
    await reload(BB);
    let r = rowOf(await inspect(), BB);
    expect(r.status, r.reason).toBe('pass');
    await nextSecond((await stat(pidFileOf(BB))).mtimeMs);
    await appendFile(configOf(BB), '# edited a second after the reload\n');
    r = rowOf(await inspect(), BB);
    expect(r.status, r.reason).toBe('fail');
    expect(r.reason).toContain('/etc/ssh/sshd_config changed');
  });
});
