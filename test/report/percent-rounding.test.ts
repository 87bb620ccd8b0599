/**
 * Rounding an auditor can redo by hand: a percentage is numerator ÷
 * denominator rounded half up to one decimal, computed exactly. Binary
 * floating point made 207/720 (28.75 %) print as 28.7 % while 1/8 (12.5 %)
 * rounded up — two halves, two directions. An on-call rota that covers 207 of
 * the 720 hours after generated-at, on disk, reported through the shipped CLI.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { createFixtureRepo } from './fixture-repo.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const AT = '2026-12-01T00:00:00+08:00';
let root = '';
let r: Json;

beforeAll(async () => {
  root = (await createFixtureRepo()).root;
  const oncall = parse(readFileSync(path.join(root, 'policies/oncall.yaml'), 'utf8')) as Json;
  // The rota starts 513 h after generated-at: 720 − 513 = 207 hours of the next 30 days are covered.
  oncall.rotations[0].shift.start = new Date(Date.parse(AT) + 513 * 3_600_000).toISOString().replace('.000Z', 'Z');
  writeFileSync(path.join(root, 'policies/oncall.yaml'), stringify(oncall));
  execFileSync('git', ['-C', root, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-qam', 'rota starts late'], {
    env: { ...process.env, GIT_AUTHOR_DATE: '2026-11-30T12:00:00+08:00', GIT_COMMITTER_DATE: '2026-11-30T12:00:00+08:00' },
  });
  const io = { env: { PATH: process.env.PATH }, stdout: new PassThrough().resume(), stderr: new PassThrough().resume(), cwd: root };
  await runCli(['--root', root, 'report', 'audit', '--period', '2026-11', '--lang', 'en', '--format', 'json,md', '--out', 'out', '--at', AT], io);
  r = JSON.parse(readFileSync(path.join(root, 'out/audit-2026-11.en.json'), 'utf8'));
}, 180_000);
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Half up to one decimal, in integers: no binary fraction involved. */
const halfUp = (n: number, d: number) => Math.floor((2000 * n + d) / (2 * d)) / 10;

describe('percentages round half up, exactly', () => {
  it('207/720 is 28.8 %, in the JSON and in the rendered report', () => {
    const f = (r.oncall.figures as Json[]).find((x) => x.id === 'oncall.coverage_30d')!;
    expect([f.numerator, f.denominator]).toEqual([207, 720]);
    expect(f.value).toBe(halfUp(207, 720));
    expect(readFileSync(path.join(root, 'out/audit-2026-11.en.md'), 'utf8')).toContain('28.8% (207/720)');
  });

  it('every percentage of the report agrees with the exact rounding of its own numerator and denominator', () => {
    const all: Json[] = [];
    const walk = (o: unknown): void => {
      if (Array.isArray(o)) o.forEach(walk);
      else if (o && typeof o === 'object') {
        const d = o as Json;
        if (d.unit === 'percent' && typeof d.denominator === 'number') all.push(d);
        Object.values(d).forEach(walk);
      }
    };
    walk(r);
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter((f) => f.value !== (f.denominator === 0 ? null : halfUp(f.numerator, f.denominator))).map((f) => f.id)).toEqual([]);
  });
});
