import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exists } from './yml-spelling-harness.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { handoverCommand } from '../../scripts/commands/handover.ts';
import { incidentCommand } from '../../scripts/commands/incident.ts';
import { newCommand } from '../../scripts/commands/new.ts';
import { lintRepo } from '../../scripts/rules/index.ts';
import { repoFromFiles, repoRoot } from '../helpers/repo-from-files.ts';
import { person } from '../rules/fixture-docs.ts';
import { runCommand, tempRepo } from '../incident/cli-harness.ts';
import { incident, orgFiles } from '../incident/org.ts';

/**
 * Lint accepts every document kind spelled .yaml or .yml (scripts/repo/kinds.ts). A command that finds a document by
 * its id must read the spelling that is there, refuse when both are, and never hand out or create an id a .yml
 * document already has.
 */
const ONCALL = `id: oncall
rotations:
  - {id: primary, title: 一线, members: [alice, bob], shift: {start: 2026-11-01T08:00:00+08:00, hours: 12}}
handover: {rotation: primary, since: 2026-11-01T20:00:00+08:00}
`;
const ALERTS = `
alerts:
  level_label: severity
  levels: {critical: 1, major: 2, warning: 3}
  default_level: 3
  rotation: primary
`;
const OPEN_INCIDENT = incident({
  status: 'open',
  acknowledged_at: null,
  analysed_at: null,
  resolved_at: null,
  closed_at: null,
  verification: null,
  feedback: null,
  report: null,
  root_cause: null,
  resolution: null,
});

const roots: string[] = [];
afterEach(async () => {
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true });
});

async function repo(extra: Record<string, string> = {}, drop: string[] = []): Promise<string> {
  const files: Record<string, string> = { ...orgFiles(), 'policies/oncall.yaml': ONCALL, ...extra };
  for (const f of drop) delete files[f];
  const root = await tempRepo(files);
  roots.push(root);
  return root;
}

describe('next ids see documents spelled .yml', () => {
  it('new change: a CHG-2026-0003.yml makes the next id CHG-2026-0004', async () => {
    const root = await repo({ 'changes/2026/CHG-2026-0001.yaml': 'x\n', 'changes/2026/CHG-2026-0003.yml': 'x\n' });
    const r = await runCommand(newCommand, root, ['change', '--title', '扩容'], '2026-11-11T10:00:00+08:00');
    expect(r.err).toBe('');
    expect(r.out).toContain('wrote changes/2026/CHG-2026-0004.yaml');
  });

  it('new incident: an INC-2026-0002.yml makes the next id INC-2026-0003', async () => {
    const root = await repo({ 'incidents/2026/INC-2026-0002.yml': 'x\n' });
    const r = await runCommand(newCommand, root, ['incident', '--title', '宕机', '--level', '2'], '2026-11-11T10:00:00+08:00');
    expect(r.err).toBe('');
    expect(r.out).toContain('wrote incidents/2026/INC-2026-0003.yaml');
  });

  it('incident open --from-alertmanager: an INC-2026-0002.yml makes the next id INC-2026-0003', async () => {
    const files = orgFiles();
    const root = await repo({
      'policies/sla.yaml': files['policies/sla.yaml']! + ALERTS,
      'inventory/hosts/db-01.yaml': files['inventory/hosts/db-01.yaml']!.replace(/^address: .*$/m, 'address: 10.20.3.31'),
      'incidents/2026/INC-2026-0002.yml': 'x\n',
    });
    const payload = path.join(repoRoot, 'test/fixtures/alertmanager/firing-db-01.json');
    const r = await runCommand(incidentCommand, root, ['open', '--from-alertmanager', payload, '--format', 'json'], '2026-12-03T21:15:30+08:00');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).opened).toMatchObject([{ id: 'INC-2026-0003', file: 'incidents/2026/INC-2026-0003.yaml' }]);
    expect((await readdir(path.join(root, 'incidents/2026'))).sort()).toEqual(['INC-2026-0002.yml', 'INC-2026-0003.yaml']);
  });
});

describe('incident ack|resolve|… read an incident and people spelled .yml', () => {
  const ack = (root: string) => runCommand(incidentCommand, root, ['ack', 'INC-2026-0001', '--by', 'alice', '--at', '2026-11-11T00:15'], '2026-11-11T00:50:00+08:00');

  it('an incident spelled .yml is edited in place, no .yaml is created', async () => {
    const root = await repo({ 'incidents/2026/INC-2026-0001.yml': OPEN_INCIDENT });
    const r = await ack(root);
    expect(r.err).toBe('');
    expect(r.out).toContain('incidents/2026/INC-2026-0001.yml: acknowledged');
    expect(await readFile(path.join(root, 'incidents/2026/INC-2026-0001.yml'), 'utf8')).toContain('acknowledged_at: 2026-11-11T00:15:00+08:00');
    expect(await exists(path.join(root, 'incidents/2026/INC-2026-0001.yaml'))).toBe(false);
  });

  it('both spellings of one incident: refused, both named, neither changed', async () => {
    const root = await repo({ 'incidents/2026/INC-2026-0001.yaml': OPEN_INCIDENT, 'incidents/2026/INC-2026-0001.yml': OPEN_INCIDENT });
    const r = await ack(root);
    expect(r.code).toBe(2);
    expect(r.err).toContain('incidents/2026/INC-2026-0001.yaml and incidents/2026/INC-2026-0001.yml both exist');
    expect(await readFile(path.join(root, 'incidents/2026/INC-2026-0001.yml'), 'utf8')).toBe(OPEN_INCIDENT);
    expect(await readFile(path.join(root, 'incidents/2026/INC-2026-0001.yaml'), 'utf8')).toBe(OPEN_INCIDENT);
  });

  it('a person spelled .yml is a person', async () => {
    const root = await repo({ 'incidents/2026/INC-2026-0001.yaml': OPEN_INCIDENT, 'policies/access/people/alice.yml': orgFiles()['policies/access/people/alice.yaml']! }, [
      'policies/access/people/alice.yaml',
    ]);
    const r = await ack(root);
    expect(r.err).toBe('');
    expect(r.out).toContain('acknowledged');
  });

  it('no person in either spelling: still refused', async () => {
    const root = await repo({ 'incidents/2026/INC-2026-0001.yaml': OPEN_INCIDENT }, ['policies/access/people/alice.yaml']);
    const r = await ack(root);
    expect(r.code).toBe(2);
    expect(r.err).toContain("no person 'alice'");
  });
});

describe('handover new|ack and a handover spelled .yml', () => {
  const made = async () => {
    const root = await repo();
    const r = await runCommand(handoverCommand, root, ['new'], '2026-11-11T07:40:00+08:00');
    expect(r.err).toBe('');
    const dir = path.join(root, 'incidents/handovers/2026');
    await rename(path.join(dir, 'HO-2026-11-11-0800.yaml'), path.join(dir, 'HO-2026-11-11-0800.yml'));
    return { root, dir };
  };

  it('handover ack acknowledges HO-….yml in place', async () => {
    const { root, dir } = await made();
    const r = await runCommand(handoverCommand, root, ['ack', 'HO-2026-11-11-0800', '--by', 'alice'], '2026-11-11T08:05:00+08:00');
    expect(r.err).toBe('');
    expect(r.out).toContain('incidents/handovers/2026/HO-2026-11-11-0800.yml: acknowledged by alice');
    expect(await readdir(dir)).toEqual(['HO-2026-11-11-0800.yml']);
  });

  it('handover new refuses to write HO-….yaml beside an HO-….yml: one id, two documents', async () => {
    const { root, dir } = await made();
    const r = await runCommand(handoverCommand, root, ['new'], '2026-11-11T07:45:00+08:00');
    expect(r.code).toBe(2);
    expect(r.err).toContain('incidents/handovers/2026/HO-2026-11-11-0800.yml already exists');
    expect(await readdir(dir)).toEqual(['HO-2026-11-11-0800.yml']);
  });

  it('handover ack with both spellings: refused, both named', async () => {
    const { root, dir } = await made();
    await writeFile(path.join(dir, 'HO-2026-11-11-0800.yaml'), await readFile(path.join(dir, 'HO-2026-11-11-0800.yml')));
    const r = await runCommand(handoverCommand, root, ['ack', 'HO-2026-11-11-0800', '--by', 'alice'], '2026-11-11T08:05:00+08:00');
    expect(r.code).toBe(2);
    expect(r.err).toContain('HO-2026-11-11-0800.yaml and incidents/handovers/2026/HO-2026-11-11-0800.yml both exist');
  });
});

describe('lint names the person file the repository has', () => {
  it('approval.member-no-github-id and approval.member-no-login name policies/access/people/<id>.yml', async () => {
    const approval =
      'id: approval\nteams:\n  ops:\n    title: Ops\n    members: [alice, bob, carol]\ngovernance:\n  paths: [policies/approval.yaml]\n  require: { count: 1, from: { teams: [ops] } }\nrules:\n  - id: any\n    title: any\n    if: { kinds: [change] }\n    require: { count: 1, from: { teams: [ops] } }\n';
    const repo = await repoFromFiles({
      'policies/approval.yaml': approval,
      'policies/access/people/alice.yaml': person('alice') + 'github_id: 101\n',
      'policies/access/people/bob.yml': person('bob'),
      'policies/access/people/carol.yml': person('carol').replace('github: carol-gh\n', ''),
    });
    const ds = lintRepo({ repo, now: new Date('2026-11-27T03:00:00Z'), existingFiles: new Set() }).filter((d) => d.code.startsWith('approval.member-no-'));
    expect(ds.map((d) => d.code).sort()).toEqual(['approval.member-no-github-id', 'approval.member-no-login']);
    expect(ds.find((d) => d.code === 'approval.member-no-github-id')!.message).toContain('(policies/access/people/bob.yml has no github_id)');
    expect(ds.find((d) => d.code === 'approval.member-no-login')!.message).toContain('(policies/access/people/carol.yml)');
  });
});
