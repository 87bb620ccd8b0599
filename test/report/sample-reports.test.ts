/**
 * The committed sample reports (reports/*-2026-11.*) are what `npm run
 * sample:reports` writes from the committed evidence: regenerated into a
 * temporary directory as of the sample's snapshot date, every file must be
 * byte-identical to the committed one, commit ids aside (see below). The report cites the commit its evidence
 * is read at (the last commit that changed records/ or a document, not HEAD), so
 * a commit that changes only code or the reports themselves leaves them as they
 * are; a change to the evidence, or to what the code computes from it, shows
 * here until the reports are regenerated and committed.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { SAMPLE_AS_OF } from '../../scripts/demo/sample-clock.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';

const PERIOD = '2026-11';
let tmp: string | undefined;
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function report(kind: string, lang: string, out: string): Promise<{ code: number; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let err = '';
  stdout.resume();
  stderr.on('data', (d) => (err += String(d)));
  // As package.json's sample:reports runs it (the machine clock is not what the report reads: --at is).
  const code = await runCli(['report', kind, '--period', PERIOD, '--lang', lang, '--at', SAMPLE_AS_OF, '--out', out], {
    env: { PATH: process.env.PATH },
    stdout,
    stderr,
    cwd: repoRoot,
    now: () => new Date('2031-01-01T00:00:00Z'),
  });
  return { code, err };
}

describe('sample reports', () => {
  it('are byte-identical to what npm run sample:reports writes from the committed evidence', async () => {
    const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    // The regeneration below is the package script's: same kinds, languages, period and instant.
    expect(pkg.scripts['sample:reports']).toContain(`--period ${PERIOD}`);
    expect(pkg.scripts['sample:reports']).toContain(`--at ${SAMPLE_AS_OF}`);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'og-sample-reports-'));
    for (const kind of ['audit', 'monthly']) {
      for (const lang of ['zh-CN', 'en']) {
        const r = await report(kind, lang, tmp);
        expect(r.code, r.err).toBe(0);
      }
    }
    const committed = (await readdir(path.join(repoRoot, 'reports'))).filter((f) => f.includes(`-${PERIOD}.`)).sort();
    const written = (await readdir(tmp)).sort();
    expect(written).toEqual(committed);
    expect(committed).toHaveLength(12);
    const differing: string[] = [];
    // Each evidence file cites the commit that last changed it on the first-parent line (the merge that landed it, so
    // a pull request can be named): a branch's regenerated reports cite its own commits until it is merged. Those ids
    // (and the manifest sha256 over them) are compared as hex ids only; every other byte must be equal.
    const ids = (t: string) => t.replace(/\b[0-9a-f]{10,64}\b/g, '<id>');
    for (const f of committed) {
      const [a, b] = await Promise.all([readFile(path.join(tmp, f)), readFile(path.join(repoRoot, 'reports', f))]);
      if (!a.equals(b) && ids(a.toString('utf8')) !== ids(b.toString('utf8'))) differing.push(f);
    }
    expect(differing, 'these committed reports are not what the code writes from the committed evidence: run `npm run sample:reports` and commit').toEqual([]);
  }, 600_000);
});
