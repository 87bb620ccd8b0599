import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { unmetNeeds } from '../helpers/needs.ts';
import { ALL_PACKAGE_NEEDS, decidePretest, packagesFor, type MachineState } from './needs.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
const machine = (over: Partial<MachineState>): MachineState => ({ uid: 0, aptGet: true, namespaces: true, missing: [], ...over });

describe('decidePretest', () => {
  it('runs when nothing is missing, and says what skips without root or namespaces', () => {
    expect(decidePretest(machine({}), { allowSkip: false, installTried: false })).toEqual({ action: 'run', notes: [] });
    const user = decidePretest(machine({ uid: 1000 }), { allowSkip: false, installTried: false });
    expect(user.action).toBe('run');
    expect(user.action === 'run' && user.notes.join()).toMatch(/not root: .*namespaces.*skip/);
    const container = decidePretest(machine({ namespaces: false }), { allowSkip: false, installTried: false });
    expect(container.action === 'run' && container.notes.join()).toMatch(/namespaces cannot be created/);
  });

  it('as root with apt-get: apt-get update, then install exactly the missing packages', () => {
    const d = decidePretest(machine({ missing: ['restic', 'chromium', 'poppler'] }), { allowSkip: false, installTried: false });
    expect(d).toEqual({
      action: 'install',
      packages: ['chromium', 'poppler-utils', 'restic'],
      commands: [
        ['apt-get', 'update'],
        ['apt-get', 'install', '-y', '--no-install-recommends', 'chromium', 'poppler-utils', 'restic'],
      ],
    });
  });

  it.each([
    ['not root', machine({ uid: 1000, missing: ['restic', 'sshd'] }), false, 'sudo apt-get install -y openssh-server restic'],
    ['root without apt-get', machine({ aptGet: false, missing: ['restic'] }), false, 'apt-get install -y restic'],
    ['root, after apt-get failed', machine({ missing: ['restic'] }), true, 'apt-get install -y restic'],
  ])('%s: stops with one line naming what is missing and the install command', (_name, m, tried, command) => {
    const d = decidePretest(m, { allowSkip: false, installTried: tried });
    expect(d.action).toBe('stop');
    const line = d.action === 'stop' ? d.line : '';
    expect(line).not.toContain('\n');
    for (const need of m.missing) expect(line).toContain(need);
    expect(line).toContain(command);
    if (m.uid === 0) expect(line).not.toContain('sudo ');
    if (tried) expect(line).toMatch(/could not install/);
  });

  it('OPSGATE_ALLOW_SKIP runs anyway and says what will skip', () => {
    const d = decidePretest(machine({ uid: 1000, missing: ['chromium'] }), { allowSkip: true, installTried: false });
    expect(d.action).toBe('run');
    expect(d.action === 'run' && d.notes.join('\n')).toMatch(/missing chromium \(chromium\).*skip/);
  });
});

describe('the needs table', () => {
  it(".ci/run's apt-get list installs every package the tests need", () => {
    const ci = readFileSync(path.join(REPO, '.ci/run'), 'utf8');
    const install = /apt-get install(?:[^\n]*\\\n)*[^\n]*/.exec(ci)![0];
    for (const p of packagesFor(ALL_PACKAGE_NEEDS)) expect(install.split(/\s+/)).toContain(p);
  });

  it('names each unmet need with its package and what it is for', () => {
    const why = unmetNeeds(['restic', 'git'], { PATH: '/nonexistent' });
    expect(why).toMatch(/missing restic \(real restic repositories/);
    expect(why).toMatch(/git \(temporary git repositories\)/);
    expect(unmetNeeds(['git'], process.env)).toBeUndefined();
  });
});

describe('a suite whose needs are unmet', () => {
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, [path.join(REPO, 'node_modules/vitest/vitest.mjs'), 'run', '--config', 'test/system/fixtures/vitest.config.ts'], {
      cwd: REPO,
      encoding: 'utf8',
      env: { HOME: process.env.HOME ?? '/tmp', NO_COLOR: '1', PATH: '/nonexistent', ...env },
    });

  it('is skipped, and the summary says why', () => {
    const r = run({});
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2 test\(s\) skipped:\n {2}2 × test\/system\/fixtures\/needs-restic\.fixture\.ts: missing restic \(real restic repositories/);
  });

  it('fails under OPSGATE_REQUIRE_ALL=1, as in CI', () => {
    const r = run({ OPSGATE_REQUIRE_ALL: '1' });
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/would skip: missing restic/);
  });
});
