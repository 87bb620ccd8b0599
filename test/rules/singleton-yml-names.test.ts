import { describe, expect, it } from 'vitest';
import { lintRepo } from '../../scripts/rules/index.ts';
import { singletonFileOf } from '../../scripts/rules/singleton-file.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';
import { orgFiles } from '../incident/org.ts';
import { calendar, change, host } from './fixture-docs.ts';

/**
 * Lint accepts every singleton policy spelled .yml. A diagnostic that tells the reader which policy to edit names
 * the file the repository has (policies/calendar.yml), never a policies/calendar.yaml that is not there.
 */
const ONCALL = `id: oncall
rotations:
  - {id: primary, title: 一线, members: [alice, bob], shift: {start: 2026-11-01T08:00:00+08:00, hours: 12}}
handover: {rotation: primary, since: 2026-11-01T20:00:00+08:00, lookback_hours: 26, acknowledge_within_minutes: 30}
`;
const HANDOVER = `id: HO-2026-11-03-0800
rotation: nights
boundary: 2026-11-03T08:00:00+08:00
outgoing: bob
incoming: alice
handed_over_at: 2026-11-03T08:00:00+08:00
open_incidents: []
upcoming_changes: []
failing_checks: []
`;
const APPROVAL =
  'id: approval\nteams:\n  ops:\n    title: Ops\n    members: [alice]\ngovernance:\n  paths: [policies/approval.yml]\n  require: { count: 1, from: { teams: [ops] } }\nrules:\n  - id: any\n    title: any\n    if: { kinds: [change] }\n    require: { count: 1, from: { teams: [ops] } }\n';
const ORGANISATION = 'id: organisation\nname: 云帆科技\ndefault_language: zh-CN\nallowed_secrets: [OTHER_URL]\n';
const BACKUP = `id: db
title: db
targets: {groups: [db]}
paths: [/var/backups/db]
tool: restic
repository: {url: /srv/restic/db, password_env: RESTIC_PASSWORD_DB}
offhost: {host: bk}
encryption: true
schedule: {full: "0 2 * * *"}
retention: {keep_daily: 7}
rpo_hours: 24
rto_hours: 4
verification: {restore_test_every_days: 30}
`;
/** On stg-01 (staging: no window applies), naming a secret the organisation does not allow. */
const CHANGE_ON_STAGING = change({ targets: '{ hosts: [stg-01] }', risk: 'low' }).replace(
  'steps:\n  - { id: restart, kind: run, argv: [systemctl, restart, nginx] }',
  'steps:\n  - { id: restart, kind: run, argv: [systemctl, restart, nginx], env: { TOKEN: "${{ secrets.DEPLOY_TOKEN }}" } }',
);
/** On db-01, checking a backup whose password the organisation does not allow. */
const CHANGE_WITH_BACKUP = change({ id: 'CHG-2026-0002', targets: '{ hosts: [db-01] }', risk: 'high' }).replace(
  'steps:',
  'prechecks:\n  - { id: fresh, backup_fresh: { policy: db, within_hours: 24 } }\nsteps:',
);

/** The organisation of the incident tests with every singleton policy spelled .yml, and one fault per message. */
function ymlFiles(): Record<string, string> {
  const files: Record<string, string> = {
    ...orgFiles(),
    'policies/calendar.yaml': calendar,
    'policies/oncall.yaml': ONCALL,
    'policies/approval.yaml': APPROVAL,
    'policies/organisation.yaml': ORGANISATION,
    'policies/backup/db.yaml': BACKUP,
    'inventory/hosts/web-02.yaml': host('web-02').replace('owner_team: ops', 'owner_team: opz'),
    'incidents/handovers/2026/HO-2026-11-03-0800.yaml': HANDOVER,
    'changes/2026/CHG-2026-0001.yaml': CHANGE_ON_STAGING,
    'changes/2026/CHG-2026-0002.yaml': CHANGE_WITH_BACKUP,
  };
  files['policies/sla.yaml'] =
    `${files['policies/sla.yaml']!.replace('escalate_to: [bob], report_due_hours: 72', 'escalate_to: [nobody], report_due_hours: 72')}notify:\n  channels:\n    - {id: dt, type: dingtalk, url_env: DT_URL}\n`;
  for (const stem of ['calendar', 'oncall', 'approval', 'organisation', 'sla']) {
    files[`policies/${stem}.yml`] = files[`policies/${stem}.yaml`]!;
    delete files[`policies/${stem}.yaml`];
  }
  return files;
}

const SINGLETON_YAML = /policies\/(calendar|approval|organisation|sla|oncall)\.yaml/;

describe('lint names the singleton policy the repository has (.yml), not policies/<name>.yaml', async () => {
  const repo = await repoFromFiles(ymlFiles());
  const found = lintRepo({ repo, now: new Date('2026-11-27T10:00:00+08:00'), existingFiles: new Set() });
  const text = (code: string) =>
    found
      .filter((d) => d.code === code)
      .map((d) => `${d.message} | ${d.hint ?? ''}`)
      .join('\n');

  it('the fixture loads without errors', () => {
    expect(repo.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it.each([
    ['change.outside-maintenance-window', 'policies/calendar.yml'],
    ['change.secret-not-allowed', 'policies/organisation.yml'],
    ['backup.secret-not-allowed', 'policies/organisation.yml'],
    ['sla.notify-secret-not-allowed', 'policies/organisation.yml'],
    ['sla.unknown-person', 'policies/approval.yml'],
    ['reference.unknown', 'policies/approval.yml'],
    ['handover.unknown-rotation', 'policies/oncall.yml'],
  ])('%s names %s', (code, file) => {
    expect(text(code)).toContain(file);
    expect(text(code)).not.toMatch(SINGLETON_YAML);
  });

  it('no message or hint names a singleton policy spelled .yaml', () => {
    expect(found.filter((d) => SINGLETON_YAML.test(`${d.message} ${d.hint ?? ''}`)).map((d) => `${d.code}: ${d.message} | ${d.hint}`)).toEqual([]);
  });
});

describe('singletonFileOf', () => {
  it('names the loaded document, a .yml that did not load, or the .yaml to create', async () => {
    const repo = await repoFromFiles({ 'policies/calendar.yml': calendar, 'policies/oncall.yml': 'id: oncall\nrotations: 3\n' });
    expect(repo.one('oncall')).toBeUndefined();
    expect(singletonFileOf(repo, 'calendar')).toBe('policies/calendar.yml');
    expect(singletonFileOf(repo, 'oncall')).toBe('policies/oncall.yml');
    expect(singletonFileOf(repo, 'sla')).toBe('policies/sla.yaml');
  });
});
