/**
 * Captures real probe output from a fresh test fleet into test/fixtures/inspect/
 * (run as root: npx tsx test/inspect/capture-fixtures.ts). Parser tests read these files.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startFleet } from '../fleet/fleet.ts';
import { connectHost } from '../../scripts/ssh/session.ts';
import { buildProbeScript, probeCommand } from '../../scripts/inspect/probe.ts';

const out = path.resolve(import.meta.dirname, '../fixtures/inspect');
const fleet = await startFleet({
  hosts: [
    {
      id: 'web-01',
      listen: [23],
      diskFillPercent: 96,
      sysctlRuntime: { 'net.ipv4.ip_forward': '1' },
      sshd: { permitRootLogin: 'yes' },
      fileModes: { '/etc/passwd': '0666' },
      sudoers: ['deploy ALL=(root) NOPASSWD: /usr/bin/systemctl restart nginx, /usr/bin/journalctl'],
      accounts: [
        { name: 'toor', uid: 0, shell: '/bin/sh' },
        { name: 'deploy', uid: 1001 },
      ],
    },
    { id: 'db-01', restic: { policy: 'db-daily', snapshotTimes: ['2026-11-20T01:00:00Z', '2026-11-21T01:00:00Z'] } },
  ],
});
try {
  await mkdir(out, { recursive: true });
  const key = await readFile(fleet.clientKeyPath, 'utf8');
  for (const h of fleet.hosts) {
    const s = await connectHost({ id: h.id, address: h.address, port: h.port, user: h.user, hostKeys: h.host_keys, proxyCommand: h.proxy_command }, { auth: { privateKey: key } });
    const boundary = 'OGB-fixture-boundary-0001';
    const script = buildProbeScript({
      boundary,
      files: ['/etc/passwd', '/etc/shadow', '/etc/ssh/sshd_config', '/etc/nonexistent'],
      sysctlKeys: ['net.ipv4.ip_forward', 'net.ipv4.conf.all.accept_redirects', 'kernel.randomize_va_space', 'net.ipv4.ip_local_port_range', 'no.such.key'],
      restic: (h.backup_repositories ?? [])
        .map((b) => ({ policy: b.policy, repository: '/srv/restic/' + h.id, password: fleet.env[b.password_env]! }))
        .map((r, i) => ({ ...r, repository: h.backup_repositories![i]!.repository })),
    });
    const r = await s.exec(['sh', '-c', probeCommand(30)], { stdin: script, timeoutMs: 30_000 });
    // Paths of the temporary fleet directory are normalised so fixtures are stable.
    const text = r.stdout.split(fleet.dir).join('/srv/og-fleet');
    await writeFile(path.join(out, `probe-${h.id}.txt`), text);
    process.stdout.write(`${h.id}: exit ${r.code}, ${r.stdout.length} bytes, ${r.durationMs} ms\n${r.stderr}`);
    await s.close();
  }
} finally {
  await fleet.stop();
}
