import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { incidentCommand } from '../../scripts/commands/incident.ts';
import { parseAlertPayload, matchInstance } from '../../scripts/incident/alertmanager.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';
import { orgFiles } from './org.ts';
import { runCommand, tempRepo } from './cli-harness.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a payload under attack: any shape goes
type Payload = any;
const fixture = (name: string) => readFile(path.join(repoRoot, 'test/fixtures/alertmanager', name), 'utf8');
const alerts = `
alerts:
  level_label: severity
  levels: {critical: 1, major: 2, warning: 3}
  default_level: 3
  rotation: primary
`;
const oncall = 'id: oncall\nrotations:\n  - {id: primary, title: 一线, members: [alice, carol], shift: {start: 2026-11-01T08:00:00+08:00, hours: 12}}\n';
const roots: string[] = [];
async function repo() {
  const files = orgFiles();
  files['policies/sla.yaml'] += alerts;
  files['policies/oncall.yaml'] = oncall;
  files['inventory/hosts/db-01.yaml'] = files['inventory/hosts/db-01.yaml']!.replace(/^address: .*$/m, 'address: 10.20.3.31');
  const root = await tempRepo(files);
  roots.push(root);
  return root;
}
afterEach(async () => {
  for (const r of roots.splice(0)) await rm(r, { recursive: true, force: true });
});
const open = (root: string, file: string, at = '2026-12-03T21:15:30+08:00') => runCommand(incidentCommand, root, ['open', '--from-alertmanager', file, '--format', 'json'], at);
const incidentFiles = async (root: string) => (await readdir(path.join(root, 'incidents/2026')).catch(() => [] as string[])).sort();

describe('Alertmanager webhook payload (version 4)', () => {
  it('reads the documented fields', async () => {
    const r = parseAlertPayload(await fixture('firing-db-01.json'), 'payload.json');
    expect(r.diagnostics).toEqual([]);
    expect(r.payload!.alerts[0]).toMatchObject({ status: 'firing', fingerprint: 'a1b2c3d4e5f60718', labels: { severity: 'critical', instance: '10.20.3.31:9104' } });
    expect(r.payload!.alerts[0]!.endsAt).toBeUndefined();
  });

  it.each([
    [
      'a huge label value',
      (p: Payload) => {
        p.alerts[0].labels.job = 'x'.repeat(100_000);
      },
      'alert.value-too-long',
      '/alerts/0/labels/job',
      10,
    ],
    [
      'a control character in an annotation',
      (p: Payload) => {
        p.alerts[0].annotations.summary = 'db-01\u001b[31m 连接数';
      },
      'alert.control-character',
      '/alerts/0/annotations/summary',
      14,
    ],
    [
      'a right-to-left override in a label',
      (p: Payload) => {
        p.alerts[0].labels.severity = 'crit\u202eical';
      },
      'alert.control-character',
      '/alerts/0/labels/severity',
      11,
    ],
    [
      'payload version 3',
      (p: Payload) => {
        p.version = '3';
      },
      'alert.version',
      '/version',
      36,
    ],
    [
      'a startsAt that is not a time',
      (p: Payload) => {
        p.alerts[0].startsAt = 'yesterday';
      },
      'alert.time',
      '/alerts/0/startsAt',
      17,
    ],
    [
      'a fingerprint that is not hex',
      (p: Payload) => {
        p.alerts[0].fingerprint = '../../etc/passwd';
      },
      'alert.fingerprint',
      '/alerts/0/fingerprint',
      20,
    ],
    [
      '100 labels',
      (p: Payload) => {
        for (let i = 0; i < 100; i++) p.alerts[0].labels[`l${i}`] = 'v';
      },
      'alert.too-many',
      '/alerts/0/labels',
      7,
    ],
  ])('%s → %s, located', async (_n, mutate, code, pointer, line) => {
    const p = JSON.parse(await fixture('firing-db-01.json'));
    mutate(p);
    const r = parseAlertPayload(JSON.stringify(p, null, 2), 'payload.json');
    expect(r.payload).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.code, d.pointer, d.line])).toContainEqual([code, pointer, line]);
  });

  it('a payload over 1 MiB and text that is not JSON are refused with a location', () => {
    expect(parseAlertPayload(`{"version":"4","x":"${'a'.repeat(1_100_000)}"}`, 'p.json').diagnostics[0]!.code).toBe('alert.too-large');
    const bad = parseAlertPayload('{\n  "version": "4",\n  "alerts": [,]\n}', 'p.json');
    expect(bad.diagnostics[0]).toMatchObject({ code: 'alert.json', line: 3 });
  });

  it.each([
    ['10.20.3.31:9104', 'db-01'],
    ['db-01:9100', 'db-01'],
    ['db-01.prod.example.com:9100', 'db-01'],
    ['[10.20.3.31]:9100', 'db-01'],
    ['10.20.3.99:9100', undefined],
  ])('instance %s → %s', (instance, host) => {
    expect(
      matchInstance(instance, [
        { id: 'db-01', data: { address: '10.20.3.31' } },
        { id: 'web-01', data: { address: '10.20.1.11' } },
      ]),
    ).toBe(host);
  });
});

describe('opsgate incident open --from-alertmanager', () => {
  it('opens one incident: level from the severity label, host from instance, detected_at from startsAt, on-duty person as reporter', async () => {
    const root = await repo();
    const r = await open(root, path.join(repoRoot, 'test/fixtures/alertmanager/firing-db-01.json'));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).opened).toEqual([{ id: 'INC-2026-0001', file: 'incidents/2026/INC-2026-0001.yaml', level: 1, fingerprint: 'a1b2c3d4e5f60718' }]);
    const text = await readFile(path.join(root, 'incidents/2026/INC-2026-0001.yaml'), 'utf8');
    expect(text).toContain('detected_at: 2026-12-03T21:14:05+08:00');
    expect(text).toContain('reported_at: 2026-12-03T21:15:30+08:00');
    expect(text).toContain('hosts: [db-01]');
    expect(text).toMatch(/reporter: carol\nhandler: carol/);
    expect(text).toContain('status: pending');
  });

  it('a repeated alert with the same fingerprint updates the open incident; its resolution is noted; nothing opens twice', async () => {
    const root = await repo();
    await open(root, path.join(repoRoot, 'test/fixtures/alertmanager/firing-db-01.json'));
    const again = await open(root, path.join(repoRoot, 'test/fixtures/alertmanager/firing-db-01.json'), '2026-12-03T21:20:00+08:00');
    expect(JSON.parse(again.out)).toMatchObject({ opened: [], updated: [{ id: 'INC-2026-0001' }] });
    const resolved = await open(root, path.join(repoRoot, 'test/fixtures/alertmanager/resolved-db-01.json'), '2026-12-03T21:53:00+08:00');
    expect(JSON.parse(resolved.out).updated).toHaveLength(1);
    expect(await incidentFiles(root)).toEqual(['INC-2026-0001.yaml']);
    const text = await readFile(path.join(root, 'incidents/2026/INC-2026-0001.yaml'), 'utf8');
    expect(text).toMatch(/received: 3/);
    expect(text).toMatch(/status: resolved\n/);
    expect(text).toContain('ends_at: 2026-12-03T21:52:00+08:00');
    expect(text).toContain('Alertmanager 告警恢复');
    expect(text).toMatch(/^status: open$/m);
  });

  it.each([['unknown-instance.json', 'alert.unknown-instance', /unknown-instance\.json:9:\d+ +alert\.unknown-instance/]])('%s: a located error, exit 2, nothing written', async (file, code, where) => {
    const root = await repo();
    const r = await open(root, path.join(repoRoot, 'test/fixtures/alertmanager', file));
    expect(r.code).toBe(2);
    expect(r.err).toContain(code);
    expect(r.err).toMatch(where);
    expect(await incidentFiles(root)).toEqual([]);
  });

  it('hostile labels reach no document and no terminal', async () => {
    const root = await repo();
    const p = JSON.parse(await fixture('firing-db-01.json'));
    p.alerts[0].annotations.summary = '\u001b]0;pwned\u0007 ::set-output name=x::y';
    const { writeFile } = await import('node:fs/promises');
    const file = path.join(root, 'hostile.json');
    await writeFile(file, JSON.stringify(p, null, 2));
    const r = await open(root, file);
    expect(r.code).toBe(2);
    expect(r.err).not.toContain('\u001b');
    expect(r.err).toContain('alert.control-character');
    expect(await incidentFiles(root)).toEqual([]);
  });

  it.each([
    [
      'a label name Prometheus would refuse',
      (p: Payload) => {
        p.alerts[0].labels['bad-name'] = 'x';
      },
      'alert.label-name',
      '/alerts/0/labels',
    ],
    [
      'a status that is neither firing nor resolved',
      (p: Payload) => {
        p.alerts[0].status = 'pending';
      },
      'alert.shape',
      '/alerts/0/status',
    ],
    [
      'no alerts at all',
      (p: Payload) => {
        p.alerts = [];
      },
      'alert.shape',
      '/alerts',
    ],
  ])('%s → %s, located', async (_n, mutate, code, pointer) => {
    const p = JSON.parse(await fixture('firing-db-01.json'));
    mutate(p);
    const r = parseAlertPayload(JSON.stringify(p, null, 2), 'payload.json');
    expect(r.payload).toBeUndefined();
    const d = r.diagnostics.find((x) => x.code === code && x.pointer === pointer);
    expect(d).toBeDefined();
    expect(d!.line).toBeGreaterThan(1);
    expect(d!.hint).toBeTruthy();
  });

  it.each([
    [
      'an alert without an instance label',
      (p: Payload) => {
        delete p.alerts[0].labels.instance;
      },
      true,
      'alert.no-instance',
    ],
    ['a policy without an alerts: mapping', () => {}, false, 'alert.no-mapping'],
  ])('%s: %s, nothing written', async (_n, mutate, mapping, code) => {
    const root = await repo();
    const { writeFile } = await import('node:fs/promises');
    if (!mapping) await writeFile(path.join(root, 'policies/sla.yaml'), orgFiles()['policies/sla.yaml']!);
    const p = JSON.parse(await fixture('firing-db-01.json'));
    mutate(p);
    const file = path.join(root, 'payload.json');
    await writeFile(file, JSON.stringify(p, null, 2));
    const r = await open(root, file);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(code);
    expect(await incidentFiles(root)).toEqual([]);
  });
});
