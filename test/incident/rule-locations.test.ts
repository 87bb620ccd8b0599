import { describe, expect, it } from 'vitest';
import { lintRepo } from '../../scripts/rules/index.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';
import { incident, orgFiles, slaYaml, vendor } from './org.ts';

/**
 * Issue 15 asks for a test of every lint rule with a located diagnostic.
 * These are the rules of the incident, SLA, contact and handover documents
 * that no other test names: each case plants one problem and asserts the
 * code, the file, the pointer and the line it sits on.
 */
const oncall = `id: oncall
rotations:
  - {id: primary, title: 一线, members: [alice, bob], shift: {start: 2026-11-01T08:00:00+08:00, hours: 12}}
handover: {rotation: primary, since: 2026-11-01T20:00:00+08:00, lookback_hours: 26, acknowledge_within_minutes: 30}
`;
const handover = (over: Record<string, string> = {}) => {
  const f: Record<string, string> = {
    id: 'HO-2026-11-03-0800',
    rotation: 'primary',
    boundary: '2026-11-03T08:00:00+08:00',
    outgoing: 'bob',
    incoming: 'alice',
    handed_over_at: '2026-11-03T08:00:00+08:00',
    open_incidents: '[]',
    upcoming_changes: '[]',
    failing_checks: '[]',
    acknowledgement: '{by: alice, at: 2026-11-03T08:10:00+08:00}',
    ...over,
  };
  return (
    Object.entries(f)
      .map(([k, v]) => `${k}: ${v}`)
      .join('\n') + '\n'
  );
};
const HO = 'incidents/handovers/2026/HO-2026-11-03-0800.yaml';
const INC = 'incidents/2026/INC-2026-0001.yaml';

interface Case {
  name: string;
  files: Record<string, string>;
  code: string;
  file: string;
  pointer: string;
  /** Text on the line the diagnostic must point at. */
  marker: string;
}

const cases: Case[] = [
  {
    name: 'a contract that starts after it expires',
    files: { 'policies/contacts/db-vendor.yaml': vendor().replace('contract: {expires: 2027-06-30}', 'contract:\n  starts: 2027-07-01\n  expires: 2027-06-30') },
    code: 'contact.contract-order',
    file: 'policies/contacts/db-vendor.yaml',
    pointer: '/contract/starts',
    marker: 'starts: 2027-07-01',
  },
  {
    name: 'an acknowledgement before the report',
    files: { [INC]: incident({ acknowledged_at: '2026-11-11T00:11:00+08:00' }) },
    code: 'incident.time-order',
    file: INC,
    pointer: '/acknowledged_at',
    marker: 'acknowledged_at:',
  },
  {
    name: 'a resolution before the acknowledgement, and no close yet',
    files: { [INC]: incident({ status: 'resolved', closed_at: null, resolved_at: '2026-11-11T00:14:00+08:00' }) },
    code: 'incident.time-order',
    file: INC,
    pointer: '/resolved_at',
    marker: 'resolved_at:',
  },
  {
    name: 'a postmortem done without its date',
    files: { [INC]: incident({ postmortem: '{status: done}' }) },
    code: 'incident.postmortem-date',
    file: INC,
    pointer: '/postmortem',
    marker: 'postmortem:',
  },
  {
    name: 'an SLA without level 4',
    files: { 'policies/sla.yaml': slaYaml().replace('{level: 4,', '{level: 3,') },
    code: 'sla.missing-level',
    file: 'policies/sla.yaml',
    pointer: '/levels',
    marker: '{level: 1,',
  },
  {
    name: 'a resolution target shorter than the acknowledgement target',
    files: { 'policies/sla.yaml': slaYaml().replace('acknowledge_minutes: 30, resolve_minutes: 480', 'acknowledge_minutes: 30, resolve_minutes: 20') },
    code: 'sla.order',
    file: 'policies/sla.yaml',
    pointer: '/levels/2/resolve_minutes',
    marker: 'resolve_minutes: 20',
  },
  {
    name: 'a supervisor who is nobody',
    files: { 'policies/sla.yaml': slaYaml().replace('supervisors: [bob]', 'supervisors: [nobody]') },
    code: 'sla.unknown-person',
    file: 'policies/sla.yaml',
    pointer: '/supervisors/0',
    marker: 'supervisors: [nobody]',
  },
  {
    name: 'a robot secret the organisation does not allow',
    files: {
      'policies/organisation.yaml': 'id: organisation\nname: 云帆科技\ndefault_language: zh-CN\nallowed_secrets: [OTHER_URL]\n',
      'policies/sla.yaml': `${slaYaml()}notify:\n  channels:\n    - {id: dt, type: dingtalk, url_env: DT_URL}\n`,
    },
    code: 'sla.notify-secret-not-allowed',
    file: 'policies/sla.yaml',
    pointer: '/notify/channels/0/url_env',
    marker: '{id: dt,',
  },
  {
    name: 'a handover rotation that does not exist',
    files: { 'policies/oncall.yaml': oncall.replace('handover: {rotation: primary', 'handover: {rotation: nights') },
    code: 'handover.unknown-rotation',
    file: 'policies/oncall.yaml',
    pointer: '/handover/rotation',
    marker: 'handover:',
  },
  {
    name: 'a handover whose id is not its boundary',
    files: { [HO]: handover({ boundary: '2026-11-03T20:00:00+08:00', handed_over_at: '2026-11-03T20:00:00+08:00' }) },
    code: 'handover.id-mismatch',
    file: HO,
    pointer: '/id',
    marker: 'id: HO-',
  },
  { name: 'a handover from nobody', files: { [HO]: handover({ outgoing: 'nobody' }) }, code: 'handover.unknown-person', file: HO, pointer: '/outgoing', marker: 'outgoing: nobody' },
  {
    name: 'a handover listing an incident that does not exist',
    files: { [HO]: handover({ open_incidents: '\n  - {id: INC-2026-0999}' }) },
    code: 'handover.unknown-reference',
    file: HO,
    pointer: '/open_incidents/0/id',
    marker: 'INC-2026-0999',
  },
];

describe('every rule of issue 15 is located', () => {
  it.each(cases)('$name: $code at $file $pointer', async (c) => {
    const files: Record<string, string> = { ...orgFiles(), 'policies/oncall.yaml': oncall, [INC]: incident(), ...c.files };
    const repo = await repoFromFiles(files);
    expect(repo.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const found = lintRepo({ repo, now: new Date('2026-11-03T12:00:00+08:00'), existingFiles: new Set() }).filter((d) => d.code === c.code);
    const line = files[c.file]!.split('\n').findIndex((l) => l.includes(c.marker)) + 1;
    expect(line).toBeGreaterThan(0);
    expect(found).toEqual([expect.objectContaining({ file: c.file, pointer: c.pointer, line })]);
    expect(found[0]!.hint).toBeTruthy();
  });
});
