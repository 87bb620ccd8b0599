import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { RecordWriter } from '../../scripts/records/writer.ts';
import { capture, discard } from '../helpers/capture.ts';

let root: string;
afterEach(async () => { if (root) await rm(root, { recursive: true, force: true }); });

async function verify(...args: string[]) {
  const stdout = capture();
  const code = await runCli(['--root', root, 'records', 'verify', ...args], { env: {}, stdout: stdout.stream, stderr: discard(), cwd: root });
  return { code, out: stdout.text() };
}

async function makeChain(rel: string, n: number) {
  const w = await RecordWriter.open(path.join(root, rel));
  for (let i = 0; i < n; i++) await w.append({ at: '2026-12-01T00:00:00Z', type: 'step.done', host: `h${i}`, ok: true });
  await w.close();
}

describe('opsgate records verify', () => {
  it('passes intact chains, names every edited, removed or truncated line, exit 1', async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'og-rec-'));
    await makeChain('records/changes/CHG-2026-0001/r1.jsonl', 5);
    await makeChain('records/gate/o/r/pr-1.jsonl', 3);
    await makeChain('records/changes/CHG-2026-0002/r1.jsonl', 4);
    expect(await verify()).toMatchObject({ code: 0 });

    const f1 = path.join(root, 'records/changes/CHG-2026-0001/r1.jsonl');
    const lines = (await readFile(f1, 'utf8')).split('\n');
    lines[2] = lines[2]!.replace('"ok":true', '"ok":false');
    await writeFile(f1, lines.join('\n'));
    const f2 = path.join(root, 'records/changes/CHG-2026-0002/r1.jsonl');
    const text = await readFile(f2, 'utf8');
    await writeFile(f2, text.slice(0, text.length - 15));
    const r = await verify();
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/records\/changes\/CHG-2026-0001\/r1\.jsonl:3 {2}record\.(hash|chain)/);
    expect(r.out).toMatch(/records\/changes\/CHG-2026-0002\/r1\.jsonl:4 {2}record\.truncated/);
    expect(r.out).not.toContain('pr-1.jsonl');
    // Only the paths named are checked.
    expect((await verify('records/gate')).code).toBe(0);
  });

  it('refuses unknown subcommands and missing paths with exit 2', async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'og-rec-'));
    await mkdir(path.join(root, 'records'));
    expect((await verify('nope')).code).toBe(2);
  });
});
