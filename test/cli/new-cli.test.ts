import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it, onTestFinished } from 'vitest';
import { applyScheduleGap, cronGapMinutes } from '../../scripts/scaffold/apply-schedule.ts';
import { nextId } from '../../scripts/scaffold/templates.ts';
import { parseYamlText } from '../../scripts/repo/parse-yaml.ts';
import { BIN } from '../helpers/bin.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';

const exec = promisify(execFile);

describe('opsgate new', () => {
  it.each([
    [[], 'CHG-2026-0001'],
    [['CHG-2026-0007', 'CHG-2025-0100', 'notes'], 'CHG-2026-0008'],
  ])('next id after %j is %s', (existing, expected) => {
    expect(nextId('CHG', 2026, existing)).toBe(expected);
  });

  it('writes a change that parses, with the next id, and never overwrites', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'og-new-'));
    onTestFinished(() => rm(root, { recursive: true, force: true }));
    await cp(path.join(repoRoot, 'schemas'), path.join(root, 'schemas'), { recursive: true });
    const run = () => exec(process.execPath, [BIN, '--root', root, 'new', 'change', '--title', '扩容 web 集群', '--type', 'emergency']);
    const first = await run();
    expect(first.stdout).toMatch(/wrote changes\/\d{4}\/CHG-\d{4}-0001\.yaml/);
    const second = await run();
    expect(second.stdout).toMatch(/CHG-\d{4}-0002\.yaml/);
    const file = path.join(root, /wrote (\S+):/.exec(first.stdout)![1]!);
    const parsed = parseYamlText(await readFile(file, 'utf8'), 'x.yaml');
    expect(parsed.diagnostics).toEqual([]);
    expect(parsed.data).toMatchObject({ title: '扩容 web 集群', type: 'emergency', emergency: { justification: expect.any(String) } });
  });

  /** A scratch repository: the schemas, a calendar whose only window is `minutes` long every day, and an apply workflow on `cron`. */
  async function scratch(minutes: number, cron: string): Promise<string> {
    const root = await mkdtemp(path.join(os.tmpdir(), 'og-new-'));
    onTestFinished(() => rm(root, { recursive: true, force: true }));
    await cp(path.join(repoRoot, 'schemas'), path.join(root, 'schemas'), { recursive: true });
    await mkdir(path.join(root, 'policies'), { recursive: true });
    await mkdir(path.join(root, '.github/workflows'), { recursive: true });
    // A window that ends at midnight is written 00:00 (earlier than start: it closes the next day); 24:00 is not a time.
    const endMinute = (22 * 60 + minutes) % (24 * 60);
    const end = `${String(Math.floor(endMinute / 60)).padStart(2, '0')}:${String(endMinute % 60).padStart(2, '0')}`;
    await writeFile(
      path.join(root, 'policies/calendar.yaml'),
      `id: calendar\ntimezone: Europe/Berlin\nmaintenance_windows:\n  - id: nightly\n    title: nightly\n    days: [mon, tue, wed, thu, fri, sat, sun]\n    start: "22:00"\n    end: "${end}"\n`,
    );
    await writeFile(path.join(root, '.github/workflows/apply.yml'), `name: apply\non:\n  schedule:\n    - cron: '${cron}'\n  workflow_dispatch: {}\njobs: {}\n`);
    return root;
  }
  const cli = (root: string, ...args: string[]): Promise<{ stdout: string; code: number }> =>
    exec(process.execPath, [BIN, '--root', root, ...args]).then(
      (r) => ({ stdout: r.stdout, code: 0 }),
      (e: { stdout: string; code: number }) => ({ stdout: e.stdout, code: e.code }),
    );

  it('a new change fails lint at every placeholder and at its empty targets, until a person fills them in', async () => {
    const root = await scratch(120, '*/15 * * * *');
    const made = await cli(root, 'new', 'change', '--title', 'Reload nginx workers', '--requester', 'sam-ops');
    const rel = /wrote (\S+):/.exec(made.stdout)![1]!;
    const findings = async () => {
      const r = await cli(root, 'lint', '--format', 'json', rel);
      const d = (JSON.parse(r.stdout) as { diagnostics: Array<{ code: string; pointer?: string; severity: string; file: string; line: number }> }).diagnostics;
      return d.filter((x) => x.code === 'change.placeholder' || x.code === 'change.no-targets');
    };
    const before = await findings();
    expect(before.map((d) => `${d.code} ${d.pointer}`).sort()).toEqual([
      'change.no-targets /targets',
      'change.placeholder /impact/description',
      'change.placeholder /impact/users_affected',
      'change.placeholder /purpose',
      'change.placeholder /steps/0/argv/0',
      'change.placeholder /test_evidence/summary',
    ]);
    expect(before.every((d) => d.severity === 'error' && d.file === rel && d.line > 1)).toBe(true);

    const text = await readFile(path.join(root, rel), 'utf8');
    const filled = text
      .replace(/"TODO[^"]*"/g, '"Workers run out of connections at peak"')
      .replace('argv: [TODO]', 'argv: [systemctl, reload, nginx]')
      .replace('hosts: []', 'hosts: [web-01]');
    expect(filled).not.toBe(text);
    await writeFile(path.join(root, rel), filled);
    expect(await findings()).toEqual([]);
  });

  it.each([
    [10, '*/15 * * * *', true],
    [15, '*/15 * * * *', false],
    [10, '*/5 * * * *', false],
    [50, '0 * * * *', true],
  ])('a %i-minute window with apply on %s: warns %s', async (minutes, cron, warns) => {
    const root = await scratch(minutes, cron);
    const r = await cli(root, 'new', 'change', '--title', 'Reload nginx workers');
    expect(r.code).toBe(0);
    const warning = /^warning: the window is (\d+) minute\(s\), shorter than the (\d+) minutes between two scheduled applies/m.exec(r.stdout);
    expect(warning ? [Number(warning[1]), Number(warning[2])] : null).toEqual(warns ? [minutes, cronGapMinutes(cron)] : null);
  });

  it.each([
    ['*/15 * * * *', 15],
    ['0,20 * * * *', 40],
    ['*/7 * * * *', 7],
    ['0 */6 * * *', 360],
    ['30 17 * * *', 1440],
    ['0 2 1 * *', undefined],
    ['not a cron', undefined],
  ])('the longest gap of %s is %s minutes', (cron, gap) => {
    expect(cronGapMinutes(cron)).toBe(gap);
  });

  it('several schedules fire at the union of their times', () => {
    expect(applyScheduleGap("on:\n  schedule:\n    - cron: '0 * * * *'\n    - cron: '30 * * * *'\n")).toEqual({ minutes: 30, crons: ['0 * * * *', '30 * * * *'] });
    expect(applyScheduleGap('on: push\n')).toBeUndefined();
    expect(applyScheduleGap('on: [unclosed\n')).toBeUndefined();
  });
});
