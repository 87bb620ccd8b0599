import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { computeDuties } from '../../scripts/report/metrics/duties.ts';
import { readRepo } from '../../scripts/repo/read-repo.ts';
import { repoRoot } from '../helpers/repo-from-files.ts';
import { emptyInput, period } from './input-builder.ts';

const ref = <T>(d: { id: string; file: string; sha256: string; data: T }) => ({ id: d.id, file: d.file, sha256: d.sha256, data: d.data });

describe("report: duties of 第五章 故障处理 (issue 15), on the sample organisation's November", async () => {
  const repo = await readRepo(repoRoot);
  const input = emptyInput({ sla: ref(repo.one('sla')!), oncall: ref(repo.one('oncall')!), incidents: repo.all('incident').map(ref) });
  const handovers = repo.all('handover').map(ref);
  const notifications = [
    { path: 'records/notifications/2026-11.jsonl', at: '2026-11-11T00:17:30+08:00', type: 'notification.sent', key: 'INC-2026-0042/acknowledge/due', channel: 'ops-dingtalk', latency_ms: 90_000 },
    { path: 'records/notifications/2026-11.jsonl', at: '2026-11-11T00:22:30+08:00', type: 'notification.sent', key: 'INC-2026-0042/supervisor/due', channel: 'ops-dingtalk', latency_ms: 30_000 },
    { path: 'records/notifications/2026-11.jsonl', at: '2026-11-11T00:22:31+08:00', type: 'notification.failed', key: 'INC-2026-0042/supervisor/due', channel: 'leads-feishu' },
  ];
  const s = computeDuties(input, { handovers, notifications }, period('2026-11'), Date.parse('2026-12-01T00:00:00+08:00'));
  const fig = (id: string) => s.figures.find((f) => f.id === id)!;

  it('the one missed escalation is counted against 二级, with its approved deviation', () => {
    expect(s.missed.map((m) => [m.incident, m.duty, m.state])).toEqual([['INC-2026-0043', 'escalation', 'overdue']]);
    expect([s.missed[0]!.deviation_by, s.missed[0]!.deviation]).toEqual(['zhang-wei', expect.stringMatching(/^值班工程师判断/)]);
    const l2 = s.levels.find((l) => l.level === 2)!.figures.find((f) => f.id === 'duties.level.2.escalation_compliance')!;
    expect([l2.numerator, l2.denominator]).toEqual([2, 3]);
    const l1 = s.levels.find((l) => l.level === 1)!.figures.find((f) => f.id === 'duties.level.1.escalation_compliance')!;
    expect(l1.value).toBe(100);
    expect(fig('duties.escalation_compliance')).toMatchObject({ numerator: 8, denominator: 9 });
    expect(fig('duties.report_on_time').value).toBe(100);
  });

  it('handovers: every boundary of November expected, one missing, the rest acknowledged in time', () => {
    expect(s.handovers).toMatchObject({ expected: 57, present: 56, missing: ['HO-2026-11-14-2000'], unacknowledged: [] });
    expect(fig('duties.handover_completeness').value).toBe(98.2);
  });

  it('the vendor call of the 一级 incident, and notification latency from the records', () => {
    expect(s.vendors).toEqual([
      { incident: 'INC-2026-0042', contact: 'aliyun-db-support', called_at: '2026-11-11T00:40:00+08:00', ticket: 'ALY-P1-20261111-0042', path: 'incidents/2026/INC-2026-0042.yaml' },
    ]);
    expect(fig('duties.notification_latency_median').value).toBe(1);
    expect(fig('duties.notifications_failed').value).toBe(1);
    expect(fig('duties.notifications_sent').evidence).toEqual(['records/notifications/2026-11.jsonl']);
  });
});

describe("the duties as printed (issue 14 item 16): times in the report's zone, people by name", () => {
  it.each(['zh-CN', 'en'])(
    '%s: no raw ISO timestamp and no person id in the printed duties',
    async (lang) => {
      const out = mkdtempSync(path.join(tmpdir(), 'og-duties-'));
      try {
        await runCli(['--root', repoRoot, 'report', 'audit', '--period', '2026-11', '--lang', lang, '--format', 'md,html', '--out', out, '--at', '2026-12-01T00:00:00+08:00'], {
          env: { PATH: process.env.PATH },
          stdout: new PassThrough(),
          stderr: new PassThrough(),
          cwd: repoRoot,
        });
        for (const ext of ['md', 'html']) {
          const text = readFileSync(path.join(out, `audit-2026-11.${lang}.${ext}`), 'utf8');
          expect(text).toContain('2026-11-19 22:46');
          expect(text).toContain('2026-11-11 00:40');
          expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
          expect(text).toContain('张伟: 值班工程师判断');
          // The id appears only inside file paths (Appendix B) and title attributes, never as a person shown.
          expect(text).not.toMatch(/(?<![/\w"-])zhang-wei(?![\w.-])/);
        }
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
