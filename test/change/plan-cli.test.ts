import { execFileSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { changeDoc, REPO } from './harness.ts';
import { captureStdio } from '../helpers/capture.ts';

let root: string;
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIM2Uj8WlexrP06/DKvzBpZcRVzyQsh/Wqn4UxYE3JaMr';

async function write(rel: string, data: unknown) {
  await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
  await writeFile(path.join(root, rel), typeof data === 'string' ? data : stringify(data));
}
async function cli(...args: string[]) {
  const io = captureStdio();
  const code = await runCli(['--root', root, ...args], { env: {}, stdout: io.stdout, stderr: io.stderr, cwd: root });
  return { code, out: io.out(), err: io.err() };
}

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'og-plan-'));
  await cp(path.join(REPO, 'schemas'), path.join(root, 'schemas'), { recursive: true });
  for (const id of ['web-01', 'web-02', 'web-03']) {
    await write(`inventory/hosts/${id}.yaml`, { id, address: `${id}.example.net`, user: 'ops', host_keys: [KEY], groups: ['web'], env: 'prod', criticality: 'medium', owner_team: 'ops' });
  }
  await write('files/site.conf', 'server {}\n');
  await write(
    'changes/2026/CHG-2026-0001.yaml',
    changeDoc('CHG-2026-0001', {
      targets: { groups: ['web'] },
      steps: [
        { id: 'conf', kind: 'upload', source: 'files/site.conf', dest: '/etc/nginx/conf.d/site.conf', mode: '0644', owner: 'root', group: 'root' },
        { id: 'reload', kind: 'run', argv: ['systemctl', 'reload', 'nginx'], sudo: true },
      ],
      rollout: { canary: 1, batch_size: 2 },
    }),
  );
  await write(
    'changes/2026/CHG-2026-0002.yaml',
    changeDoc('CHG-2026-0002', { targets: { hosts: ['web-01'] }, steps: [{ id: 'conf', kind: 'upload', source: 'files/missing.conf', dest: '/etc/x', mode: '0644' }] }),
  );
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('opsgate plan', () => {
  it('prints batches and every command as text, markdown and json; runs nothing', async () => {
    const t = await cli('plan', 'CHG-2026-0001');
    expect(t.code).toBe(0);
    expect(t.out).toContain('batch 1 (canary): web-01');
    expect(t.out).toContain('batch 2: web-02, web-03');
    expect(t.out).toContain('$ sudo -n -- systemctl reload nginx');
    expect(t.out).toContain('< files/site.conf (10 bytes');
    const md = await cli('plan', 'CHG-2026-0001', '--format', 'markdown');
    expect(md.out).toContain('### Plan for CHG-2026-0001');
    const js = await cli('plan', 'CHG-2026-0001', '--format=json');
    expect(JSON.parse(js.out).batches).toHaveLength(2);
    // apply --dry-run prints the same plan, read from the committed tree (apply never reads the working tree).
    const noCommit = await cli('apply', 'CHG-2026-0001', '--dry-run');
    expect(noCommit.code).toBe(2);
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: root });
    execFileSync('git', ['add', '-A'], { cwd: root });
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '-m', 'base'], { cwd: root });
    const dry = await cli('apply', 'CHG-2026-0001', '--dry-run');
    expect(dry.out).toBe(t.out);
  });
  it('reports a missing upload source at its line, exit 2', async () => {
    const r = await cli('plan', 'CHG-2026-0002');
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/changes\/2026\/CHG-2026-0002\.yaml:\d+:\d+ {2}plan\.missing-file/);
  });
  it('refuses an unknown change and bad flags with exit 2', async () => {
    expect((await cli('plan', 'CHG-2026-0999')).code).toBe(2);
    expect((await cli('plan', 'CHG-2026-0001', '--format', 'pdf')).code).toBe(2);
    expect((await cli('apply', 'CHG-2026-0001', '--resolve', 'x')).code).toBe(2);
    expect((await cli('apply')).code).toBe(2);
  });
});
