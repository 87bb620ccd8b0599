/**
 * records/converge/<target>/<run>.jsonl: what was about to run on each host
 * (written first), what it did, and the run's outcome per host — the same
 * events for both converge capabilities. Edge.
 */
import path from 'node:path';
import { openRecorder } from '../remote/recorder.ts';
import type { ConvergeHooks } from './run-access.ts';
import type { ConvergeHostResult, ConvergeTarget } from './result.ts';

export async function openConvergeRecord(o: { root: string; target: ConvergeTarget; run: string; now: () => Date; actor: string | null; secrets: readonly string[] }) {
  const rel = `records/converge/${o.target}/${o.run}.jsonl`;
  const recorder = await openRecorder(path.join(o.root, rel), { now: o.now, secrets: o.secrets });
  await recorder.event('run.planned', { target: o.target, run: o.run, actor: o.actor });
  const hooks: ConvergeHooks = {
    before: (host, detail) => recorder.event('converge.executing', { host, ...detail }),
    after: (host, r) =>
      recorder.event('converge.done', {
        host,
        outcome: r.outcome,
        changes: r.changes,
        attention: r.attention,
        ...(r.error ? { error: r.error } : {}),
        ...(r.confirmMs !== undefined ? { confirm_ms: r.confirmMs } : {}),
        ...r.detail,
      }),
  };
  return {
    rel,
    hooks,
    async finish(results: readonly ConvergeHostResult[]) {
      try {
        await recorder.event('run.done', { hosts: Object.fromEntries(results.map((r) => [r.host, r.outcome])) });
      } finally {
        await recorder.close();
      }
    },
    close: () => recorder.close(),
  };
}
