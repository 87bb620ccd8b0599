/**
 * What the regenerated sample must satisfy before it replaces records/: each
 * change's post-implementation review (closure, written by hand in
 * changes/2026/) agrees with the runs just recorded, and every run started
 * from a gate decision, and no record holds a secret (the fleet's restic
 * password, the client key). A difference means the fleet behaved
 * differently from the story the sample documents tell: fix one or the other.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { evaluateReview } from '../change/review.ts';
import { listRuns } from '../change/recorder.ts';
import { readRecordFile } from '../records/writer.ts';
import { runFactsOf } from '../repo/read-change-runs.ts';
import type { RepoModel } from '../repo/repo-model.ts';

export async function checkSampleRecords(repo: RepoModel, recordsRoot: string, asOf: Date, secrets: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  const dir = path.join(recordsRoot, 'records');
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const text = await readFile(path.join(e.parentPath, e.name), 'utf8');
    if (secrets.some((x) => x.length >= 8 && text.includes(x))) problems.push(`${path.relative(recordsRoot, path.join(e.parentPath, e.name))}: contains a secret (restic password or SSH key)`);
  }
  const incidents = repo.all('incident');
  const incidentIds = new Set(incidents.map((i) => i.id));
  for (const c of repo.all('change')) {
    const runs = [];
    for (const r of await listRuns(recordsRoot, c.id)) {
      const lines = (await readRecordFile(r.file)).lines;
      const planned = lines.find((l) => l.type === 'run.planned');
      if (planned && typeof planned.gate_decision !== 'string') problems.push(`${c.id} run ${r.run}: no gate decision in run.planned`);
      runs.push({ run: r.run, ...runFactsOf(lines) });
    }
    const caused = incidents.filter((i) => i.data.caused_by_change === c.id).map((i) => i.id);
    for (const d of evaluateReview({ change: { id: c.id, file: c.file, data: c.data }, runs, incidentsCausedBy: caused, incidentIds, now: asOf })) {
      if (d.severity === 'error') problems.push(`${path.basename(c.file)}: ${d.code} ${d.message}`);
    }
  }
  return problems;
}
