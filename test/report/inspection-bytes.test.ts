/**
 * The inspection fast path reads a file's bytes (only the lines a report uses
 * are decoded): for every input it must give what the text path gives —
 * multi-byte text, lines longer than the decoded prefix, commits cited, files
 * that are not UTF-8 — and leave the caller's bytes as they were.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderRecordLine, verifyChain } from '../../scripts/records/chain.ts';
import { citedCommitsInText } from '../../scripts/records/cited-commits.ts';
import { adaptInspectionBytesFast } from '../../scripts/report/adapters/inspection-fast.ts';
import { adaptInspectionRecord, pruneInspectionRuns } from '../../scripts/report/adapters/inspection-records.ts';
import { citedCommitsInBytes } from '../../scripts/report/adapters/cited-in-bytes.ts';

const REL = 'records/inspections/2026-11.jsonl';

function chain(events: Record<string, unknown>[]): string {
  let prev = '0'.repeat(64);
  return events
    .map((e, i) => {
      const { text, hash } = renderRecordLine(prev, i + 1, e as { at: string; type: string });
      prev = hash;
      return text + '\n';
    })
    .join('');
}

const row = (host: string, check: string, status: string, extra: Record<string, unknown> = {}) => ({
  host,
  check,
  baseline: '基线',
  title: `检查项 ${check}：口令复杂度`,
  severity: 'high',
  status,
  expected: '密码长度 ≥ 12',
  observed: status === 'fail' ? '长度 8（不合规）' : '长度 12',
  reason: '',
  evidence: '/etc/login.defs',
  ...extra,
});

/** Two days of runs with Chinese text everywhere, a host whose name is multi-byte, a long line, a commit cited, an unreachable host. */
function sample(): string {
  const events: Record<string, unknown>[] = [];
  for (const [d, at] of ['2026-11-02T02:00:00+08:00', '2026-11-29T02:00:00+08:00'].entries()) {
    const run = `巡检-${d}`;
    events.push({ at, type: 'inspection.started', run_id: run, scope: { hosts: [], groups: [], shard: null }, baselines: [{ id: '基线', checks: 3 }], commit: 'a'.repeat(40) });
    events.push({
      at,
      type: 'inspection.host',
      run_id: run,
      host: '主机-01',
      reachable: true,
      error: null,
      duration_ms: 5,
      results: Array.from({ length: 60 }, (_, c) => row('主机-01', `c-${c}`, (c + d) % 3 ? 'pass' : 'fail', (c + d) % 3 ? {} : { change: d ? 'persisting' : 'new' })),
    });
    events.push({
      at,
      type: 'inspection.host',
      run_id: run,
      host: 'web-01',
      reachable: true,
      error: null,
      duration_ms: 5,
      results: [row('web-01', 'access.authorized-keys', 'fail', { observed: 'deploy:孙浩, audit:liu-yang' })],
    });
    events.push({ at, type: 'inspection.host', run_id: run, host: 'db-01', reachable: false, error: { phase: 'connect', message: '连接超时' }, duration_ms: 5, results: [] });
    events.push({ at, type: 'inspection.completed', run_id: run, previous_run: d ? '巡检-0' : null, summary: { hosts: 3, by_change: { new: d ? 0 : 20, persisting: 0, resolved: 0, regressed: 0 } } });
  }
  return chain(events);
}

function full(text: string, zone: string) {
  const v = verifyChain(text);
  return pruneInspectionRuns(adaptInspectionRecord(REL, v.lines as unknown as Record<string, unknown>[]), zone);
}

describe('the inspection fast path over bytes', () => {
  it('gives the runs of the text path on multi-byte text and lines longer than the decoded prefix, and leaves the bytes unchanged', () => {
    const text = sample();
    expect(text.split('\n').some((l) => Buffer.byteLength(l) > 4096)).toBe(true);
    const bytes = Buffer.from(text, 'utf8');
    const copy = Buffer.from(bytes);
    for (const zone of ['Asia/Shanghai', 'UTC']) {
      const fast = adaptInspectionBytesFast(REL, bytes, zone);
      expect(fast).toBeDefined();
      expect(fast!.runs).toEqual(full(text, zone));
      expect(fast!.lines).toBe(verifyChain(text).lines.length);
      expect(fast!.runs.flatMap((r) => Object.keys(r.host_lines))).toContain('主机-01');
      expect(fast!.runs[0]!.keys['web-01']).toEqual(['audit:liu-yang', 'deploy:孙浩']);
    }
    expect(bytes.equals(copy)).toBe(true);
  });

  it('declines a file that is not UTF-8, even when every hash is right over its bytes', () => {
    const lineOf = (scope: Buffer) => {
      const body = Buffer.concat([Buffer.from(`{"seq":1,"prev":"${'0'.repeat(64)}","at":"2026-11-02T00:00:00Z","type":"inspection.started","run_id":"r","scope":"`), scope, Buffer.from('"}')]);
      const hash = createHash('sha256').update(body).digest('hex');
      const second = renderRecordLine(hash, 2, { at: '2026-11-02T00:00:00Z', type: 'inspection.completed', run_id: 'r', previous_run: null, summary: {} }).text;
      return Buffer.concat([body.subarray(0, -1), Buffer.from(`,"hash":"${hash}"}\n${second}\n`)]);
    };
    // The same layout with a valid scope is taken: only the encoding differs.
    expect(adaptInspectionBytesFast(REL, lineOf(Buffer.from('全部')), 'UTC')).toBeDefined();
    expect(adaptInspectionBytesFast(REL, lineOf(Buffer.from([0xff, 0xfe])), 'UTC')).toBeUndefined();
  });

  it('declines a damaged line as the text path does', () => {
    const text = sample();
    const damaged = text.replace('长度 8（不合规）', '长度 9（不合规）');
    expect(damaged).not.toBe(text);
    expect(adaptInspectionBytesFast(REL, Buffer.from(damaged, 'utf8'), 'UTC')).toBeUndefined();
  });

  it('finds the commits citedCommitsInText finds, with multi-byte text around them', () => {
    const text = sample() + chain([{ at: '2026-11-30T00:00:00Z', type: 'x', 说明: '提交', head_sha: 'b'.repeat(40), 中文_commit: 'c'.repeat(40), tree_sha: 'd'.repeat(40) }]);
    const expected = citedCommitsInText(REL, text);
    expect(expected.map((c) => c.field)).toEqual(['commit', 'commit', 'head_sha', '中文_commit']);
    expect(citedCommitsInBytes(REL, Buffer.from(text, 'utf8'))).toEqual(expected);
  });
});
