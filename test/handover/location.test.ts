import { rm } from 'node:fs/promises';
import picomatch from 'picomatch';
import { afterAll, describe, expect, it } from 'vitest';
import { incidentsCommand } from '../../scripts/commands/incidents.ts';
import { handoverPath } from '../../scripts/handover/boundaries.ts';
import { readWatchRepo } from '../../scripts/notify/load.ts';
import { DOCUMENT_ROOTS, matchKind } from '../../scripts/repo/kinds.ts';
import { readRepo } from '../../scripts/repo/read-repo.ts';
import { renderVscodeSettings } from '../../scripts/scaffold/init.ts';
import { runCommand, tempRepo } from '../incident/cli-harness.ts';
import { openIncident, orgFiles } from '../incident/org.ts';

/**
 * Handovers live under incidents/ (incidents/handovers/YYYY/) because the
 * repository's top level is fixed. The attack: everything that gathers
 * incidents by folder now walks past handover files, and a handover folder
 * can hold a file that looks exactly like an open incident. None of it may be
 * read, watched or validated as an incident.
 */
const HO = 'HO-2026-11-11-0800';
const handover = `id: ${HO}
rotation: primary
boundary: 2026-11-11T08:00:00+08:00
outgoing: bob
incoming: alice
handed_over_at: 2026-11-11T08:00:00+08:00
open_incidents: []
upcoming_changes: []
failing_checks: []
`;
const oncall = 'id: oncall\nrotations:\n  - {id: primary, title: 一线, members: [alice, bob], shift: {start: 2026-11-01T08:00:00+08:00, hours: 12}}\n';
const notify = '\nnotify:\n  channels:\n    - {id: wh, type: webhook, url_env: WH_URL}\n';

const roots: string[] = [];
afterAll(async () => {
  for (const r of roots) await rm(r, { recursive: true, force: true });
});

async function repoWithDecoy(): Promise<string> {
  const files = {
    ...orgFiles(),
    'policies/oncall.yaml': oncall,
    'incidents/2026/INC-2026-0001.yaml': openIncident({ id: 'INC-2026-0001' }),
    [handoverPath(HO)]: handover,
    // An open incident, word for word, dropped where handovers live (a year folder and the folder itself).
    'incidents/handovers/2026/INC-2026-0002.yaml': openIncident({ id: 'INC-2026-0002' }),
    'incidents/handovers/INC-2026-0003.yaml': openIncident({ id: 'INC-2026-0003' }),
  };
  files['policies/sla.yaml'] += notify;
  const root = await tempRepo(files);
  roots.push(root);
  return root;
}

describe('handovers live in incidents/handovers/YYYY/ and are never incidents', () => {
  it.each([
    ['incidents/handovers/2026/HO-2026-11-11-0800.yaml', 'handover'],
    ['incidents/handovers/2026/INC-2026-0002.yaml', 'handover'],
    ['incidents/2026/INC-2026-0001.yaml', 'incident'],
    ['incidents/handovers/INC-2026-0003.yaml', undefined],
    ['incidents/handovers/2026/x/HO-2026-11-11-0800.yaml', undefined],
  ])('%s is a %s', (file, kind) => {
    expect(matchKind(file)?.kind).toBe(kind);
  });

  it('the top level holds no handovers folder: handovers are read under incidents/', () => {
    expect(DOCUMENT_ROOTS as readonly string[]).not.toContain('handovers');
    expect(handoverPath(HO)).toBe(`incidents/handovers/2026/${HO}.yaml`);
  });

  it('lint reads the handover as a handover, never the decoys as incidents, and locates the stray one', async () => {
    const repo = await readRepo(await repoWithDecoy());
    expect(repo.all('incident').map((d) => d.id)).toEqual(['INC-2026-0001']);
    expect(repo.all('handover').map((d) => d.file)).toEqual([`incidents/handovers/2026/${HO}.yaml`]);
    const decoy = repo.diagnostics.filter((d) => d.file === 'incidents/handovers/2026/INC-2026-0002.yaml');
    expect(decoy.length).toBeGreaterThan(0); // validated against the handover schema, and refused
    const stray = repo.diagnostics.find((d) => d.file === 'incidents/handovers/INC-2026-0003.yaml');
    expect(stray).toMatchObject({ code: 'repo.unknown-location', line: 1, col: 1 });
    expect(stray!.hint).toContain('incidents/handovers/YYYY/');
  });

  it('watch loads no file under incidents/handovers/ and notifies only the real incident', async () => {
    const root = await repoWithDecoy();
    const repo = await readWatchRepo(root);
    expect([...repo.files].filter((f) => f.includes('handovers'))).toEqual([]);
    expect(repo.diagnostics).toEqual([]);
    const r = await runCommand(incidentsCommand, root, ['watch', '--dry-run', '--format', 'json', '--at', '2026-11-11T00:30:00+08:00'], '2026-11-11T00:30:00+08:00', {
      WH_URL: 'http://127.0.0.1:9/hook',
    });
    expect(r.err).toBe('');
    const planned = JSON.parse(r.out) as { results: { key: string }[] };
    expect(planned.results.length).toBeGreaterThan(0);
    expect(planned.results.every((x) => x.key.includes('INC-2026-0001'))).toBe(true);
  });

  it('opsgate init maps the editor schemas so no handover is validated as an incident', () => {
    const settings = JSON.parse(renderVscodeSettings(['incident.schema.json', 'handover.schema.json']))['yaml.schemas'] as Record<string, string>;
    const incidentGlob = picomatch(settings['./schemas/incident.schema.json']!);
    const handoverGlob = picomatch(settings['./schemas/handover.schema.json']!);
    expect(handoverGlob(`incidents/handovers/2026/${HO}.yaml`)).toBe(true);
    expect(incidentGlob(`incidents/handovers/2026/${HO}.yaml`)).toBe(false);
    expect(incidentGlob('incidents/handovers/INC-2026-0003.yaml')).toBe(false);
    expect(incidentGlob('incidents/2026/INC-2026-0001.yaml')).toBe(true);
  });
});
