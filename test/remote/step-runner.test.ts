/**
 * The host-side step runner, run by a real local sh (the same script the
 * fleet hosts run): timeouts stop the whole process group and confirm it is
 * gone, markers record the step before and after, the trailer cannot be
 * forged by the step's own output.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRunnerTrailer, renderRemoteStep, STEP_RUNNER_SCRIPT } from '../../scripts/remote/step-runner.ts';
import { GUARD_SCRIPT, needsGuard, parseGuardLine } from '../../scripts/remote/step-guard.ts';
import { makeConfirmHooks } from '../../scripts/change/confirm-hooks.ts';
import type { SshTarget } from '../../scripts/ssh/types.ts';

const target = (id: string, user: string) => ({ id, host: '127.0.0.1', port: 22, user }) as unknown as SshTarget;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'og-runner-'));
  await writeFile(path.join(dir, 'steps.lock'), '');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(argv: string[], o: { key: string; timeout: number; grace?: number; marker?: boolean; stdin?: string }): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const full = renderRemoteStep(
    { argv, sudo: false, timeoutSeconds: o.timeout, graceSeconds: o.grace ?? 1, marker: o.marker ?? true, key: o.key },
    { runDir: dir, stepsLock: path.join(dir, 'steps.lock'), nonce: 'N0NCE' },
  );
  return new Promise((resolve) => {
    const child = spawn(full[0]!, full.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(o.stdin ?? '');
  });
}
const alive = (token: string) =>
  execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(token) && !l.includes('ps -eo'));

describe('step runner', () => {
  it('passes stdin, output and the exit code through, and records the marker before and after', async () => {
    const r = await run(['sh', '-c', 'cat; echo to-err >&2; exit 3'], { key: 'step.a', timeout: 30, stdin: 'in\n' });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('in\n');
    expect(parseRunnerTrailer(r.stderr, 'N0NCE')).toEqual({ stderr: 'to-err\n', state: 'ended', code: 3 });
    expect(await readFile(path.join(dir, 'step.a.state'), 'utf8')).toBe('ended 3 N0NCE\n');
  });

  it('writes no marker for an idempotent step', async () => {
    await run(['true'], { key: 'step.b', timeout: 30, marker: false });
    await expect(readFile(path.join(dir, 'step.b.state'), 'utf8')).rejects.toThrow();
  });

  it('a timeout kills the whole group, including a member that ignores TERM after the main command died, and confirms it is gone', async () => {
    const token = `og-survivor-${process.pid}`;
    // The main command dies from TERM at once; its background sibling ignores TERM and would write later.
    const r = await run(['sh', '-c', `(trap '' TERM; sleep 5; echo late > ${dir}/late; : ${token}) & exec sleep 30`], { key: 'step.c', timeout: 1, grace: 1 });
    expect(parseRunnerTrailer(r.stderr, 'N0NCE').state).toBe('timed_out');
    expect(alive(token)).toEqual([]);
    expect(await readFile(path.join(dir, 'step.c.state'), 'utf8')).toMatch(/^timed_out \d+ N0NCE\n$/);
    await expect(readFile(path.join(dir, 'late'), 'utf8')).rejects.toThrow();
  }, 30_000);

  it('a timeout also stops a process that left the group (its own setsid, a double fork), before reporting', async () => {
    const token = `og-escaper-${process.pid}`;
    const r = await run(
      ['sh', '-c', `setsid sh -c 'sleep 30; echo late > ${dir}/late-escaped; : ${token}' & (setsid sh -c 'sleep 30; echo late > ${dir}/late-double; : ${token}' &) ; exec sleep 30`],
      { key: 'step.f', timeout: 1, grace: 1 },
    );
    // The whole trailer, so a failure shows the exit code the runner saw (a flake under load 20 once read 'ended').
    expect(parseRunnerTrailer(r.stderr, 'N0NCE'), r.stderr).toMatchObject({ state: 'timed_out' });
    expect(alive(token)).toEqual([]);
    await expect(readFile(path.join(dir, 'late-escaped'), 'utf8')).rejects.toThrow();
  }, 30_000);

  it('after a timeout never signals a group number the kernel has handed to another process (pid reuse)', async () => {
    // In a pid namespace of its own, a process outside the step (no tree descriptor, no step environment) waits for
    // the step's group leader to be reaped and makes the kernel hand that very number to a new group leader of its own
    // (ns_last_pid). The runner must not KILL that group: a live /proc/$p after its wait is someone else.
    const attack = [
      'P=$1 D=$2',
      'while [ -e /proc/$P ]; do :; done',
      'i=0',
      'while [ $i -lt 2000 ]; do',
      '  i=$((i + 1))',
      '  echo $((P - 1)) > /proc/sys/kernel/ns_last_pid',
      '  setsid sleep 30 &',
      '  s=$!',
      '  if [ "$s" = "$P" ]; then echo "$s" > "$D/stranger.pid"; exit 0; fi',
      '  kill "$s" 2>/dev/null',
      'done',
      'echo none > "$D/stranger.pid"',
    ].join('\n');
    const step = `env -i setsid sh -c '${attack}' attacker "$PPID" ${dir} 8<&- & exec sleep 30`;
    const full = renderRemoteStep(
      { argv: ['sh', '-c', step], sudo: false, timeoutSeconds: 1, graceSeconds: 1, marker: true, key: 'step.g' },
      { runDir: dir, stepsLock: path.join(dir, 'steps.lock'), nonce: 'N0NCE' },
    );
    // PID 1 of the namespace runs the runner, then reports whether the stranger it was given still lives.
    const outer = [
      '"$@"; rc=$?',
      'i=0; while [ ! -s "$D/stranger.pid" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.05; done',
      's=$(cat "$D/stranger.pid" 2>/dev/null)',
      'if [ -n "$s" ] && [ "$s" != none ] && kill -0 "$s" 2>/dev/null; then echo "og-stranger alive $s" >&2; else echo "og-stranger gone $s" >&2; fi',
      'exit $rc',
    ].join('\n');
    const r = await new Promise<string>((resolve) => {
      const child = spawn('unshare', ['--pid', '--fork', '--mount-proc', 'env', `D=${dir}`, 'sh', '-c', outer, 'outer', ...full], { stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += String(d)));
      child.on('close', () => resolve(stderr));
      child.stdin.end('');
    });
    expect(r, r).toMatch(/^og-stranger alive \d+$/m);
    expect(parseRunnerTrailer(r.replace(/\nog-stranger.*\n?$/, ''), 'N0NCE').state, r).toBe('timed_out');
  }, 60_000);

  it("a step cannot forge the trailer: only the last line with this run's nonce counts", async () => {
    const r = await run(['sh', '-c', 'printf "\\nOPSGATE-STEP N0NCE ended 0\\n" >&2; printf "\\nOPSGATE-STEP other ended 0\\n" >&2; exit 4'], { key: 'step.d', timeout: 30 });
    expect(parseRunnerTrailer(r.stderr, 'N0NCE')).toMatchObject({ state: 'ended', code: 4 });
  });

  it('is one constant script: data only as arguments after it', () => {
    const argv = renderRemoteStep({ argv: ['echo', '$(id)'], sudo: true, timeoutSeconds: 5, marker: true, key: 'step.e' }, { runDir: '/r', stepsLock: '/l', nonce: 'n' });
    expect(argv.slice(0, 6)).toEqual(['sudo', '-n', '--', 'sh', '-c', STEP_RUNNER_SCRIPT]);
    expect(argv.slice(-3)).toEqual(['--', 'echo', '$(id)']);
    expect(() => renderRemoteStep({ argv: ['x'], sudo: false, timeoutSeconds: 5, marker: true, key: '../evil' }, { runDir: '/r', stepsLock: '/l', nonce: 'n' })).toThrow(/safe file name/);
  });
});

describe('protected-set guard selection', () => {
  const step = (o: Partial<{ sudo: boolean; kind: string; argv: string[]; confirm: { files: string[] } }>) => ({ sudo: false, kind: 'run', argv: ['true'], ...o });
  it('guards root steps and commands that raise their own privileges, in argv or script', () => {
    expect(needsGuard(step({ sudo: true }))).toBe('root');
    expect(needsGuard(step({ argv: ['sh', '-c', 'printf x | sudo -n tee -a /etc/ssh/sshd_config'] }))).toBe('sudo');
    expect(needsGuard(step({ argv: ['/usr/bin/sudo', 'sed', '-i', 's/a/b/', '/etc/pam.d/sshd'] }))).toBe('sudo');
    expect(needsGuard(step({ argv: ['sh', '-s'] }), 'doas vi /etc/doas.conf\n')).toBe('sudo');
    expect(needsGuard(step({ argv: ['echo', 'pseudo sudoku'] }))).toBeUndefined();
    expect(needsGuard(step({ argv: ['true'] }))).toBeUndefined();
  });
  it('guards every step of a host opsgate logs in to as root, sudo or not (the login itself is root)', () => {
    expect(needsGuard(step({ argv: ['sh', '-c', "sed -i '1i AllowUsers nobody' /etc/ssh/sshd_config"] }), undefined, true)).toBe('root');
    expect(needsGuard(step({ kind: 'upload' }), undefined, true)).toBe('root');
    expect(needsGuard(step({ argv: ['sh', '-c', "sed -i '1i AllowUsers nobody' /etc/ssh/sshd_config"] }), undefined, false)).toBeUndefined();
    expect(needsGuard(step({ kind: 'converge' }), undefined, true)).toBeUndefined();
    const hooks = makeConfirmHooks({ targets: [target('r-1', 'root'), target('o-1', 'opsgate')], auth: { identityFiles: [] } as never, secrets: [], scope: 'CHG-1', run: 'r', seconds: 60 });
    expect(hooks.guard!('r-1').loginRoot).toBe(true);
    expect(hooks.guard!('o-1').loginRoot).toBe(false);
  });
  it('leaves converge scripts and typed lockout-sensitive uploads to their own timer', () => {
    expect(needsGuard(step({ sudo: true, kind: 'converge' }))).toBeUndefined();
    expect(needsGuard(step({ sudo: true, kind: 'upload', confirm: { files: ['/etc/ssh/sshd_config'] } }))).toBe(undefined);
    expect(needsGuard(step({ sudo: true, kind: 'upload' }))).toBe('root');
  });
  it("reads the guard's line before the trailer, and only this run's", () => {
    const stderr = 'out\nOPSGATE-GUARD other g1 unchanged\n\nOPSGATE-GUARD N g1 changed /etc/ssh/sshd_config /etc/pam.d/sshd\n';
    expect(parseGuardLine(stderr, 'N')).toEqual({ stderr: 'out\nOPSGATE-GUARD other g1 unchanged\n\n', guard: { id: 'g1', state: 'changed', detail: '/etc/ssh/sshd_config /etc/pam.d/sshd' } });
    expect(parseGuardLine('nothing\n', 'N')).toEqual({ stderr: 'nothing\n' });
  });
  it('passes the guard to the runner only when the run can confirm', () => {
    const ctx = { runDir: '/r', stepsLock: '/l', nonce: 'n' };
    expect(renderRemoteStep({ argv: ['true'], sudo: true, timeoutSeconds: 5, marker: false, key: 'step.g', guard: 'root' }, ctx)).not.toContain(GUARD_SCRIPT);
    const armed = renderRemoteStep({ argv: ['true'], sudo: true, timeoutSeconds: 5, marker: false, key: 'step.g', guard: 'root' }, { ...ctx, guard: { prefix: 'CHG-1-r-h', seconds: 60 } });
    expect(armed).toContain('CHG-1-r-h.step.g');
    expect(armed).toContain(GUARD_SCRIPT);
  });
});
