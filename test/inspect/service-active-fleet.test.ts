/**
 * service_active (issue 16 item 5) on real hosts: sd-01 runs systemd as PID 1
 * (test/fleet/systemd-host.ts) with planted units — one active and enabled
 * (and an alias of it), one enabled but stopped, one running but disabled, one
 * that does not exist; plain-01 has no init (sshd alone, its own /run), so the
 * check is not_applicable there and says what PID 1 is, never a pass. opsgate
 * inspect reads systemd's own lists over SSH; the rows are asserted exactly.
 */
import { readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { requireSystemdHost } from '../fleet/systemd-gate.ts';
import { NEEDS } from '../system/needs.ts';
import { inspectRows } from './inspect-cli.ts';

const MACHINE = requireSystemdHost(NEEDS.fleetNamespaces);
const ROOT = path.resolve(import.meta.dirname, '../..');
const EVIDENCE = 'cat /proc/1/comm; test -d /run/systemd/system; systemctl list-unit-files; systemctl list-units --all --plain; systemctl show -p Id ALIAS';
let fleet: RunningFleet;
let root: string;

const unit = (what: string, install = '[Install]\nWantedBy=multi-user.target\n') => `[Unit]\nDescription=${what}\n[Service]\nExecStart=/bin/sleep infinity\n${install}`;

const inspect = () => inspectRows(root, fleet);

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({
    hosts: [
      {
        id: 'sd-01',
        init: 'systemd',
        systemd: {
          units: {
            'og-web.service': unit('web', '[Install]\nWantedBy=multi-user.target\nAlias=og-www.service\n'),
            'og-stopped.service': unit('enabled, never started'),
            'og-disabled.service': unit('running, not enabled'),
          },
          enable: ['og-web.service', 'og-stopped.service'],
          start: ['og-web.service', 'og-disabled.service'],
        },
      },
      // Its own /run: whatever the machine runs, this host has no systemd.
      { id: 'plain-01', dirs: { '/run': { 'sshd/.keep': '' } } },
    ],
  });
  root = await mkdtemp(path.join(os.tmpdir(), 'og-service-repo-'));
  await cp(path.join(ROOT, 'schemas'), path.join(root, 'schemas'), { recursive: true });
  await mkdir(path.join(root, 'policies', 'baselines'), { recursive: true });
  const check = (id: string, params: Record<string, unknown>) => ({ id, title: id, severity: 'high', type: 'service_active', params, rationale: '服务巡检', remediation: 'systemctl enable --now' });
  await writeFile(
    path.join(root, 'policies', 'baselines', 'services.yaml'),
    stringify({
      id: 'services',
      title: 'services running',
      checks: [
        check('svc.web', { units: ['og-web'] }),
        check('svc.alias', { units: ['og-www.service'] }),
        check('svc.stopped', { units: ['og-stopped'] }),
        check('svc.disabled', { units: ['og-disabled.service'] }),
        check('svc.disabled-allowed', { units: ['og-disabled'], enabled: false }),
        check('svc.missing', { units: ['og-missing'] }),
        check('svc.sshd', { units: ['og-fleet-sshd', 'og-web'] }),
      ],
    }),
  );
  await fleet.writeInventory(root);
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

MACHINE.describe('service_active on a systemd host and on a host without systemd', () => {
  it('sd-01 fails exactly the stopped, disabled and missing units; plain-01 is not_applicable with the reason, never a pass', async () => {
    const r = await inspect();
    expect(r.code, r.stderr).toBe(1);
    const rows = (h: string) =>
      r.rows
        .filter((x) => x.host === h && x.baseline === 'services')
        .map((x) => ({ check: x.check, status: x.status, observed: x.observed, reason: x.reason }))
        .sort((a, b) => a.check.localeCompare(b.check));
    expect(rows('sd-01')).toEqual([
      { check: 'svc.alias', status: 'pass', observed: 'og-www.service (og-web.service) active (running), enabled', reason: '' },
      { check: 'svc.disabled', status: 'fail', observed: 'og-disabled.service active (running), disabled', reason: 'og-disabled.service is disabled: it will not start at boot' },
      { check: 'svc.disabled-allowed', status: 'pass', observed: 'og-disabled.service active (running), disabled', reason: '' },
      { check: 'svc.missing', status: 'fail', observed: 'og-missing.service not found', reason: 'og-missing.service does not exist on the host (no unit file)' },
      {
        check: 'svc.sshd',
        status: 'fail',
        observed: 'og-fleet-sshd.service active (running), static; og-web.service active (running), enabled',
        reason: 'og-fleet-sshd.service is static: it has no [Install] section and cannot be enabled (set enabled: false if another unit pulls it in)',
      },
      { check: 'svc.stopped', status: 'fail', observed: 'og-stopped.service inactive (dead), enabled', reason: 'og-stopped.service is inactive (dead)' },
      { check: 'svc.web', status: 'pass', observed: 'og-web.service active (running), enabled', reason: '' },
    ]);
    const pid1 = readFileSync('/proc/1/comm', 'utf8').trim();
    const na = {
      status: 'not_applicable',
      observed: `PID 1 is '${pid1}'; /run/systemd/system is absent`,
      reason: `systemd is not PID 1 on this host (PID 1 is '${pid1}'), so there is no unit state to read; check the service another way (listening_service, a process check) or keep this check to systemd hosts (applies_to)`,
    };
    expect(rows('plain-01')).toEqual(['svc.alias', 'svc.disabled', 'svc.disabled-allowed', 'svc.missing', 'svc.sshd', 'svc.stopped', 'svc.web'].map((check) => ({ check, ...na })));
    expect(new Set(r.rows.filter((x) => x.baseline === 'services').map((x) => x.evidence))).toEqual(new Set([EVIDENCE]));
  }, 180_000);
});
