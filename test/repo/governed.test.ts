import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../scripts/model/diagnostic.ts';
import { SAMPLE_AS_OF } from '../../scripts/demo/sample-clock.ts';
import { DOCUMENT_PLACES, isGovernedFile, placeIsDocumentLocation, strayFileDiagnostic } from '../../scripts/repo/governed.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';

const exec = promisify(execFile);
const bin = path.join(repoRoot, 'scripts/bin/opsgate.mjs');

describe('governed folders (pure)', () => {
  it.each([
    ['inventory/zz-hostile.yaml', true],
    ['inventory/host/web-05.yaml', true],
    ['policies/notes.md', true],
    ['runbooks/sub/x.md', true],
    ['changes/2026/CHG-2026-0001.yml', true],
    ['inventory/files/app.yaml', false],
    ['runbooks/README.md', false],
    ['policies/README.md', false],
    ['inventory/hosts/web-01.json', false],
    ['scripts/x.yaml', false],
  ])('%s governed: %s', (rel, governed) => {
    expect(isGovernedFile(rel)).toBe(governed);
  });

  it('derives a place for every kind, and each place is a real document location', () => {
    expect(DOCUMENT_PLACES.map((p) => p.folder)).toContain('inventory/hosts');
    expect(DOCUMENT_PLACES.map((p) => p.folder)).toContain('changes/YYYY');
    expect(DOCUMENT_PLACES.find((p) => p.singleton === 'calendar')?.folder).toBe('policies');
    for (const p of DOCUMENT_PLACES) expect(placeIsDocumentLocation(p), JSON.stringify(p)).toBe(true);
  });

  it.each([
    ['inventory/host/web-05.yaml', 'did you mean inventory/hosts/web-05.yaml'],
    ['inventory/grups/web.yaml', 'did you mean inventory/groups/web.yaml'],
    ['policies/calender.yaml', 'did you mean policies/calendar.yaml'],
    ['policies/baseline/ssh.yaml', 'did you mean policies/baselines/ssh.yaml'],
    ['changes/CHG-2026-0001.yaml', 'did you mean changes/2026/CHG-2026-0001.yaml'],
    ['change/2026/CHG-2026-0001.yaml', 'did you mean changes/2026/CHG-2026-0001.yaml'],
    ['runbooks/disk.yaml', 'did you mean runbooks/disk.md'],
  ])('%s → %s', (rel, hint) => {
    const d = strayFileDiagnostic(rel);
    expect(d).toMatchObject({ code: 'repo.unknown-location', severity: 'error', file: rel, line: 1 });
    expect(d.hint).toContain(hint);
  });

  it('a file with nothing close names the folders of its root', () => {
    const d = strayFileDiagnostic('inventory/zz-hostile.yaml');
    expect(d.hint).not.toContain('did you mean');
    expect(d.hint).toContain('inventory/hosts/');
    expect(d.hint).toContain('inventory/groups/');
  });
});

describe('no document escapes validation (CLI)', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'og-governed-'));
    for (const d of ['schemas', 'inventory', 'policies', 'changes', 'incidents', 'runbooks', 'records']) await cp(path.join(repoRoot, d), path.join(root, d), { recursive: true });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function lint(): Promise<{ code: number; diagnostics: Diagnostic[] }> {
    // The sample as of its snapshot date: on the machine's clock its advisories fall overdue from 2026-12-21.
    const r = await exec(process.execPath, [bin, '--root', root, '--now', SAMPLE_AS_OF, 'lint', '--format', 'json'], { env: { ...process.env, GITHUB_ACTIONS: '' }, timeout: 120_000 }).then(
      (x) => ({ code: 0, stdout: x.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    return { code: r.code, diagnostics: (JSON.parse(r.stdout) as { diagnostics: Diagnostic[] }).diagnostics };
  }

  it('the sample lints without errors, then a hostile inventory file makes it exit 1, located, and a misspelt folder gets a did-you-mean', async () => {
    const clean = await lint();
    expect(clean.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(clean.code).toBe(0);

    await writeFile(path.join(root, 'inventory/zz-hostile.yaml'), 'id: "web-01; rm -rf /"\naddress: 10.0.0.1\nport: 99999\n');
    await mkdir(path.join(root, 'inventory/host'), { recursive: true });
    await writeFile(path.join(root, 'inventory/host/web-05.yaml'), 'id: web-05\n');
    const dirty = await lint();
    expect(dirty.code).toBe(1);
    const hostile = dirty.diagnostics.find((d) => d.file === 'inventory/zz-hostile.yaml');
    expect(hostile).toMatchObject({ code: 'repo.unknown-location', severity: 'error', line: 1, col: 1 });
    const misspelt = dirty.diagnostics.find((d) => d.file === 'inventory/host/web-05.yaml');
    expect(misspelt?.severity).toBe('error');
    expect(misspelt?.hint).toContain('did you mean inventory/hosts/web-05.yaml');
  }, 240_000);
});
