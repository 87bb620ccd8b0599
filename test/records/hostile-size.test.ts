/**
 * A tampered record file can hold a million lines. Found by a hostile-input sweep:
 * `report` exited 3 (push(...lines) and Math.min(...lines) overflow the stack past
 * ~100k elements) and, once that was fixed, took 67 s and 1.7 GB on a 1 MB file of
 * blank lines (one SyntaxError per line, then every problem rendered into the
 * report); `records verify` printed a million lines. verifyChain now keeps the
 * first MAX_CHAIN_PROBLEMS problems and counts the rest.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { appendAll, maxOf, minOf } from '../../scripts/model/append.ts';
import { GENESIS, MAX_CHAIN_PROBLEMS, renderRecordLine, verifyChain } from '../../scripts/records/chain.ts';
import { capture } from '../helpers/capture.ts';

const BLANK_LINES = 1_000_000;
let root: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'og-hostile-records-'));
  await mkdir(path.join(root, 'records/changes'), { recursive: true });
  await writeFile(path.join(root, 'records/changes/tampered.jsonl'), '\n'.repeat(BLANK_LINES));
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

describe('verifyChain on a file with a problem on every line', () => {
  it(`keeps the first ${MAX_CHAIN_PROBLEMS} problems, counts the rest, and fails`, () => {
    const v = verifyChain('\n'.repeat(BLANK_LINES));
    expect(v.ok).toBe(false);
    expect(v.problems).toHaveLength(MAX_CHAIN_PROBLEMS);
    expect(v.problems.map((p) => p.line)).toEqual(Array.from({ length: MAX_CHAIN_PROBLEMS }, (_, i) => i + 1));
    expect(v.problemsNotListed).toBe(BLANK_LINES - MAX_CHAIN_PROBLEMS);
  });

  it.each([
    ['', 'record.json'],
    ['x', 'record.json'],
    ['{"seq":', 'record.json'],
    ['[1]', 'record.shape'],
    ['123', 'record.shape'],
    ['"a string"', 'record.shape'],
    [' {}', 'record.shape'],
    ['null', 'record.shape'],
  ])('line %j is still reported as %s', (line, code) => {
    const first = renderRecordLine(GENESIS, 1, { at: '2026-11-01T00:00:00+08:00', type: 'run.planned' }).text;
    const v = verifyChain(`${first}\n${line}\n`);
    expect(v.problems[0]).toMatchObject({ line: 2, code });
  });

  it('a clean chain lists nothing and counts nothing', () => {
    const a = renderRecordLine(GENESIS, 1, { at: '2026-11-01T00:00:00+08:00', type: 'run.planned' });
    const b = renderRecordLine(a.hash, 2, { at: '2026-11-01T00:01:00+08:00', type: 'run.ended' });
    expect(verifyChain(`${a.text}\n${b.text}\n`)).toMatchObject({ ok: true, problems: [], problemsNotListed: 0 });
  });
});

describe('commands reading that file', () => {
  async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    const out = capture();
    const err = capture();
    const code = await runCli(argv, { env: {}, stdout: out.stream, stderr: err.stream, cwd: root });
    return { code, out: out.text(), err: err.text() };
  }

  it('records verify lists the first problems and says how many more', async () => {
    const r = await cli(['records', 'verify']);
    expect(r.err).not.toMatch(/internal error/);
    expect(r.code).toBe(1);
    const listed = r.out.split('\n').filter((l) => l.startsWith('records/changes/tampered.jsonl:'));
    expect(listed).toHaveLength(MAX_CHAIN_PROBLEMS + 1);
    expect(listed.at(-1)).toMatch(new RegExp(`record\\.more  and ${BLANK_LINES - MAX_CHAIN_PROBLEMS} more problems`));
  }, 120_000);

  it('report monthly reports the broken file instead of failing', async () => {
    const r = await cli(['report', 'monthly', '--period', '2026-11', '--format', 'json', '--out', 'out']);
    expect(r.err).not.toMatch(/internal error|Maximum call stack/);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/records\/changes\/tampered\.jsonl/);
  }, 120_000);
});

describe('array helpers for input of any length', () => {
  const many = Array.from({ length: 500_000 }, (_, i) => i);
  it('append, min and max past the argument limit', () => {
    expect(appendAll([-1], many)).toHaveLength(500_001);
    expect(minOf(many)).toBe(0);
    expect(maxOf(many)).toBe(499_999);
    expect(minOf([])).toBe(Infinity);
    expect(maxOf([])).toBe(-Infinity);
    expect(() => [].push(...(many as never[]))).toThrow(RangeError); // what they replace
  });
});
