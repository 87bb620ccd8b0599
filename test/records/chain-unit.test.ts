import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { GENESIS, verifyChain } from '../../scripts/records/chain.ts';
import { RecordWriter } from '../../scripts/records/writer.ts';

async function chainOf(n: number): Promise<{ file: string; text: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'og-chain-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'r.jsonl');
  const w = await RecordWriter.open(file);
  for (let i = 0; i < n; i++) await w.append({ at: `2026-11-27T10:00:0${i}+08:00`, type: 'step.done', step: `s${i}` });
  await w.close();
  return { file, text: await readFile(file, 'utf8') };
}

describe('hash-chained records', () => {
  it('verifies an intact chain and links each line to the previous', async () => {
    const { text } = await chainOf(3);
    const v = verifyChain(text);
    expect(v.ok).toBe(true);
    expect(v.lines.map((l) => l.seq)).toEqual([1, 2, 3]);
    expect(v.lines[0]!.prev).toBe(GENESIS);
    expect(v.lines[1]!.prev).toBe(v.lines[0]!.hash);
  });

  it('names an edited line by the line that no longer chains', async () => {
    const { text } = await chainOf(4);
    const lines = text.split('\n');
    lines[1] = lines[1]!.replace('"s1"', '"sX"');
    const v = verifyChain(lines.join('\n'));
    expect(v.ok).toBe(false);
    expect(v.problems).toEqual([expect.objectContaining({ line: 2, code: 'record.hash' })]);
  });

  it('names a removed line', async () => {
    const { text } = await chainOf(4);
    const lines = text.split('\n');
    lines.splice(1, 1);
    const v = verifyChain(lines.join('\n'));
    expect(v.problems.map((p) => [p.line, p.code])).toEqual([[2, 'record.seq'], [2, 'record.chain'], [3, 'record.seq']]);
  });

  it('names a truncated last line', async () => {
    const { text } = await chainOf(3);
    const v = verifyChain(text.slice(0, text.length - 10));
    expect(v.problems).toEqual([expect.objectContaining({ line: 3, code: 'record.truncated' })]);
  });

  it('continues a chain across writers and refuses to append to a broken one', async () => {
    const { file } = await chainOf(2);
    const w = await RecordWriter.open(file);
    await w.append({ at: '2026-11-27T11:00:00+08:00', type: 'run.done' });
    await w.close();
    expect(verifyChain(await readFile(file, 'utf8')).ok).toBe(true);
    await writeFile(file, (await readFile(file, 'utf8')).replace('run.done', 'run.fake'));
    await expect(RecordWriter.open(file)).rejects.toThrow(/refusing to append/);
  });
});
