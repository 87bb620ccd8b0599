/**
 * A host of the inventory that the period's last inspection did not cover
 * counts as error in compliance — but only for the checks that apply to it.
 * An auditor added web-03 to the inventory (no run covered it) and scoped one
 * check to the db group: web-03 must not be charged an error for a check that
 * could never run on it. Recomputed from the baseline and inventory files;
 * real documents, real git, the shipped CLI.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { createFixtureRepo } from './fixture-repo.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
let root = '';
let r: Json;

beforeAll(async () => {
  root = (await createFixtureRepo()).root;
  const host = parse(readFileSync(path.join(root, 'inventory/hosts/web-02.yaml'), 'utf8')) as Json;
  writeFileSync(path.join(root, 'inventory/hosts/web-03.yaml'), stringify({ ...host, id: 'web-03' }));
  const baseline = parse(readFileSync(path.join(root, 'policies/baselines/ssh.yaml'), 'utf8')) as Json;
  baseline.checks.find((c: Json) => c.id === 'access.authorized-keys').applies_to = { groups: ['db'] };
  writeFileSync(path.join(root, 'policies/baselines/ssh.yaml'), stringify(baseline));
  execFileSync('git', ['-C', root, 'add', '-A']);
  execFileSync('git', ['-C', root, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-m', 'web-03; authorized keys checked on db only'], {
    env: { ...process.env, GIT_AUTHOR_DATE: '2026-11-30T12:00:00+08:00', GIT_COMMITTER_DATE: '2026-11-30T12:00:00+08:00' },
  });
  const io = { env: { PATH: process.env.PATH }, stdout: new PassThrough().resume(), stderr: new PassThrough().resume(), cwd: root, now: () => new Date('2026-12-02T01:00:00Z') };
  await runCli(['--root', root, 'report', 'audit', '--period', '2026-11', '--lang', 'en', '--format', 'json', '--out', 'out'], io);
  r = JSON.parse(readFileSync(path.join(root, 'out/audit-2026-11.en.json'), 'utf8'));
}, 180_000);
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a host the last run did not cover', () => {
  it('counts as error only for the checks whose applies_to includes it', () => {
    const host = parse(readFileSync(path.join(root, 'inventory/hosts/web-03.yaml'), 'utf8')) as Json;
    const checks = (parse(readFileSync(path.join(root, 'policies/baselines/ssh.yaml'), 'utf8')) as Json).checks as Json[];
    const applicable = checks.filter((c) => !c.applies_to || (c.applies_to.groups ?? []).some((g: string) => host.groups.includes(g)) || (c.applies_to.hosts ?? []).includes(host.id));
    const row = (r.inspection.by_host as Json[]).find((h) => h.key === 'web-03')!;
    expect([row.figure.numerator, row.figure.denominator]).toEqual([0, applicable.length]);
    expect(r.inspection.findings.not_evaluated.find((n: Json) => n.host === 'web-03')?.checks).toBe(applicable.length);
    const total = (r.inspection.by_host as Json[]).reduce((s, h) => s + h.figure.denominator, 0);
    expect(r.inspection.figures.find((f: Json) => f.id === 'inspection.compliance').denominator).toBe(total);
  });
});
