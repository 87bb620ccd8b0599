/**
 * A workaround is not a patch. An auditor found the sample's "patched"
 * CVE-2023-52340 rested on CHG-2026-0108, a sysctl change that installs no
 * package the advisory names (linux-image-amd64): the kernel was never
 * upgraded. The data says mitigated; the report must say mitigated, count it
 * nowhere as patched, and keep the patch clock running. Here a small
 * organisation on disk (real documents, real git), reported and linted through
 * the shipped CLI, is held to an auditor's reading written from the files.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { createFixtureRepo } from './fixture-repo.ts';

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const AT = '2026-12-01T00:00:00+08:00';
const install = (pkg: string) => [{ id: 'upgrade', kind: 'run', argv: ['apt-get', 'install', '-y', '--only-upgrade', pkg] }];
const sysctl = [{ id: 'apply', kind: 'run', argv: ['sysctl', '-w', 'net.ipv6.route.max_size=2147483647'] }];

let root = '';
let report: Doc;
let lint: Doc[];
const advisory = (id: string, severity: string, published: string, remediation: Record<string, string>) => ({
  id,
  title: `advisory ${id}`,
  references: ['CVE-2026-1000'],
  severity,
  published,
  packages: [{ name: 'linux-image-amd64', fixed_version: '6.1.76-1' }],
  remediation,
});

beforeAll(async () => {
  root = (await createFixtureRepo()).root;
  const base = parse(readFileSync(path.join(root, 'changes/2026/CHG-2026-0001.yaml'), 'utf8')) as Doc;
  const change = (id: string, steps: unknown[], closedAt = '2026-11-20T10:00:00+08:00') =>
    writeFileSync(path.join(root, `changes/2026/${id}.yaml`), stringify({ ...base, id, steps, closure: { ...base.closure, outcome: 'succeeded', closed_at: closedAt } }));
  change('CHG-2026-0011', install('linux-image-amd64=6.1.76-1'));
  change('CHG-2026-0012', sysctl); // filed as the patch, installs nothing the advisory names
  change('CHG-2026-0013', sysctl); // filed honestly as a mitigation
  change('CHG-2026-0014', sysctl); // a mitigation of an advisory past its due day
  const adv = (a: Doc) => writeFileSync(path.join(root, `policies/advisories/${a.id}.yaml`), stringify(a));
  mkdirSync(path.join(root, 'policies/advisories'), { recursive: true });
  adv(advisory('a-patched', 'high', '2026-11-10', { change: 'CHG-2026-0011' }));
  adv(advisory('b-sysctl-as-patch', 'high', '2026-11-10', { change: 'CHG-2026-0012' }));
  adv(advisory('c-mitigated', 'high', '2026-11-10', { mitigation: 'CHG-2026-0013' }));
  adv(advisory('d-mitigated-overdue', 'critical', '2026-11-10', { mitigation: 'CHG-2026-0014' }));
  execFileSync('git', ['-C', root, 'add', '-A']);
  execFileSync('git', ['-C', root, '-c', 'user.name=F', '-c', 'user.email=f@example.invalid', 'commit', '-q', '-m', 'advisories'], {
    env: { ...process.env, GIT_AUTHOR_DATE: '2026-11-25T10:00:00+08:00', GIT_COMMITTER_DATE: '2026-11-25T10:00:00+08:00' },
  });
  const io = (sink?: (s: string) => void) => {
    const stdout = new PassThrough();
    if (sink) stdout.on('data', (c) => sink(String(c)));
    return { env: { PATH: process.env.PATH }, stdout, stderr: new PassThrough(), cwd: root };
  };
  const out = path.join(root, 'out');
  expect(await runCli(['--root', root, 'report', 'monthly', '--period', '2026-11', '--lang', 'en', '--format', 'json,md', '--out', out, '--at', AT], io())).toBeLessThan(2);
  report = JSON.parse(readFileSync(path.join(out, 'monthly-2026-11.en.json'), 'utf8'));
  let text = '';
  await runCli(
    ['--root', root, '--now', AT, 'lint', '--format', 'json'],
    io((s) => (text += s)),
  );
  lint = (JSON.parse(text) as { diagnostics: Doc[] }).diagnostics.filter((d) => String(d.file).startsWith('policies/advisories/'));
}, 180_000);
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** The auditor's reading: a change patches only when one of its run steps names a package of the advisory. */
function expectedState(a: Doc): string {
  const read = (id?: string) => (id ? (parse(readFileSync(path.join(root, `changes/2026/${id}.yaml`), 'utf8')) as Doc) : undefined);
  const names = new Set((a.packages as Doc[]).map((p) => p.name));
  const closedOk = (c?: Doc) => c?.closure?.outcome === 'succeeded' && Date.parse(c.closure.closed_at) <= Date.parse(AT);
  const patch = read(a.remediation.change);
  const installs = (patch?.steps ?? []).some((s: Doc) => s.kind === 'run' && s.argv.some((x: string) => names.has(x.split(/[=:]/)[0]!)));
  if (installs && closedOk(patch)) return 'patched';
  const due = Date.parse(`${a.published}T00:00:00+08:00`) + ({ critical: 7, high: 30 } as Doc)[a.severity] * 86_400_000 + 86_400_000;
  if (due <= Date.parse(AT)) return 'overdue';
  return closedOk(patch) || closedOk(read(a.remediation.mitigation)) ? 'mitigated' : 'open';
}

describe('a mitigation is reported as mitigated, never as patched', () => {
  it('each advisory state follows from whether its change installs a package the advisory names', () => {
    const rows = report.patch_compliance.advisories as Doc[];
    const files = ['a-patched', 'b-sysctl-as-patch', 'c-mitigated', 'd-mitigated-overdue'].map((id) => parse(readFileSync(path.join(root, `policies/advisories/${id}.yaml`), 'utf8')) as Doc);
    expect(rows.map((r) => [r.id, r.state]).sort()).toEqual(files.map((a) => [a.id, expectedState(a)]).sort());
    expect(rows.find((r) => r.id === 'b-sysctl-as-patch')).toMatchObject({ state: 'mitigated', fixed_at: null, days_to_patch: null, mitigation: 'CHG-2026-0012' });
  });

  it('the period figures count only the real patch; mitigated is its own figure', () => {
    const v = (id: string) => (report.patch_compliance.figures as Doc[]).find((f) => f.id === id)!;
    expect([v('patch.patched').value, v('patch.on_time').numerator, v('patch.on_time').denominator]).toEqual([1, 1, 1]);
    expect([v('patch.mitigated').value, v('patch.overdue').value, v('patch.open').value]).toEqual([2, 1, 0]);
    const high = (report.patch_compliance.by_severity as Doc[]).find((s) => s.severity === 'high')!;
    expect([high.advisories.value, high.patched.value, high.median.value]).toEqual([3, 1, 10]);
  });

  it('the rendered register says mitigated for the workaround, not patched', () => {
    const md = readFileSync(path.join(root, 'out/monthly-2026-11.en.md'), 'utf8');
    const line = (id: string) => md.split('\n').find((l) => l.startsWith(`- ${id} `))!;
    expect(line('b-sysctl-as-patch')).toMatch(/; mitigated, not patched; CHG-2026-0012 /);
    expect(line('b-sysctl-as-patch')).not.toMatch(/; patched;|Fixed 2026/);
    expect(line('c-mitigated')).toMatch(/; mitigated, not patched; mitigated by CHG-2026-0013 /);
    expect(line('a-patched')).toMatch(/; patched; CHG-2026-0011 \(succeeded\); Fixed 2026-11-20 10:00, 10 days /);
  });

  it('lint names the workaround filed as the patch, and keeps the patch clock running past a mitigation', () => {
    expect(lint.map((d) => [d.file, d.code]).sort()).toEqual([
      ['policies/advisories/b-sysctl-as-patch.yaml', 'advisory.change-not-a-patch'],
      ['policies/advisories/d-mitigated-overdue.yaml', 'advisory.overdue'],
    ]);
  });
});
