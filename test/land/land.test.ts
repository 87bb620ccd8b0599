/**
 * `opsgate land` with real git against a bare origin protected like the
 * README's branch protection (test/workflows/protected-origin.ts).
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { planLanding, validateManifest } from '../../scripts/land/manifest.ts';
import { createProtectedOrigin, type ProtectedOrigin } from '../workflows/protected-origin.ts';
import { captureStdio } from '../helpers/capture.ts';

let origin: ProtectedOrigin;
let tmp: string;

async function land(cwd: string, pusher: string, ...args: string[]) {
  const io = captureStdio();
  const outputFile = path.join(tmp, `output-${Math.random().toString(36).slice(2)}`);
  writeFileSync(outputFile, '');
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, OG_PUSHER: pusher, OPSGATE_LAND_RETRY_MS: '0', GITHUB_OUTPUT: outputFile, GITHUB_REF_NAME: 'main' };
  const code = await runCli(['--root', cwd, 'land', ...args], { env, stdout: io.stdout, stderr: io.stderr, cwd });
  return { code, out: io.out(), err: io.err(), outputs: readFileSync(outputFile, 'utf8') };
}

const append = (root: string, rel: string, text: string) => {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  appendFileSync(path.join(root, rel), text);
};

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'og-land-'));
  origin = createProtectedOrigin({ 'README.md': 'ops\n', 'records/inspections/2026-11.jsonl': '{"seq":1}\n', 'changes/2026/CHG-2026-0001.yaml': 'id: CHG-2026-0001\n' });
});
afterEach(() => {
  origin.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the protection the tests stand on', () => {
  it('refuses GITHUB_TOKEN and the App outside records/**, accepts the App on records/**', () => {
    const c = origin.clone('probe');
    append(c, 'records/x.jsonl', '{}\n');
    origin.git(c, ['add', '-A']);
    origin.git(c, ['commit', '-q', '-m', 'r']);
    expect(() => origin.git(c, ['push', '-q', 'origin', 'HEAD:main'], 'github-actions')).toThrow(/no bypass actor/);
    writeFileSync(path.join(c, 'README.md'), 'changed\n');
    origin.git(c, ['commit', '-q', '-am', 'readme']);
    expect(() => origin.git(c, ['push', '-q', 'origin', 'HEAD:main'], 'opsgate-app')).toThrow(/may only write records/);
    origin.git(c, ['reset', '-q', '--hard', 'HEAD~1']);
    origin.git(c, ['push', '-q', 'origin', 'HEAD:main'], 'opsgate-app');
    expect(origin.show('main', 'records/x.jsonl')).toBe('{}\n');
  });
});

describe('opsgate land', () => {
  it('stages new and appended records and lands exactly them, releasing the lease in the same push', async () => {
    const job = origin.clone('apply-job');
    const lease = await land(job, 'github-actions', 'lease', '--flow', 'apply', '--run', '101');
    expect(lease.code).toBe(0);
    expect(lease.outputs).toContain('leased=true');
    expect(origin.refExists('refs/heads/opsgate/lease/apply')).toBe(true);

    append(job, 'records/inspections/2026-11.jsonl', '{"seq":2}\n');
    append(job, 'records/changes/CHG-2026-0001/run-1.jsonl', '{"type":"run.planned"}\n');
    writeFileSync(path.join(job, 'scratch.txt'), 'not a record\n');
    const staged = await land(job, 'github-actions', 'stage', '--flow', 'apply', '--run', '101', '--out', path.join(tmp, 'artifact'));
    expect(staged.code).toBe(0);
    expect(staged.out).toContain('new      records/changes/CHG-2026-0001/run-1.jsonl');
    expect(staged.out).toContain('appended records/inspections/2026-11.jsonl');
    expect(staged.out).not.toContain('scratch.txt');

    const lander = origin.clone('land-job');
    const pushed = await land(lander, 'opsgate-app', 'push', '--from', path.join(tmp, 'artifact'), '--release-lease');
    expect(pushed.err).toBe('');
    expect(pushed.code).toBe(0);
    expect(pushed.out).toMatch(/records landed on main in [0-9a-f]{12}; lease released/);
    expect(origin.show('main', 'records/inspections/2026-11.jsonl')).toBe('{"seq":1}\n{"seq":2}\n');
    expect(origin.show('main', 'records/changes/CHG-2026-0001/run-1.jsonl')).toBe('{"type":"run.planned"}\n');
    expect(origin.show('main', 'scratch.txt')).toBeUndefined();
    expect(origin.refExists('refs/heads/opsgate/lease/apply')).toBe(false);
    const changed = origin.git(origin.bare, ['diff-tree', '-r', '--name-only', '--no-commit-id', 'main~1', 'main']).trim().split('\n');
    expect(changed.sort()).toEqual(['records/changes/CHG-2026-0001/run-1.jsonl', 'records/inspections/2026-11.jsonl']);
    expect(origin.git(origin.bare, ['log', '-1', '--format=%an %B', 'main'])).toMatch(/^opsgate-bot records: opsgate apply run 101 \(2 files\)[\s\S]*Opsgate-Run: 101/);

    // Landing again is a no-op: every file is already there, and nothing is pushed.
    const again = await land(lander, 'opsgate-app', 'push', '--from', path.join(tmp, 'artifact'));
    expect(again.code).toBe(0);
    expect(again.out).toContain('nothing new to land');
  });

  it('refuses to take a lease while an earlier run holds it, and says which run and what to do', async () => {
    const job = origin.clone('job');
    expect((await land(job, 'github-actions', 'lease', '--flow', 'apply', '--run', '7')).code).toBe(0);
    const second = await land(job, 'github-actions', 'lease', '--flow', 'apply', '--run', '8');
    expect(second.code).toBe(1);
    expect(second.outputs).toContain('leased=false');
    expect(second.err).toMatch(/records of apply run 7\b.*have not landed/);
    expect(second.err).toContain('land-run=7');
    const check = await land(job, 'github-actions', 'check', '--flow', 'apply');
    expect(check.code).toBe(1);
    expect(origin.git(origin.bare, ['log', '-1', '--format=%B', 'opsgate/lease/apply'])).toContain('Opsgate-Run: 7');
  });

  it('will not release a lease that belongs to another run', async () => {
    const job = origin.clone('job');
    await land(job, 'github-actions', 'lease', '--flow', 'apply', '--run', '1');
    append(job, 'records/changes/CHG-2026-0001/r.jsonl', '{}\n');
    await land(job, 'github-actions', 'stage', '--flow', 'apply', '--run', '2', '--out', path.join(tmp, 'a'));
    const r = await land(origin.clone('l'), 'opsgate-app', 'push', '--from', path.join(tmp, 'a'), '--release-lease');
    expect(r.code).toBe(1);
    expect(r.err).toContain('belongs to run 1, not to run 2');
    expect(origin.refExists('refs/heads/opsgate/lease/apply')).toBe(true);
    expect(origin.show('main', 'records/changes/CHG-2026-0001/r.jsonl')).toBeUndefined();
  });

  it('rebuilds on a tip that moved since the job started (a pull request merged meanwhile)', async () => {
    const job = origin.clone('job');
    append(job, 'records/inspections/2026-11.jsonl', '{"seq":2}\n');
    await land(job, 'github-actions', 'stage', '--flow', 'inspect', '--run', '5', '--out', path.join(tmp, 'a'));
    const lander = origin.clone('l');
    origin.merge({ 'changes/2026/CHG-2026-0002.yaml': 'id: CHG-2026-0002\n' }, 'Merge pull request #2');
    const r = await land(lander, 'opsgate-app', 'push', '--from', path.join(tmp, 'a'));
    expect(r.code).toBe(0);
    expect(origin.show('main', 'changes/2026/CHG-2026-0002.yaml')).toBe('id: CHG-2026-0002\n');
    expect(origin.show('main', 'records/inspections/2026-11.jsonl')).toBe('{"seq":1}\n{"seq":2}\n');
  });

  it('never overwrites a record someone appended to meanwhile: a conflict, nothing pushed, the lease stays', async () => {
    const job = origin.clone('job');
    await land(job, 'github-actions', 'lease', '--flow', 'apply', '--run', '9');
    append(job, 'records/inspections/2026-11.jsonl', '{"seq":2,"by":"job"}\n');
    await land(job, 'github-actions', 'stage', '--flow', 'apply', '--run', '9', '--out', path.join(tmp, 'a'));
    const other = origin.clone('other');
    append(other, 'records/inspections/2026-11.jsonl', '{"seq":2,"by":"other"}\n');
    origin.git(other, ['commit', '-q', '-am', 'other run']);
    origin.git(other, ['push', '-q', 'origin', 'HEAD:main'], 'opsgate-app');
    const before = origin.git(origin.bare, ['rev-parse', 'main']);
    const r = await land(origin.clone('l'), 'opsgate-app', 'push', '--from', path.join(tmp, 'a'), '--release-lease');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/land\.conflict {2}records\/inspections\/2026-11\.jsonl: it changed on the branch/);
    expect(origin.git(origin.bare, ['rev-parse', 'main'])).toBe(before);
    expect(origin.refExists('refs/heads/opsgate/lease/apply')).toBe(true);
  });

  it('cannot land with the workflow token: the protection refuses it, the lease stays and the run fails', async () => {
    const job = origin.clone('job');
    await land(job, 'github-actions', 'lease', '--flow', 'apply', '--run', '11');
    append(job, 'records/changes/CHG-2026-0001/x.jsonl', '{}\n');
    await land(job, 'github-actions', 'stage', '--flow', 'apply', '--run', '11', '--out', path.join(tmp, 'a'));
    const r = await land(origin.clone('l'), 'github-actions', 'push', '--from', path.join(tmp, 'a'), '--release-lease', '--attempts', '2');
    expect(r.code).toBe(1);
    expect(r.err).toContain('push attempt 2 of 2 was rejected');
    expect(r.err).toContain('did not accept the records after 2 attempts');
    expect(origin.refExists('refs/heads/opsgate/lease/apply')).toBe(true);
    expect(origin.show('main', 'records/changes/CHG-2026-0001/x.jsonl')).toBeUndefined();
  });

  it('stages neither deletions, rewritten lines, links nor files outside the flow', async () => {
    const job = origin.clone('job');
    writeFileSync(path.join(job, 'records/inspections/2026-11.jsonl'), '{"seq":1,"edited":true}\n');
    mkdirSync(path.join(job, 'records/gate'), { recursive: true });
    symlinkSync('/etc/passwd', path.join(job, 'records/gate/leak.jsonl'));
    append(job, 'reports/x.md', '# not a record\n');
    const r = await land(job, 'github-actions', 'stage', '--flow', 'inspect', '--run', '3', '--out', path.join(tmp, 'a'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('records/inspections/2026-11.jsonl: its existing lines changed');
    expect(r.err).toContain('records/gate/leak.jsonl: not a regular file');
    expect(r.out).toContain('staged 0 file(s)');
    origin.git(job, ['checkout', '-q', '--', 'records/inspections/2026-11.jsonl']);
    rmSync(path.join(job, 'records/inspections/2026-11.jsonl'));
    const d = await land(job, 'github-actions', 'stage', '--flow', 'inspect', '--run', '3', '--out', path.join(tmp, 'b'));
    expect(d.err).toContain('deleted; records are append-only');
  });

  it('refuses a staged file that differs from its manifest, and a manifest naming paths outside its flow', async () => {
    const job = origin.clone('job');
    append(job, 'records/changes/CHG-2026-0001/y.jsonl', '{"ok":true}\n');
    await land(job, 'github-actions', 'stage', '--flow', 'apply', '--run', '12', '--out', path.join(tmp, 'a'));
    writeFileSync(path.join(tmp, 'a/files/records/changes/CHG-2026-0001/y.jsonl'), '{"ok":false}\n');
    const r = await land(origin.clone('l'), 'opsgate-app', 'push', '--from', path.join(tmp, 'a'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('does not match its manifest');

    const manifestFile = path.join(tmp, 'a/apply-apply.land.json');
    const m = JSON.parse(readFileSync(manifestFile, 'utf8'));
    m.files[0].path = '.github/workflows/apply.yml';
    writeFileSync(manifestFile, JSON.stringify(m));
    const r2 = await land(origin.clone('l2'), 'opsgate-app', 'push', '--from', path.join(tmp, 'a'));
    expect(r2.code).toBe(1);
    expect(r2.err).toContain('not a path the apply flow may write');
  });
});

describe('the landing decision (pure)', () => {
  const f = (p: string, base: string | null, blob: string) => ({ path: p, base_blob: base, blob, size: 1 });
  const A = 'a'.repeat(40),
    B = 'b'.repeat(40),
    C = 'c'.repeat(40);
  it.each([
    ['tip unchanged since the job: write', f('records/x', A, B), A, 'write'],
    ['new file, still absent: write', f('records/x', null, B), null, 'write'],
    ['already landed', f('records/x', A, B), B, 'already-landed'],
    ['appended by someone else', f('records/x', A, B), C, 'conflict'],
    ['deleted on the branch', f('records/x', A, B), null, 'conflict'],
    ['created by someone else', f('records/x', null, B), C, 'conflict'],
  ] as const)('%s', (_name, file, tip, action) => {
    expect(planLanding([file], new Map([[file.path, tip]]))[0]!.action).toBe(action);
  });

  it.each(['records/../package.json', '/etc/passwd', 'records/./x', 'records//x', 'records/.git/config', 'reports/a.md', 'records\\x', 'records/x\n'])(
    'a manifest path %j is refused for the apply flow',
    (p) => {
      const m = { format: 'opsgate.land/1', flow: 'apply', run: '1', part: 'apply', base_commit: A, created_at: '', files: [f(p, null, B)] };
      expect(validateManifest(m, 'm.json').problems.join('\n')).toContain('not a path the apply flow may write');
    },
  );
});
