import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { codePath } from '../model/code-root.ts';
import type { CommandContext } from './context.ts';

/**
 * `opsgate demo --fleet`: the sample month played live against the local sshd
 * fleet, by scripts/demo/regenerate-sample-records.ts with --out. The fleet is
 * test code (test/fleet/), so it runs from a checkout through tsx in its own
 * process and never enters the shipped bundle; that process stops every fleet
 * process by PID and deletes the namespaces, whatever happens.
 */
const SCRIPT = 'scripts/demo/regenerate-sample-records.ts';

const WHAT =
  'starts the 12 sample hosts as real sshd processes (one network namespace each, drift planted) and plays November 2026 live: gate on each pull request, apply inside its window, daily inspect, converge access, a restic restore test, then the audit report from those records';

/** Why --fleet cannot run here, or undefined when it can. */
function fleetUnavailable(): string | undefined {
  if (!existsSync(codePath(SCRIPT)) || !existsSync(codePath('test/fleet'))) return 'it needs a checkout of the opsgate repository (the fleet is its test harness, not part of the package)';
  if (process.getuid?.() !== 0) return 'it needs root (sudo npm run demo -- --fleet): each host gets its own network and mount namespace';
  return undefined;
}

/** The line the demo ends with when --fleet was not asked for: what it would add, and whether it can run here. */
export function describeFleetDemo(_ctx: CommandContext): string {
  const why = fleetUnavailable();
  return `With --fleet (npm run demo -- --fleet) the demo also ${WHAT}.${why ? `\nNot on this machine: ${why}.` : ''}`;
}

export async function runFleetDemo(ctx: CommandContext, out: string): Promise<number> {
  ctx.stdout.write(`\n━━ 6. fleet: the demo ${WHAT}\n\n`);
  const why = fleetUnavailable();
  if (why) {
    ctx.stderr.write(`opsgate: demo --fleet cannot run here: ${why}\n`);
    return 2;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', codePath(SCRIPT), '--out', out], { cwd: codePath(), env: ctx.env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(ctx.stdout, { end: false });
  child.stderr.pipe(ctx.stderr, { end: false });
  const stop = () => child.kill('SIGTERM');
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await new Promise<number>((resolve) => {
      child.on('error', (e) => {
        ctx.stderr.write(`opsgate: cannot start ${SCRIPT}: ${e.message}\n`);
        resolve(3);
      });
      child.on('close', (code) => resolve(code ?? 3));
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
