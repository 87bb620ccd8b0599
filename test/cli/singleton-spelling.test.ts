import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exists } from './yml-spelling-harness.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { calendarCommand } from '../../scripts/commands/calendar.ts';
import { handoverCommand } from '../../scripts/commands/handover.ts';
import { incidentCommand } from '../../scripts/commands/incident.ts';
import { readWatchRepo } from '../../scripts/notify/load.ts';
import { singletonPath } from '../../scripts/repo/singleton-path.ts';
import { runCommand, tempRepo } from '../incident/cli-harness.ts';
import { BERLIN_INCIDENT, BERLIN_ONCALL, orgFiles } from '../incident/org.ts';

/**
 * Lint and the gate accept a singleton policy as .yaml or .yml. Every other command must read the same file:
 * a repository whose calendar is policies/calendar.yml in Europe/Berlin is never read as Asia/Shanghai.
 */
const BERLIN = 'id: calendar\ntimezone: Europe/Berlin\nmaintenance_windows: []\n';

const roots: string[] = [];
afterEach(async () => {
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true });
});

/** The organisation's files with the calendar spelled .yml (and no .yaml), plus `extra`. */
async function ymlRepo(extra: Record<string, string> = {}): Promise<string> {
  const files: Record<string, string> = { ...orgFiles(), ...extra };
  delete files['policies/calendar.yaml'];
  files['policies/calendar.yml'] = BERLIN;
  const root = await tempRepo(files);
  roots.push(root);
  return root;
}

describe('a singleton policy spelled .yml is read by every command, not only lint and the gate', () => {
  it('incident ack reads the time zone from policies/calendar.yml', async () => {
    const root = await ymlRepo({ 'incidents/2026/INC-2026-0001.yaml': BERLIN_INCIDENT });
    const r = await runCommand(incidentCommand, root, ['ack', 'INC-2026-0001', '--by', 'alice', '--at', '2026-11-11T00:15'], '2026-11-11T00:50:00+01:00');
    expect(r.err).toBe('');
    expect(r.out).toContain('acknowledged at 2026-11-11T00:15:00+01:00 by alice');
  });

  it('handover ack reads the time zone from policies/calendar.yml', async () => {
    const root = await ymlRepo({ 'policies/oncall.yaml': BERLIN_ONCALL });
    const made = await runCommand(handoverCommand, root, ['new'], '2026-11-11T07:40:00+01:00');
    expect(made.err).toBe('');
    const ack = await runCommand(handoverCommand, root, ['ack', 'HO-2026-11-11-0800', '--by', 'alice'], '2026-11-11T08:05:00+01:00');
    expect(ack.err).toBe('');
    expect(ack.out).toContain('acknowledged by alice at 2026-11-11T08:05:00+01:00');
  });

  it('incidents watch loads policies/calendar.yml', async () => {
    const root = await ymlRepo();
    const repo = await readWatchRepo(root);
    expect(repo.one('calendar')?.data.timezone).toBe('Europe/Berlin');
  });

  it('calendar sync rewrites policies/calendar.yml and creates no policies/calendar.yaml', async () => {
    const root = await ymlRepo();
    const r = await runCommand(calendarCommand, root, ['sync', '--year', '2026'], '2026-11-11T00:00:00+01:00');
    expect(r.err).toBe('');
    expect(r.out).toContain('policies/calendar.yml: ');
    expect(await exists(path.join(root, 'policies/calendar.yaml'))).toBe(false);
    expect(await readFile(path.join(root, 'policies/calendar.yml'), 'utf8')).toMatch(/^timezone: Europe\/Berlin$/m);
  });

  it('both spellings at once: the command refuses with both files named instead of picking one', async () => {
    const root = await ymlRepo({ 'incidents/2026/INC-2026-0001.yaml': BERLIN_INCIDENT });
    await writeFile(path.join(root, 'policies/calendar.yaml'), 'id: calendar\ntimezone: Asia/Shanghai\nmaintenance_windows: []\n');
    const r = await runCommand(incidentCommand, root, ['ack', 'INC-2026-0001', '--by', 'alice', '--at', '2026-11-11T00:15'], '2026-11-11T00:50:00+01:00');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/policies\/calendar\.yaml and policies\/calendar\.yml both exist/);
  });

  it('singletonPath: the spelling present, .yaml when none is', async () => {
    const root = await ymlRepo();
    expect(singletonPath(root, 'policies/calendar')).toBe('policies/calendar.yml');
    expect(singletonPath(root, 'policies/sla')).toBe('policies/sla.yaml');
    expect(singletonPath(root, 'policies/approval')).toBe('policies/approval.yaml');
  });
});
