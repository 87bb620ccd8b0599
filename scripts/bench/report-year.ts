/**
 * The synthetic year bench:report measures (report.ts): one organisation's
 * documents, 10k changes each with a gate decision record and an execution
 * record, 2k incidents, and a year of daily inspections, written as real files
 * (documents as block YAML, hash-chained records as the writer makes them).
 * Deterministic: the same files on every run.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { GENESIS, renderRecordLine } from '../records/chain.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHANGES = Number(process.env.BENCH_CHANGES ?? 10_000);
export const INCIDENTS = Number(process.env.BENCH_INCIDENTS ?? 2_000);
export const DAYS = Number(process.env.BENCH_DAYS ?? 365);
export const HOSTS = Number(process.env.BENCH_HOSTS ?? 100);
export const CHECKS = Number(process.env.BENCH_CHECKS ?? 40);

/** The synthetic year ends with the reported month: 2025-12-01 … 2026-11-30. */
const YEAR_START = Date.parse('2025-12-01T00:00:00+08:00');
const DAY = 86_400_000;
const pad = (n: number, w: number) => String(n).padStart(w, '0');
/** ISO with the +08:00 offset, as documents and records carry it. */
const iso = (t: number) => new Date(t + 8 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, '+08:00');
/** Deterministic pseudo-random in [0, 1). */
const rnd = (i: number, salt: number) => {
  let x = (i * 2654435761 + salt * 40503) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x45d9f3b) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  return x / 4294967296;
};

let bytes = 0;
let files = 0;
/** Bytes and files written so far. */
export const written = () => ({ bytes, files });
function put(root: string, rel: string, text: string): void {
  const file = path.join(root, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  bytes += Buffer.byteLength(text);
  files++;
}
/** Documents are written as block YAML, as people write them. */
const doc = (root: string, rel: string, data: unknown) => put(root, rel, stringify(data));

/** A chain as the writer makes it: a new file's first line anchors the head of the sibling written before it (records/anchor.ts). */
class Chain {
  head = GENESIS;
  seq = 0;
  readonly parts: string[] = [];
  constructor(private readonly anchor?: { file: string; lines: number; head: string }) {}
  add(event: { at: string; type: string; [k: string]: unknown }): void {
    const { text, hash } = renderRecordLine(this.head, ++this.seq, this.seq === 1 && this.anchor ? { ...event, anchor: this.anchor } : event);
    this.head = hash;
    this.parts.push(text + '\n');
  }
  text(): string {
    return this.parts.join('');
  }
}

const hostId = (i: number) => `h-${pad(i, 3)}`;
/** CHG-YYYY-NNNN / INC-YYYY-NNNN numbered per year of the timestamp, as people number them. */
const counters = new Map<string, number>();
function nextId(prefix: string, t: number): { id: string; year: string } {
  const year = iso(t).slice(0, 4);
  const n = (counters.get(prefix + year) ?? 0) + 1;
  counters.set(prefix + year, n);
  return { id: `${prefix}-${year}-${pad(n, 4)}`, year };
}
const GROUPS = ['web', 'app', 'db', 'cache', 'ops'];
const PEOPLE = Array.from({ length: 20 }, (_, i) => `p-${pad(i, 2)}`);

export function writeDocuments(root: string): void {
  cpSync(path.join(REPO, 'schemas'), path.join(root, 'schemas'), { recursive: true });
  doc(root, 'policies/organisation.yaml', { id: 'organisation', name: '基准测试有限公司', default_language: 'zh-CN', repository_url: 'https://github.com/example/bench', inspection_every_hours: 24 });
  doc(root, 'policies/calendar.yaml', {
    id: 'calendar',
    timezone: 'Asia/Shanghai',
    maintenance_windows: [{ id: 'all', title: '全天', days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '23:59' }],
  });
  doc(root, 'policies/sla.yaml', {
    id: 'sla',
    levels: [
      [1, '一级', 5, 120],
      [2, '二级', 15, 240],
      [3, '三级', 30, 480],
      [4, '四级', 120, 2880],
    ].map(([level, name, a, r]) => ({ level, name, acknowledge_minutes: a, resolve_minutes: r, escalate_after_minutes: 30 })),
  });
  doc(root, 'policies/oncall.yaml', {
    id: 'oncall',
    rotations: [
      { id: 'primary', title: '一线', members: PEOPLE.slice(0, 6), shift: { start: '2026-01-01T08:00:00+08:00', hours: 12 } },
      { id: 'secondary', title: '二线', members: PEOPLE.slice(6, 9), shift: { start: '2026-01-01T08:00:00+08:00', hours: 24 } },
    ],
  });
  for (const g of GROUPS) doc(root, `inventory/groups/${g}.yaml`, { id: g, title: g, owners: [PEOPLE[0]], env: 'prod' });
  for (let i = 1; i <= HOSTS; i++)
    doc(root, `inventory/hosts/${hostId(i)}.yaml`, {
      id: hostId(i),
      address: `10.0.${Math.floor(i / 250)}.${i % 250}`,
      port: 22,
      user: 'opsgate',
      host_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFhBW3bij3b9eGI7NUKkrkEyqolPkSkHX5+DoqbY6Yo7'],
      groups: [GROUPS[i % GROUPS.length]],
      env: i % 4 === 0 ? 'staging' : 'prod',
      criticality: 'high',
      owner_team: 'ops',
    });
  doc(root, 'policies/baselines/bench.yaml', {
    id: 'bench',
    title: '基准',
    checks: Array.from({ length: CHECKS }, (_, c) => ({
      id: `bench.check-${pad(c, 2)}`,
      title: `检查项 ${c}`,
      severity: ['critical', 'high', 'medium', 'low'][c % 4],
      type: 'sshd_option',
      params: { option: 'x', equals: 'no' },
      rationale: '基准测试用的检查项',
      remediation: '按基线修复',
      mappings: { djbh: [`8.1.4.${(c % 5) + 1}`], iso27001: [`A.8.${(c % 9) + 1}`], cis: [`5.1.${c}`] },
    })),
  });
  for (const [i, p] of PEOPLE.entries())
    doc(root, `policies/access/people/${p}.yaml`, { id: p, name: `人员 ${i}`, status: i >= 18 ? 'left' : 'active', ...(i >= 18 ? { left_on: '2026-09-30' } : {}) });
  doc(root, 'policies/access/roles/ops.yaml', { id: 'ops', title: '运维', unix_account: 'ops' });
  for (let i = 0; i < 30; i++)
    doc(root, `policies/access/grants/g-${pad(i, 2)}.yaml`, {
      id: `g-${pad(i, 2)}`,
      person: PEOPLE[i % PEOPLE.length],
      role: 'ops',
      groups: [GROUPS[i % 5]],
      granted_on: '2026-01-01',
      expires: iso(YEAR_START + (300 + i * 5) * DAY),
      justification: '日常运维工作需要登录主机',
      approved_by: PEOPLE[0],
    });
  for (const [i, due] of ['2026-04-15', '2026-07-15', '2026-10-15', '2027-01-15'].entries())
    doc(root, `policies/access/reviews/2026-q${i + 1}.yaml`, {
      id: `2026-q${i + 1}`,
      period: `2026-Q${i + 1}`,
      reviewer: PEOPLE[1],
      due,
      ...(i < 2 ? { performed_on: due.replace('-15', '-10') } : {}),
    });
  for (let i = 0; i < 10; i++)
    doc(root, `policies/exceptions/ex-${i}.yaml`, {
      id: `ex-${i}`,
      rule: `bench.check-${pad(i, 2)}`,
      scope: { hosts: [hostId(i + 1)] },
      owner: PEOPLE[2],
      approver: PEOPLE[0],
      ticket: `OPS-${i}`,
      reason: '遗留系统，迁移计划已立项',
      created: '2026-01-01',
      expires: iso(YEAR_START + (280 + i * 10) * DAY),
    });
  for (let i = 0; i < 3; i++)
    doc(root, `policies/backup/b-${i}.yaml`, {
      id: `b-${i}`,
      title: `备份 ${i}`,
      targets: { groups: [GROUPS[i]] },
      paths: ['/etc'],
      tool: 'restic',
      repository: { url: `sftp:backup:/srv/${i}`, password_env: 'RESTIC_PASSWORD' },
      offhost: { host: hostId(HOSTS) },
      encryption: true,
      schedule: { full: '30 1 * * *' },
      retention: { keep_daily: 7 },
      rpo_hours: 24,
      rto_hours: 4,
      verification: { restore_test_every_days: 90 },
    });
  for (let i = 0; i < 10; i++)
    put(root, `runbooks/rb-${i}.md`, `---\nid: rb-${i}\ntitle: 手册 ${i}\nowner: ${PEOPLE[3]}\nreview_every_days: 180\nlast_reviewed: 2026-0${(i % 9) + 1}-01\n---\n# 手册 ${i}\n`);
}

export function writeChanges(root: string, head: string): void {
  let prevGate: { file: string; lines: number; head: string } | undefined;
  for (let i = 0; i < CHANGES; i++) {
    const start = YEAR_START + Math.floor((i / CHANGES) * 365 * DAY) + 3_600_000;
    const { id, year } = nextId('CHG', start);
    const type = rnd(i, 1) < 0.05 ? 'emergency' : rnd(i, 1) < 0.3 ? 'normal' : 'standard';
    const failed = rnd(i, 2) < 0.03;
    const rolledBack = failed && rnd(i, 3) < 0.7;
    doc(root, `changes/${year}/${id}.yaml`, {
      id,
      title: `变更 ${i}`,
      type,
      risk: ['low', 'medium', 'high', 'critical'][i % 4],
      requester: PEOPLE[i % 9],
      implementer: PEOPLE[(i + 1) % 9],
      purpose: '基准测试生成的变更请求，用于性能测量',
      impact: { description: '无', expected_downtime_minutes: 0 },
      targets: { hosts: [hostId((i % HOSTS) + 1), hostId(((i + 1) % HOSTS) + 1)] },
      window: { start: iso(start), end: iso(start + 90 * 60_000) },
      steps: [{ id: 's1', kind: 'run', argv: ['true'] }],
      ...(type === 'emergency' ? { emergency: { justification: '基准测试中的紧急变更理由说明', retro_review_due: iso(start + 3 * DAY) } } : {}),
      ...(rnd(i, 4) < 0.9 ? { closure: { outcome: rolledBack ? 'rolled_back' : failed ? 'failed' : 'succeeded', closed_at: iso(start + DAY), deviations: '无', reviewed_by: PEOPLE[0] } } : {}),
    });
    const pr = i + 1;
    const gate = new Chain(prevGate);
    gate.add({
      at: iso(start - 2 * DAY),
      type: 'gate.decision',
      format: 'opsgate.gate-decision/1',
      repository: 'example/bench',
      pr,
      head_sha: head,
      evaluated_at: iso(start - 2 * DAY),
      status: 'pending',
      rules: [],
      problems: [],
    });
    if (rnd(i, 5) > 0.02)
      gate.add({
        at: iso(start - DAY),
        type: 'gate.decision',
        format: 'opsgate.gate-decision/1',
        repository: 'example/bench',
        pr,
        head_sha: head,
        evaluated_at: iso(start - DAY),
        status: 'satisfied',
        rules: [],
        problems: [],
      });
    put(root, `records/gate/example/bench/pr-${pr}.jsonl`, gate.text());
    prevGate = { file: `pr-${pr}.jsonl`, lines: gate.seq, head: gate.head };
    const run = new Chain();
    const runStart = start + (rnd(i, 6) < 0.01 ? -30 * 60_000 : 5 * 60_000);
    const runId = `r-${pad(i, 5)}`;
    const hosts = [hostId((i % HOSTS) + 1), hostId(((i + 1) % HOSTS) + 1)];
    run.add({ at: iso(runStart), type: 'run.planned', change: id, run: runId, file: `changes/${year}/${id}.yaml`, pr, gate_decision: `records/gate/example/bench/pr-${pr}.jsonl:2` });
    for (const h of hosts) {
      run.add({ at: iso(runStart), type: 'host.started', host: h, batch: 0 });
      if (rolledBack) {
        run.add({ at: iso(runStart + 60_000), type: 'rollback.started', host: h });
        run.add({ at: iso(runStart + 120_000), type: 'rollback.done', host: h, ok: true });
      }
      run.add({ at: iso(runStart + 300_000), type: 'host.done', host: h, outcome: rolledBack ? 'rolled_back' : failed ? 'precheck_failed' : 'succeeded' });
    }
    run.add({
      at: iso(runStart + 600_000),
      type: 'run.done',
      outcome: failed ? 'failed' : 'succeeded',
      failures: failed ? 2 : 0,
      hosts: Object.fromEntries(hosts.map((h) => [h, rolledBack ? 'rolled_back' : failed ? 'precheck_failed' : 'succeeded'])),
    });
    put(root, `records/changes/${id}/${runId}.jsonl`, run.text());
  }
}

export function writeIncidents(root: string): void {
  for (let i = 0; i < INCIDENTS; i++) {
    const detected = YEAR_START + Math.floor((i / INCIDENTS) * 365 * DAY);
    const { id, year } = nextId('INC', detected);
    const level = 1 + Math.floor(rnd(i, 7) * 4);
    const open = rnd(i, 8) < 0.05;
    doc(root, `incidents/${year}/${id}.yaml`, {
      id,
      title: `故障 ${i}`,
      level,
      status: open ? 'open' : 'closed',
      reporter: PEOPLE[i % 9],
      handler: PEOPLE[(i + 2) % 9],
      detected_at: iso(detected),
      reported_at: iso(detected + 60_000),
      acknowledged_at: iso(detected + Math.floor(rnd(i, 9) * 40) * 60_000),
      ...(open ? {} : { resolved_at: iso(detected + Math.floor(rnd(i, 10) * 600) * 60_000), closed_at: iso(detected + DAY), root_cause: '基准测试生成', resolution: '基准测试生成' }),
      summary: '基准测试生成的故障',
      follow_ups: [{ id: 'f1', action: '改进', owner: PEOPLE[1], due: new Date(detected + 14 * DAY).toISOString().slice(0, 10), status: rnd(i, 11) < 0.8 ? 'done' : 'open' }],
      postmortem: level <= 2 ? { status: 'pending', due: new Date(detected + 7 * DAY).toISOString().slice(0, 10) } : { status: 'not_required' },
    });
  }
}

export function writeInspections(root: string): number {
  const byMonth = new Map<string, Chain>();
  let rows = 0;
  const statuses = (h: number, c: number, d: number) => {
    const r = rnd(h * 1000 + c, d % 7);
    return r < 0.9 ? 'pass' : r < 0.96 ? 'fail' : r < 0.97 ? 'waived' : r < 0.99 ? 'not_applicable' : 'info';
  };
  for (let d = 0; d < DAYS; d++) {
    const at = YEAR_START + d * DAY + 2 * 3_600_000;
    const month = new Date(at).toISOString().slice(0, 7);
    const last = [...byMonth].at(-1);
    const chain = byMonth.get(month) ?? byMonth.set(month, new Chain(last ? { file: `${last[0]}.jsonl`, lines: last[1].seq, head: last[1].head } : undefined)).get(month)!;
    const runId = `ins-${pad(d, 3)}`;
    chain.add({ at: iso(at), type: 'inspection.started', run_id: runId, scope: { hosts: [], groups: [], shard: null }, baselines: [{ id: 'bench', checks: CHECKS }] });
    const byChange = { new: 0, persisting: 0, resolved: 0, regressed: 0 };
    for (let h = 1; h <= HOSTS; h++) {
      const reachable = !(h === HOSTS && d % 10 === 0);
      const results = Array.from({ length: CHECKS }, (_, c) => {
        const status = reachable ? statuses(h, c, d) : 'error';
        const prev = d > 0 ? statuses(h, c, d - 1) : status;
        const change = status === 'fail' ? (prev === 'fail' ? 'persisting' : 'new') : prev === 'fail' && status === 'pass' ? 'resolved' : undefined;
        return {
          host: hostId(h),
          check: `bench.check-${pad(c, 2)}`,
          baseline: 'bench',
          title: `检查项 ${c}`,
          severity: ['critical', 'high', 'medium', 'low'][c % 4],
          status,
          expected: 'no',
          observed: status === 'fail' ? 'yes' : 'no',
          reason: reachable ? '' : 'connect: timeout',
          evidence: 'sshd -T',
          ...(status === 'waived' ? { exception: 'ex-1', raw_status: 'fail' } : {}),
          ...(change ? { change } : {}),
        };
      });
      rows += results.length;
      for (const r of results) if ('change' in r && r.change) byChange[r.change as keyof typeof byChange]++;
      chain.add({ at: iso(at), type: 'inspection.host', run_id: runId, host: hostId(h), reachable, error: reachable ? null : { phase: 'connect', message: 'timeout' }, duration_ms: 100, results });
    }
    chain.add({ at: iso(at + 60_000), type: 'inspection.completed', run_id: runId, previous_run: d ? `ins-${pad(d - 1, 3)}` : null, summary: { hosts: HOSTS, by_change: byChange } });
  }
  for (const [month, chain] of byMonth) put(root, `records/inspections/${month}.jsonl`, chain.text());
  return rows;
}
