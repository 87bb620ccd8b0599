/**
 * The queue two threads read record files from (shared-queue.ts): every file is
 * claimed exactly once from one end or the other, and the results put back in
 * path order are what one thread reading every file in order gives.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderRecordLine } from '../../scripts/records/chain.ts';
import { adaptRecordFile, emptyRecordsPart } from '../../scripts/report/read-input.ts';
import { claim, claimedFront, createClaims, emptyMarkedPart, inFileOrder, markFile } from '../../scripts/report/shared-queue.ts';

describe('the shared queue of record files', () => {
  it('hands out every index once, from the front and the back, until the ends meet', () => {
    const claims = createClaims(7);
    const got: number[] = [];
    const ends = ['front', 'back', 'back', 'front', 'back', 'back', 'front', 'front', 'back'] as const;
    for (const end of ends) {
      const i = claim(claims, end);
      if (i !== undefined) got.push(i);
    }
    expect(got).toEqual([0, 6, 5, 1, 4, 3, 2]);
    expect(claim(claims, 'front')).toBeUndefined();
    expect(claim(claims, 'back')).toBeUndefined();
    expect(claimedFront(claims)).toBe(3);
    expect(claim(createClaims(0), 'back')).toBeUndefined();
  });

  it('puts two threads’ results back in path order, as one thread reading every file gives them', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'og-queue-'));
    try {
      const files: string[] = [];
      for (let i = 0; i < 6; i++) {
        const rel = `records/changes/CHG-2026-000${i}/r-${i}.jsonl`;
        await mkdir(path.join(root, path.dirname(rel)), { recursive: true });
        let prev = '0'.repeat(64);
        const lines: string[] = [];
        for (const [k, type] of ['run.planned', 'run.done'].entries()) {
          const r = renderRecordLine(prev, k + 1, {
            at: `2026-11-0${i + 1}T00:00:00+08:00`,
            type,
            change: `CHG-2026-000${i}`,
            run: `r-${i}`,
            ...(k ? { outcome: 'succeeded', failures: 0, hosts: {} } : {}),
          });
          lines.push(r.text);
          prev = r.hash;
        }
        // One file is damaged, so its problems must land in its place too.
        await writeFile(path.join(root, rel), lines.join('\n') + (i === 3 ? '' : '\n'));
        files.push(rel);
      }
      const { readFileSync } = await import('node:fs');
      const read = (part: ReturnType<typeof emptyRecordsPart>, rel: string) => adaptRecordFile(part, { path: rel, bytes: readFileSync(path.join(root, rel)) });
      const alone = emptyRecordsPart();
      for (const f of files) read(alone, f);
      // Two threads, claiming alternately from both ends.
      const claims = createClaims(files.length);
      const a = emptyMarkedPart();
      const b = emptyMarkedPart();
      for (let turn = 0; ; turn++) {
        const m = turn % 2 ? b : a;
        const i = claim(claims, turn % 2 ? 'back' : 'front');
        if (i === undefined) break;
        markFile(m, files[i]!);
        read(m.part, files[i]!);
      }
      expect(a.files.length).toBe(3);
      expect(b.files).toEqual([files[5], files[4], files[3]]);
      expect(alone.integrity.length).toBeGreaterThan(0);
      expect(JSON.stringify(inFileOrder(files, [b, a]))).toBe(JSON.stringify(alone));
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
