/**
 * The probe's scratch directory (`T=$(mktemp -d)`) must go when the host's `timeout` stops the
 * probe, not only when it ends by itself: dash runs an EXIT trap on `exit`, never on a signal,
 * so every probe a hung section timed out left a directory of authorized-keys paths and login
 * names in the host's /tmp. Run here as the host runs it: `timeout -k 1 T sh -s` with the script
 * on stdin, a private TMPDIR, and a section that hangs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { buildProbeScript } from '../../scripts/inspect/probe.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The real script with one section that hangs put in front of its sections. */
function hangingProbe(): string {
  const lines = buildProbeScript({ boundary: 'B0123456789abcdefXYZ', sections: ['identity'], files: [], sysctlKeys: [], restic: [] }).split('\n');
  const firstSection = lines.findIndex((l) => l.startsWith('sec() {'));
  expect(firstSection).toBeGreaterThan(0);
  lines.splice(firstSection, 0, ': > "$T/started"; sleep 30');
  return lines.join('\n');
}

it.each([
  ['TERM from timeout', ['-k', '1', '1']],
  ['HUP (the session went away)', ['-s', 'HUP', '-k', '1', '1']],
])('removes its scratch directory when stopped by %s', (_name, timeoutArgs) => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'og-probe-tmp-'));
  dirs.push(tmp);
  const r = spawnSync('timeout', [...timeoutArgs, 'sh', '-s'], { input: hangingProbe(), env: { PATH: process.env.PATH, TMPDIR: tmp }, encoding: 'utf8', timeout: 20_000 });
  expect(r.status).toBe(124);
  expect(readdirSync(tmp)).toEqual([]);
});

it('still removes it when the probe ends by itself', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'og-probe-tmp-'));
  dirs.push(tmp);
  const script = buildProbeScript({ boundary: 'B0123456789abcdefXYZ', sections: ['identity'], files: [], sysctlKeys: [], restic: [] });
  const r = spawnSync('sh', ['-s'], { input: script, env: { PATH: process.env.PATH, TMPDIR: tmp }, encoding: 'utf8', timeout: 20_000 });
  expect(r.status).toBe(0);
  expect(r.stdout).toContain('B0123456789abcdefXYZ begin identity');
  expect(readdirSync(tmp)).toEqual([]);
});
