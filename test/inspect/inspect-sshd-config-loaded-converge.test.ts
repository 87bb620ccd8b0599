/**
 * converge baseline edits sshd_config and reloads sshd (scripts/remote: systemctl reload or a HUP), so the inspection
 * that follows finds the running daemon on the files it judges: ssh.config-loaded passes, and the sshd_option row
 * carries no "reload pending" warning. On a real host whose sshd keeps a PidFile (the evidence of a reload).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import type { CheckDef } from '../../scripts/inspect/model.ts';
import { makeRepo, type TestRepo } from '../change/harness.ts';
import { startFleet, type RunningFleet } from '../fleet/fleet.ts';
import { captureStdio } from '../helpers/capture.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';
import { findRow, machineMountPoints } from './fleet-host.ts';
import { inspectRows } from './inspect-cli.ts';

const MACHINE = requireMachine(NEEDS.fleetNamespaces);
const DIR = '/etc/ssh/og-loaded-cv.d';
const hardening = parse(readFileSync(path.resolve(import.meta.dirname, '../../policies/baselines/ssh-hardening.yaml'), 'utf8')) as { checks: CheckDef[] };
const checks = ['ssh.permit-root-login', 'ssh.config-loaded'].map((id) => hardening.checks.find((c) => c.id === id)!);

let fleet: RunningFleet | undefined;
let repo: TestRepo | undefined;
let removeMountPoints: () => Promise<void> = async () => undefined;

async function cli(...args: string[]) {
  const io = captureStdio();
  const code = await runCli(['--root', repo!.root, ...args], { env: { PATH: process.env.PATH, OPSGATE_DEFAULT_BRANCH: 'main' }, stdout: io.stdout, stderr: io.stderr, cwd: repo!.root });
  return { code, out: io.out(), err: io.err() };
}

beforeAll(async () => {
  if (!MACHINE.runs) return;
  removeMountPoints = machineMountPoints([DIR]);
  fleet = await startFleet({ mutates: true, hosts: [{ id: 'lc-1', groups: ['web'], sshd: { permitRootLogin: 'yes', extra: [`PidFile ${DIR}/sshd.pid`] }, dirs: { [DIR]: {} } }] });
  repo = await makeRepo(fleet);
  await repo.write('policies/baselines/conv.yaml', { id: 'conv', title: 'conv', checks });
  repo.commit('baseline');
}, 180_000);

afterAll(async () => {
  try {
    await fleet?.stop();
    await repo?.cleanup();
  } finally {
    await removeMountPoints();
  }
});

MACHINE.describe('converge baseline, then inspect', () => {
  it('the reload converge does leaves the daemon on the files inspection judges', async () => {
    const before = (await inspectRows(repo!.root, fleet!, ['--baselines', 'conv'])).rows;
    expect(findRow(before, 'lc-1', 'ssh.permit-root-login').status).toBe('fail');
    expect(findRow(before, 'lc-1', 'ssh.config-loaded').status).toBe('pass');

    const r = await cli('converge', 'baseline', '--baselines', 'conv', '--hosts', 'lc-1', '--identity', fleet!.clientKeyPath);
    expect(r.out).toContain('lc-1: sshd-set PermitRootLogin no');
    expect(r.out).toContain('lc-1: sshd-reloaded');
    expect(r.code, r.out + r.err).toBe(0);

    const after = (await inspectRows(repo!.root, fleet!, ['--baselines', 'conv'])).rows;
    const loaded = findRow(after, 'lc-1', 'ssh.config-loaded');
    expect(loaded.status, loaded.reason).toBe('pass');
    expect(loaded.observed).toContain('(its PidFile written)');
    const root = findRow(after, 'lc-1', 'ssh.permit-root-login');
    expect(root.status, root.reason).toBe('pass');
    expect(root.level, root.reason).toBeUndefined();
  });
});
