import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import type { InspectionRow } from '../../scripts/inspect/model.ts';
import { readRecordFile } from '../../scripts/records/writer.ts';
import { generateKeyPair } from '../fleet/keys.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { writeFleetRepo } from './fleet-repo.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { capture, discard } from '../helpers/capture.ts';

const HOUR = 3_600_000;
/** Drift is planted per host only in namespace mode (root); see test/fleet/loopback.ts. */
const MACHINE = requireMachine(NEEDS.fleetNamespaces);
let fleet: RunningFleet;
let root: string;
let keyText: string;
let keyDir: string | undefined;
let resticPassword: string;

async function inspect(extra: string[] = []) {
  const out = capture();
  const err = capture();
  const code = await runCli(['inspect', '--root', root, '--identity', fleet.clientKeyPath, '--format', 'json', '--timeout', '5', '--connect-timeout', '5', ...extra], {
    env: { ...fleet.env, PATH: process.env.PATH },
    stdout: out.stream,
    stderr: err.stream,
    cwd: root,
  });
  return {
    code,
    stdout: out.text(),
    stderr: err.text(),
    json: JSON.parse(out.text() || '{}') as {
      results: InspectionRow[];
      hosts: Array<{ host: string; reachable: boolean; error: { phase: string; message: string } | null }>;
      summary: { compliance: number; hosts: number; hosts_unreachable: number; hosts_not_inspected: number; by_status: Record<string, number> };
    },
  };
}

const failing = (rows: InspectionRow[], host: string) =>
  rows
    .filter((r) => r.host === host && r.status === 'fail')
    .map((r) => r.check)
    .sort();
const row = (rows: InspectionRow[], host: string, check: string) => rows.find((r) => r.host === host && r.check === check)!;

beforeAll(async () => {
  if (!MACHINE.runs) return;
  keyDir = await mkdtemp(path.join(os.tmpdir(), 'og-people-keys-'));
  const dir = keyDir;
  const alice = await generateKeyPair(path.join(dir, `alice-${process.pid}`), 'ed25519', 'alice');
  const bob = await generateKeyPair(path.join(dir, `bob-${process.pid}`), 'ed25519', 'bob');
  // An unknown key whose comment is the restic password: the reason quotes comments, so redaction must catch it.
  resticPassword = `pw-${process.pid}-${Date.now().toString(36)}`;
  const leaky = await generateKeyPair(path.join(dir, `leaky-${process.pid}`), 'ed25519', resticPassword);
  fleet = await startFleet({
    resticPassword,
    hosts: [
      {
        id: 'web-01',
        groups: ['web'],
        sshd: { permitRootLogin: 'yes' },
        listen: [23],
        sysctlRuntime: { 'net.ipv4.ip_forward': '1', 'net.ipv4.conf.all.accept_redirects': '0' },
        sysctlPersisted: { 'net.ipv4.conf.all.accept_redirects': '1' },
      },
      {
        id: 'web-02',
        groups: ['web'],
        fileModes: { '/etc/passwd': '0666' },
        accounts: [
          { name: 'toor', uid: 0, shell: '/bin/sh' },
          { name: 'deploy', uid: 1001, keys: [alice.publicKey, bob.publicKey, leaky.publicKey] },
        ],
        sudoers: ['deploy ALL=(root) NOPASSWD: /usr/bin/systemctl restart nginx', 'deploy ALL=(root) NOPASSWD: /bin/bash'],
      },
      {
        id: 'db-01',
        groups: ['db'],
        diskFillPercent: 96,
        restic: { policy: 'db-daily', snapshotTimes: [new Date(Date.now() - 72 * HOUR).toISOString(), new Date(Date.now() - 50 * HOUR).toISOString()] },
      },
      { id: 'app-01', groups: ['app'], loginDefs: { PASS_MAX_DAYS: '99999' }, restic: { policy: 'db-daily', snapshotTimes: [new Date(Date.now() - 2 * HOUR).toISOString()] } },
      { id: 'app-02', groups: ['app'], noSudo: true },
      { id: 'x-down', groups: ['cache'], fault: 'down' },
      { id: 'x-rekeyed', groups: ['cache'], fault: 'changed-host-key' },
      { id: 'x-nokey', groups: ['cache'], fault: 'refused-key' },
      { id: 'x-hang', groups: ['cache'], fault: 'hang' },
      { id: 'x-garbage', groups: ['cache'], fault: 'garbage' },
    ],
  });
  root = await writeFleetRepo(fleet, { alice: alice.publicKey, bob: bob.publicKey });
  // x-down's proxy is `nc -v`, which says why it could not connect: that text must reach the row.
  const down = path.join(root, 'inventory', 'hosts', 'x-down.yaml');
  await writeFile(down, (await readFile(down, 'utf8')).replace(/- nc\n/, '- nc\n  - -v\n'));
  keyText = await readFile(fleet.clientKeyPath, 'utf8');
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  if (root) await rm(root, { recursive: true, force: true });
  if (keyDir) await rm(keyDir, { recursive: true, force: true });
});

MACHINE.describe('opsgate inspect against the real fleet (namespaces, drift per host)', () => {
  let first: Awaited<ReturnType<typeof inspect>>;
  beforeAll(async () => {
    first = await inspect(['--record']);
  }, 60_000);

  it('exits 1 and lists every host in scope, reachable or not', () => {
    if (first.code !== 1) throw new Error(`exit ${first.code}: ${first.stderr}`);
    expect(first.code).toBe(1);
    expect(first.json.hosts.map((h) => h.host)).toEqual(['app-01', 'app-02', 'db-01', 'web-01', 'web-02', 'x-down', 'x-garbage', 'x-hang', 'x-nokey', 'x-rekeyed']);
    for (const h of ['app-01', 'db-01', 'web-01', 'web-02']) expect(first.json.hosts.find((x) => x.host === h)!.error).toBeNull();
  });

  it('reports exactly the drift planted on each host', () => {
    const rows = first.json.results;
    expect(failing(rows, 'web-01')).toEqual(['net.allowlist', 'net.legacy-ports', 'ssh.permit-root-login', 'sysctl.accept-redirects', 'sysctl.ip-forward']);
    expect(failing(rows, 'web-02')).toEqual(['access.authorized-keys', 'access.sudoers', 'accounts.declared', 'file.passwd-mode']);
    expect(failing(rows, 'db-01')).toEqual(['backup.freshness', 'res.disk']);
    expect(failing(rows, 'app-01')).toEqual([]);
    expect(row(rows, 'web-01', 'sysctl.accept-redirects').reason).toMatch(/passes now, reverts on reboot/);
    expect(row(rows, 'web-01', 'sysctl.ip-forward').reason).toMatch(/running value is 1/);
    expect(row(rows, 'web-01', 'net.legacy-ports').reason).toMatch(/23\/tcp/);
    expect(row(rows, 'web-02', 'accounts.declared').reason).toMatch(/toor has uid 0/);
    expect(row(rows, 'web-02', 'access.authorized-keys').reason).toMatch(/belongs to bob, who left on 2026-10-31/);
    expect(row(rows, 'web-02', 'access.authorized-keys').reason).not.toMatch(/alice/);
    expect(row(rows, 'web-02', 'access.authorized-keys').reason).toMatch(/is unknown \(\*\*\*\)/);
    expect(row(rows, 'web-02', 'access.sudoers').reason).toMatch(/\/bin\/bash/);
    expect(row(rows, 'web-02', 'access.sudoers').reason).not.toMatch(/restart nginx/);
    expect(row(rows, 'web-02', 'file.passwd-mode').reason).toMatch(/world-writable/);
    expect(row(rows, 'db-01', 'res.disk').observed).toMatch(/\/mnt 9[6-7]%/);
    expect(row(rows, 'db-01', 'backup.freshness').reason).toMatch(/^db-daily: newest snapshot of db-01 is [0-9a-f]{8} at \S+, 5\d(\.\d)? h old; RPO is 24 h$/);
    expect(row(rows, 'db-01', 'backup.freshness').evidence).toBe('restic -r REPOSITORY snapshots --json --host db-01');
    expect(row(rows, 'app-01', 'backup.freshness').status).toBe('pass');
    expect(row(rows, 'web-01', 'backup.freshness').status).toBe('not_applicable');
    expect(row(rows, 'app-01', 'audit.review').status).toBe('not_checked');
  });

  it('a login without sudo: what needs privileges is an error with that reason, the rest is evaluated', () => {
    const rows = first.json.results.filter((r) => r.host === 'app-02');
    if (row(rows, 'app-02', 'access.sudoers').status !== 'error') throw new Error(JSON.stringify(row(rows, 'app-02', 'access.sudoers')));
    const errors = rows.filter((r) => r.status === 'error');
    expect(errors.map((r) => r.check).sort()).toEqual(['access.sudoers', 'ssh.max-auth-tries', 'ssh.permit-root-login']);
    for (const r of errors) expect(r.reason).toMatch(/^insufficient privileges: /);
    expect(row(rows, 'app-02', 'accounts.declared').status).toBe('pass');
    expect(row(rows, 'app-02', 'net.legacy-ports').status).toBe('pass');
    expect(row(rows, 'app-02', 'file.passwd-mode').status).toBe('pass');
  });

  it('applies exceptions: a current one waives, an expired one leaves the failure with exception_expired', () => {
    const waived = row(first.json.results, 'app-01', 'login.pass-max-days');
    expect(waived).toMatchObject({ status: 'waived', raw_status: 'fail', exception: 'app-01-pass-age' });
    const expired = row(first.json.results, 'web-01', 'ssh.permit-root-login');
    expect(expired).toMatchObject({ status: 'fail', exception: 'web-01-root-login' });
    expect(expired.reason).toMatch(/^exception_expired/);
  });

  it('turns each fault into error rows with the reason, for every check of that host', () => {
    // Checks that need nothing from the host (the manual review; a backup check where the host declares no repository) are decided as on any day.
    const fromHost = (r: { check: string }) => !['audit.review', 'backup.freshness'].includes(r.check);
    const reasons = (h: string) => [...new Set(first.json.results.filter((r) => r.host === h && r.status !== 'not_applicable' && fromHost(r)).map((r) => `${r.status} ${r.reason}`))];
    expect(reasons('x-down')).toHaveLength(1);
    // The proxy's own stderr names the cause, not the EPIPE the SSH client saw.
    expect(reasons('x-down')[0]).toMatch(/^error proxy: proxy command \(ip\) exited 1 before the SSH handshake: nc: connect to 127\.0\.0\.1 port 22 \(tcp\) failed: Connection refused$/);
    expect(first.json.hosts.find((h) => h.host === 'x-down')!.reachable).toBe(false);
    // Connected, then the probe timed out on the host: reachable, with the probe timeout as the cause.
    expect(first.json.hosts.find((h) => h.host === 'x-hang')).toMatchObject({ reachable: true, error: { phase: 'timeout' } });
    expect(reasons('x-rekeyed')[0]).toMatch(/^error hostkey: host key refused: offered ssh-ed25519 SHA256:\S+, pinned ssh-ed25519 SHA256:\S+/);
    const [offered, pinned] = [...reasons('x-rekeyed')[0]!.matchAll(/SHA256:[A-Za-z0-9+/]+/g)].map((m) => m[0]);
    expect(offered).not.toBe(pinned);
    expect(reasons('x-nokey')).toEqual([expect.stringMatching(/^error auth: authentication as 'opsgate' refused/)]);
    expect(reasons('x-hang')).toEqual([expect.stringMatching(/^error timeout: the probe did not finish within 3 s on the host \(stopped in section 'packages': dpkg-query/)]);
    expect(reasons('x-garbage')).toEqual([expect.stringMatching(/^error output: probe output has no section markers/)]);
    for (const h of ['x-down', 'x-rekeyed', 'x-nokey', 'x-hang', 'x-garbage']) {
      expect(first.json.results.filter((r) => r.host === h)).toHaveLength(17);
      expect(first.json.results.filter((r) => r.host === h && r.status === 'pass')).toHaveLength(0);
      expect(first.json.results.filter((r) => r.host === h && !fromHost(r)).map((r) => [r.check, r.status])).toEqual([
        ['backup.freshness', 'not_applicable'],
        ['audit.review', 'not_checked'],
      ]);
    }
  });

  it('counts compliance as pass ÷ (pass + fail + error)', () => {
    const s = first.json.summary.by_status;
    expect(first.json.summary.compliance).toBeCloseTo(s.pass! / (s.pass! + s.fail! + s.error!), 4);
    // 5 fault hosts × the 15 checks that need the host, plus the 3 checks app-02 lacks privileges for.
    expect(s.error).toBe(5 * 15 + 3);
  });

  it('never prints or records the client key or the restic password', async () => {
    const records = path.join(root, 'records', 'inspections');
    const files = await readdir(records);
    const recorded = (await Promise.all(files.map((f) => readFile(path.join(records, f), 'utf8')))).join('');
    const password = Object.values(fleet.env)[0]!;
    expect(password).toBe(resticPassword);
    for (const text of [first.stdout, first.stderr, recorded]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain(keyText.split('\n')[1]!);
      expect(text).not.toContain('PRIVATE KEY');
    }
  });

  it('records a verifiable chain and marks new, persisting, resolved and regressed on the next run', async () => {
    // Between runs: web-01 stops listening on 23 (resolved); db-01's passwd becomes world-writable (regressed).
    const ns = `${fleet.tag}-web-01`;
    for (const pid of execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
      if ((await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() === 'nc') process.kill(Number(pid), 'SIGKILL');
    }
    await chmod(path.join(fleet.dir, 'db-01', 'etc', 'passwd'), 0o666);
    expect(row(first.json.results, 'web-01', 'net.legacy-ports').change).toBe('new');

    const second = await inspect(['--record', '--hosts', 'web-01,web-02,db-01,app-01']);
    const rows = second.json.results;
    expect(row(rows, 'web-01', 'net.legacy-ports')).toMatchObject({ status: 'pass', change: 'resolved' });
    // Passed before and fails now, never resolved before: new (not regressed).
    expect(row(rows, 'db-01', 'file.passwd-mode')).toMatchObject({ status: 'fail', change: 'new' });
    expect(row(rows, 'web-02', 'accounts.declared')).toMatchObject({ status: 'fail', change: 'persisting' });
    expect(row(rows, 'app-01', 'res.disk').change).toBeUndefined();
    // A waived finding is not resolved: it persists under its exception.
    expect(row(rows, 'app-01', 'login.pass-max-days')).toMatchObject({ status: 'waived', change: 'persisting' });

    // Fixed, then broken again: resolved, then regressed (each run scoped to db-01 only).
    await chmod(path.join(fleet.dir, 'db-01', 'etc', 'passwd'), 0o644);
    expect(row((await inspect(['--record', '--hosts', 'db-01'])).json.results, 'db-01', 'file.passwd-mode')).toMatchObject({ status: 'pass', change: 'resolved' });
    await chmod(path.join(fleet.dir, 'db-01', 'etc', 'passwd'), 0o666);
    expect(row((await inspect(['--record', '--hosts', 'db-01'])).json.results, 'db-01', 'file.passwd-mode')).toMatchObject({ status: 'fail', change: 'regressed' });
    // The next full run compares each host with the last run that inspected it: app-02 was only in the first run.
    const full = await inspect(['--record']);
    expect(row(full.json.results, 'app-02', 'access.sudoers')).toMatchObject({ status: 'error', change: 'persisting' });
    expect(row(full.json.results, 'db-01', 'file.passwd-mode').change).toBe('persisting');
    expect(row(full.json.results, 'x-down', 'ssh.permit-root-login').change).toBeUndefined();
    expect(full.json.summary).toMatchObject({ hosts: 10, hosts_unreachable: 3, hosts_not_inspected: 5 });

    const files = await readdir(path.join(root, 'records', 'inspections'));
    expect(files).toHaveLength(1);
    const chain = await readRecordFile(path.join(root, 'records', 'inspections', files[0]!));
    expect(chain.ok).toBe(true);
    expect(chain.lines.filter((l) => l.type === 'inspection.completed')).toHaveLength(5);
    expect(chain.lines.filter((l) => l.type === 'inspection.host')).toHaveLength(10 + 4 + 1 + 1 + 10);

    const silent = discard();
    expect(await runCli(['records', 'verify', 'records/inspections', '--root', root], { env: {}, stdout: silent, stderr: silent, cwd: root })).toBe(0);
    // A tampered record is never appended to: the run's results print, the record is refused (exit 2).
    const file = path.join(root, 'records', 'inspections', files[0]!);
    await writeFile(file, (await readFile(file, 'utf8')).replace('"status":"fail"', '"status":"pass"'));
    const third = await inspect(['--record', '--hosts', 'app-01']);
    expect(third.code).toBe(2);
    expect(third.stderr).toMatch(/not recorded: refusing to append/);
    expect(third.json.results.length).toBeGreaterThan(0);
  }, 180_000);
});
