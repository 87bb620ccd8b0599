/**
 * What the inspect fleet tests share: confirming a planted drift from outside (a command run on the
 * host over a fresh SSH connection with the fleet's client key, as an outsider would check it), and
 * finding the row inspection wrote for one host and check.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, rmdir } from 'node:fs/promises';
import type { InspectionRow } from '../../scripts/inspect/model.ts';
import { connectHost } from '../../scripts/ssh/session.ts';
import type { RunningFleet } from '../fleet/fleet.ts';

/** Runs `argv` on fleet host `id` over its own connection; the exit code (-1 for none) and stdout. */
export async function execOnFleetHost(fleet: RunningFleet, id: string, argv: string[], as?: { user: string; keyPath: string }): Promise<{ code: number; stdout: string }> {
  const h = fleet.hosts.find((x) => x.id === id);
  if (!h) throw new Error(`no fleet host ${id}`);
  // `as`: log in as another account of the host with its own key, as anyone holding that key could.
  const s = await connectHost(
    { id: h.id, address: h.address, port: h.port, user: as?.user ?? h.user, hostKeys: h.host_keys, proxyCommand: h.proxy_command! },
    { auth: { privateKey: await readFile(as?.keyPath ?? fleet.clientKeyPath, 'utf8') } },
  );
  try {
    const r = await s.exec(argv, { timeoutMs: 20_000 });
    return { code: r.code ?? -1, stdout: r.stdout };
  } finally {
    await s.close();
  }
}

/** The one row for `host` and `check`; a missing row fails the test with its name. */
export function findRow(rows: InspectionRow[], host: string, check: string): InspectionRow {
  const r = rows.find((x) => x.host === host && x.check === check);
  if (!r) throw new Error(`no row ${host} ${check}`);
  return r;
}

/**
 * Directories a fleet spec's `dirs` will create on the machine as mount points (e.g. /etc/userdb): call before startFleet;
 * the returned function, after the fleet stopped, removes those that did not exist before (only when still empty).
 */
export function machineMountPoints(paths: string[]): () => Promise<void> {
  const created = paths.filter((p) => !existsSync(p));
  return async () => {
    // Another test's fleet may have mounted on it meanwhile (removing a mount point detaches mounts in other namespaces):
    // left in place while any process's mount table names it.
    const inUse = (p: string) =>
      readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .some((d) => {
          try {
            return readFileSync(`/proc/${d}/mountinfo`, 'utf8').includes(` ${p} `);
          } catch {
            return false;
          }
        });
    for (const p of created) if (!inUse(p)) await rmdir(p).catch(() => undefined);
  };
}

/** The sudoers check the fleet baselines share: root and %sudo may run anything, opsgate anything without a password. */
export function fleetSudoersCheck(id: string) {
  return {
    id,
    title: 'sudo',
    severity: 'high',
    type: 'sudoers',
    params: {
      allow: [
        { who: 'root', runas: 'ALL' },
        { who: '%sudo', runas: 'ALL' },
        { who: 'opsgate', commands: ['ALL'], nopasswd: true },
      ],
    },
    rationale: 'r',
    remediation: 'm',
  };
}

/** The authorized_keys check the fleet baselines share: every account's keys but opsgate's own. */
export function fleetKeysCheck(id: string) {
  return { id, title: '公钥', severity: 'high', type: 'authorized_keys', params: { exclude_accounts: ['opsgate'] }, rationale: 'r', remediation: 'm' };
}
