/**
 * The sample organisation's shift handovers agree with its records: each one
 * lists the inspection checks that started failing before its boundary, and
 * those come from records/inspections/. Rewriting them from the committed
 * records (what `npm run sample:records` does after replacing records/) must
 * reproduce the committed files byte for byte; otherwise an auditor comparing
 * a handover with the inspection evidence finds checks that never failed.
 */
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeSampleHandovers } from '../../scripts/demo/sample-handovers.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';

const DIR = 'incidents/handovers/2026';
let tmp: string | undefined;
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('sample handovers', () => {
  it('are what the handover command writes from the committed records (npm run sample:records rewrites both)', async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'og-sample-handovers-'));
    for (const d of ['policies', 'inventory', 'changes', 'incidents', 'records', 'schemas', 'runbooks']) await cp(path.join(repoRoot, d), path.join(tmp, d), { recursive: true });
    const n = await writeSampleHandovers(tmp);
    const committed = (await readdir(path.join(repoRoot, DIR))).filter((f) => f.startsWith('HO-2026-11-')).sort();
    expect((await readdir(path.join(tmp, DIR))).filter((f) => f.startsWith('HO-2026-11-')).sort()).toEqual(committed);
    expect(n).toBe(committed.length);
    const differing: string[] = [];
    for (const f of committed) {
      if ((await readFile(path.join(tmp, DIR, f), 'utf8')) !== (await readFile(path.join(repoRoot, DIR, f), 'utf8'))) differing.push(f);
    }
    expect(differing, 'these committed handovers disagree with the records: run `npm run sample:records` (it rewrites them) and commit').toEqual([]);
  }, 300_000);
});
