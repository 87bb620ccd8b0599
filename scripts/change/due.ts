/**
 * What the schedule (`apply --due`) takes on: changes whose window is open and
 * that are not closed, minus those a run already finished. The schedule starts
 * a change once; after a failed or partial run a person decides. One rule,
 * used by `apply --due` and by the lease that `land lease --if-due` takes
 * before it. Edge: reads the change's run records.
 */
import type { RepoModel } from '../repo/repo-model.ts';
import { dueChanges } from './apply-change.ts';
import { listRuns } from './recorder.ts';

export interface DueWork {
  /** Changes the schedule hands to apply (never run, or an unfinished run apply will report). */
  apply: string[];
  /** Changes whose last run failed or was partial: not retried by the schedule. */
  personDecides: { id: string; run: string; outcome: string }[];
}

export async function selectDueWork(repo: RepoModel, now: Date): Promise<DueWork> {
  const out: DueWork = { apply: [], personDecides: [] };
  for (const id of dueChanges(repo, now)) {
    const runs = await listRuns(repo.root, id);
    if (runs.some((r) => r.outcome === 'succeeded')) continue;
    // Any finished run that did not succeed: a person decides (needs_attention is refused by apply itself).
    const failed = runs.filter((r) => r.outcome !== undefined && r.outcome !== 'succeeded' && r.outcome !== 'needs_attention').pop();
    if (failed) out.personDecides.push({ id, run: failed.run, outcome: failed.outcome! });
    else out.apply.push(id);
  }
  return out;
}
