/**
 * Suites that need something from the machine (root, sshd, Chromium, ...) declare
 * it with `requireMachine(needs)` and use the returned `describe`. Skips are never
 * silent: each says why, and CI turns them into failures.
 */
import { describe, it } from 'vitest';
import { canCreateNamespaces, missingPackageNeeds, PACKAGES, type Need, type PackageNeed } from '../system/needs.ts';

/** Why these needs are not met here, or undefined when they are. */
export function unmetNeeds(needs: readonly Need[], env: NodeJS.ProcessEnv = process.env): string | undefined {
  const reasons: string[] = [];
  const uid = process.getuid?.() ?? -1;
  if (needs.includes('root') && uid !== 0)
    reasons.push(
      'needs root: each fleet host gets its own network and mount namespace; without root the fleet would be your own account, $HOME and /etc, which these tests must not read as a host or change',
    );
  else if (needs.includes('root') && env.OG_FLEET_LOOPBACK) reasons.push('OG_FLEET_LOOPBACK is set: the fleet would be your own account, $HOME and /etc');
  else if (needs.includes('namespaces') && !canCreateNamespaces(uid, env)) reasons.push('cannot create network and mount namespaces here (unshare --net --mount failed)');
  const missing = missingPackageNeeds(
    needs.filter((n): n is PackageNeed => n in PACKAGES),
    env,
  );
  if (missing.length) reasons.push(`missing ${missing.map((n) => `${PACKAGES[n].package} (${PACKAGES[n].for})`).join('; ')}`);
  return reasons.length ? reasons.join('; ') : undefined;
}

declare module 'vitest' {
  interface TaskMeta {
    /** Why a suite was skipped: printed by test/helpers/skip-reporter.ts. */
    skipReason?: string;
  }
}

export interface MachineGate {
  /** Whether the needs are met: guard the file's own beforeAll with it. */
  runs: boolean;
  /** Why not, when they are not. */
  why: string | undefined;
  /** `describe`, skipped with the reason when a need is unmet (failed under OPSGATE_REQUIRE_ALL=1). */
  describe: (name: string, fn: () => void) => void;
}

/**
 * The suites of the calling file run only when these needs are met. A skipped
 * suite's tests carry the reason (test/helpers/skip-reporter.ts lists them); under
 * OPSGATE_REQUIRE_ALL=1 (set by .ci/run, whose machine can run everything) the
 * suite fails with it instead: CI never passes by skipping.
 */
export function requireMachine(needs: readonly Need[]): MachineGate {
  const why = unmetNeeds(needs);
  if (!why) return { runs: true, why, describe: (name, fn) => describe(name, fn) };
  const requireAll = process.env.OPSGATE_REQUIRE_ALL === '1';
  return {
    runs: false,
    why,
    describe: (name, fn) => {
      if (requireAll)
        describe(name, () =>
          // eslint-disable-next-line vitest/expect-expect -- a test that exists to fail, naming what is missing
          it('runs on this machine (OPSGATE_REQUIRE_ALL=1)', () => {
            throw new Error(`would skip: ${why}`);
          }),
        );
      else describe(name, { skip: true, meta: { skipReason: why } }, fn);
    },
  };
}
