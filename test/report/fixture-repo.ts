/**
 * Builds a small, complete organisation in a temporary git repository: real
 * documents (valid against schemas/), real hash-chained records written with
 * RecordWriter, and real git history whose commit subjects name pull
 * requests. Used by the end-to-end, rendering and Chromium tests.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { RecordWriter } from '../../scripts/records/writer.ts';

const REPO = path.resolve(import.meta.dirname, '../..');

function write(root: string, rel: string, data: unknown): void {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), typeof data === 'string' ? data : stringify(data));
}

function git(root: string, ...args: string[]): string {
  return execFileSync('git', ['-C', root, ...args], {
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Fixture',
      GIT_AUTHOR_EMAIL: 'fixture@example.invalid',
      GIT_COMMITTER_NAME: 'Fixture',
      GIT_COMMITTER_EMAIL: 'fixture@example.invalid',
      GIT_AUTHOR_DATE: '2026-11-01T10:00:00+08:00',
      GIT_COMMITTER_DATE: '2026-11-01T10:00:00+08:00',
    },
  });
}

function commit(root: string, message: string, date: string): void {
  execFileSync('git', ['-C', root, 'add', '-A'], { stdio: 'ignore' });
  execFileSync('git', ['-C', root, 'commit', '-q', '-m', message], {
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Fixture',
      GIT_AUTHOR_EMAIL: 'fixture@example.invalid',
      GIT_COMMITTER_NAME: 'Fixture',
      GIT_COMMITTER_EMAIL: 'fixture@example.invalid',
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    },
  });
}

const step = [{ id: 'reload', kind: 'run', argv: ['systemctl', 'reload', 'nginx'] }];

function change(id: string, extra: Record<string, unknown>) {
  return {
    id,
    title: `变更 ${id}`,
    type: 'normal',
    risk: 'medium',
    requester: 'li-na',
    implementer: 'wang-fang',
    purpose: '调整 Nginx 配置以支持更大的上传文件，满足客服系统需求',
    impact: { description: '无中断', services: ['web'], expected_downtime_minutes: 0 },
    targets: { groups: ['web'] },
    window: { start: '2026-11-05T22:00:00+08:00', end: '2026-11-05T23:30:00+08:00' },
    steps: step,
    ...extra,
  };
}

/** Writes the documents (no records) into `root`. */
export function writeDocuments(root: string): void {
  cpSync(path.join(REPO, 'schemas'), path.join(root, 'schemas'), { recursive: true });
  write(root, 'policies/organisation.yaml', { id: 'organisation', name: '测试科技有限公司', default_language: 'zh-CN', repository_url: 'https://github.com/example/ops' });
  write(root, 'policies/calendar.yaml', {
    id: 'calendar',
    timezone: 'Asia/Shanghai',
    maintenance_windows: [{ id: 'night', title: '夜间', days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '22:00', end: '02:00' }],
  });
  write(root, 'policies/sla.yaml', {
    id: 'sla',
    levels: [
      [1, '一级', 5, 120],
      [2, '二级', 15, 240],
      [3, '三级', 30, 480],
      [4, '四级', 120, 2880],
    ].map(([level, name, a, r]) => ({ level, name, acknowledge_minutes: a, resolve_minutes: r, escalate_after_minutes: 30 })),
  });
  write(root, 'policies/oncall.yaml', { id: 'oncall', rotations: [{ id: 'primary', title: '一线', members: ['li-na', 'wang-fang'], shift: { start: '2026-11-01T08:00:00+08:00', hours: 12 } }] });
  write(root, 'inventory/groups/web.yaml', { id: 'web', title: 'Web', owners: ['li-na'], env: 'prod' });
  write(root, 'inventory/groups/db.yaml', { id: 'db', title: 'DB', owners: ['wang-fang'], env: 'prod' });
  for (const [id, group, env] of [
    ['web-01', 'web', 'prod'],
    ['web-02', 'web', 'prod'],
    ['db-01', 'db', 'staging'],
  ] as const) {
    write(root, `inventory/hosts/${id}.yaml`, {
      id,
      address: '127.0.0.1',
      port: 22,
      user: 'opsgate',
      host_keys: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFhBW3bij3b9eGI7NUKkrkEyqolPkSkHX5+DoqbY6Yo7'],
      groups: [group],
      env,
      criticality: 'high',
      owner_team: 'ops',
    });
  }
  write(root, 'policies/baselines/ssh.yaml', {
    id: 'ssh',
    title: 'SSH',
    checks: [
      {
        id: 'ssh.permit-root-login',
        title: '禁止 root 登录',
        severity: 'high',
        type: 'sshd_option',
        params: { option: 'permitrootlogin', equals: 'no' },
        rationale: 'r',
        remediation: 'm',
        mappings: { djbh: ['8.1.4.1 身份鉴别'], iso27001: ['A.8.2', 'A.8.5'], cis: ['5.1.20'] },
      },
      {
        id: 'ssh.max-auth-tries',
        title: '认证尝试次数',
        severity: 'medium',
        type: 'sshd_option',
        params: { option: 'maxauthtries', max: 4 },
        rationale: 'r',
        remediation: 'm',
        mappings: { djbh: ['8.1.4.1 身份鉴别'], iso27001: ['A.8.5'] },
      },
      {
        id: 'access.authorized-keys',
        title: '授权密钥一致',
        severity: 'critical',
        type: 'authorized_keys',
        params: {},
        rationale: 'r',
        remediation: 'm',
        mappings: { djbh: ['8.1.4.2 访问控制'], iso27001: ['A.5.18'] },
      },
    ],
  });
  write(root, 'policies/access/people/li-na.yaml', { id: 'li-na', name: '李娜', status: 'active' });
  write(root, 'policies/access/people/wang-fang.yaml', { id: 'wang-fang', name: '王芳', status: 'active' });
  write(root, 'policies/access/people/zhou-qiang.yaml', { id: 'zhou-qiang', name: '周强', status: 'left', left_on: '2026-10-31' });
  write(root, 'policies/access/roles/ops.yaml', { id: 'ops', title: '运维', unix_account: 'ops' });
  write(root, 'policies/access/grants/li-na-ops.yaml', {
    id: 'li-na-ops',
    person: 'li-na',
    role: 'ops',
    groups: ['web'],
    granted_on: '2026-01-01',
    expires: '2027-01-01T00:00:00+08:00',
    justification: '日常运维工作需要登录 Web 主机',
    approved_by: 'wang-fang',
  });
  write(root, 'policies/access/grants/zhou-qiang-ops.yaml', {
    id: 'zhou-qiang-ops',
    person: 'zhou-qiang',
    role: 'ops',
    groups: ['db'],
    granted_on: '2026-01-01',
    expires: '2026-12-20T00:00:00+08:00',
    justification: '日常运维工作需要登录 Web 主机',
    approved_by: 'wang-fang',
  });
  write(root, 'policies/access/reviews/2026-q3.yaml', { id: '2026-q3', period: '2026-Q3', reviewer: 'wang-fang', due: '2026-10-15' });
  write(root, 'policies/exceptions/web-02-root.yaml', {
    id: 'web-02-root',
    rule: 'ssh.permit-root-login',
    scope: { hosts: ['web-02'] },
    owner: 'li-na',
    approver: 'wang-fang',
    ticket: 'OPS-1',
    reason: '遗留系统需要 root 登录，迁移计划见工单 OPS-1',
    created: '2026-06-01',
    expires: '2026-11-15T00:00:00+08:00',
  });
  write(root, 'policies/backup/web.yaml', {
    id: 'web',
    title: 'Web 配置备份',
    targets: { groups: ['web'] },
    paths: ['/etc/nginx'],
    tool: 'restic',
    repository: { url: 'sftp:backup:/srv/web', password_env: 'RESTIC_PASSWORD_WEB' },
    offhost: { host: 'db-01' },
    encryption: true,
    schedule: { full: '30 1 * * *' },
    retention: { keep_daily: 7 },
    rpo_hours: 24,
    rto_hours: 4,
    verification: { restore_test_every_days: 90 },
  });
  write(root, 'changes/2026/CHG-2026-0001.yaml', change('CHG-2026-0001', { closure: { outcome: 'succeeded', closed_at: '2026-11-06T10:00:00+08:00', deviations: '无', reviewed_by: 'li-na' } }));
  write(root, 'changes/2026/CHG-2026-0002.yaml', change('CHG-2026-0002', { title: '升级 OpenSSL', risk: 'high', window: { start: '2026-11-10T22:00:00+08:00', end: '2026-11-10T23:30:00+08:00' } }));
  write(
    root,
    'changes/2026/CHG-2026-0003.yaml',
    change('CHG-2026-0003', {
      title: '紧急修复',
      type: 'emergency',
      risk: 'high',
      window: { start: '2026-11-20T01:00:00+08:00', end: '2026-11-20T02:00:00+08:00' },
      emergency: { justification: '公开漏洞正被利用，必须在下一个窗口之前修复', retro_review_due: '2026-11-23T18:00:00+08:00' },
    }),
  );
  write(root, 'incidents/2026/INC-2026-0001.yaml', {
    id: 'INC-2026-0001',
    title: '跨月故障',
    level: 2,
    status: 'closed',
    reporter: 'li-na',
    handler: 'wang-fang',
    detected_at: '2026-10-31T23:00:00+08:00',
    reported_at: '2026-10-31T23:00:00+08:00',
    acknowledged_at: '2026-10-31T23:10:00+08:00',
    resolved_at: '2026-11-01T02:00:00+08:00',
    closed_at: '2026-11-02T10:00:00+08:00',
    summary: 's',
    root_cause: '磁盘写满导致服务停止',
    resolution: '清理日志并扩容',
    postmortem: { status: 'done', completed_on: '2026-11-05' },
  });
  write(root, 'incidents/2026/INC-2026-0002.yaml', {
    id: 'INC-2026-0002',
    title: '回退引起的告警',
    level: 3,
    status: 'resolved',
    reporter: 'li-na',
    handler: 'wang-fang',
    detected_at: '2026-11-10T23:00:00+08:00',
    reported_at: '2026-11-10T23:05:00+08:00',
    acknowledged_at: '2026-11-10T23:50:00+08:00',
    resolved_at: '2026-11-11T01:00:00+08:00',
    summary: 's',
    root_cause: '升级后配置不兼容',
    resolution: '回退变更',
    caused_by_change: 'CHG-2026-0002',
    follow_ups: [{ id: 'f1', action: '补充回归测试', owner: 'li-na', due: '2026-11-20', status: 'open' }],
    postmortem: { status: 'pending', due: '2026-11-25' },
  });
  write(root, 'runbooks/nginx-reload.md', '---\nid: nginx-reload\ntitle: Nginx 重载\nowner: li-na\nreview_every_days: 30\nlast_reviewed: 2026-09-01\n---\n# Nginx 重载\n');
}

const AT = (s: string) => s;

/** Writes gate, execution and inspection records with the real RecordWriter. */
export async function writeRecords(root: string): Promise<void> {
  // The gate judged the commit that brought the change requests, read against the organisation's first commit: both exist.
  const head = git(root, 'rev-parse', 'HEAD').trim();
  const base = git(root, 'rev-parse', 'HEAD~1').trim();
  const gate = await RecordWriter.open(path.join(root, 'records/gate/example/ops/pr-12.jsonl'));
  await gate.append({
    at: AT('2026-11-03T10:00:00+08:00'),
    type: 'gate.decision',
    format: 'opsgate.gate-decision/1',
    repository: 'example/ops',
    pr: 12,
    head_sha: head,
    base_sha: base,
    policy_commit: base,
    evaluated_at: '2026-11-03T10:00:00+08:00',
    status: 'pending',
    summary: 'needs 1 approval',
    rules: [],
    vetoes: [],
    freezes: [],
    uncovered_files: [],
    emergency: [],
    problems: [],
    not_counted: [],
  });
  await gate.append({
    at: AT('2026-11-04T16:00:00+08:00'),
    type: 'gate.decision',
    format: 'opsgate.gate-decision/1',
    repository: 'example/ops',
    pr: 12,
    head_sha: head,
    base_sha: base,
    policy_commit: base,
    evaluated_at: '2026-11-04T16:00:00+08:00',
    status: 'satisfied',
    summary: 'ok',
    rules: [],
    vetoes: [],
    freezes: [],
    uncovered_files: [],
    emergency: [],
    problems: [],
    not_counted: [],
  });
  await gate.close();

  const exec = async (change: string, runId: string, start: string, end: string, pr: number | null, hosts: Record<string, string>, outcome: string, rollback = false) => {
    const w = await RecordWriter.open(path.join(root, `records/changes/${change}/${runId}.jsonl`));
    await w.append({ at: start, type: 'run.planned', change, run: runId, file: `changes/2026/${change}.yaml`, pr, gate_decision: pr ? `records/gate/example/ops/pr-${pr}.jsonl:2` : null });
    for (const h of Object.keys(hosts)) {
      await w.append({ at: start, type: 'host.started', host: h, batch: 0 });
      if (rollback) {
        await w.append({ at: end, type: 'rollback.started', host: h, reason: 'step reload failed' });
        await w.append({ at: end, type: 'rollback.done', host: h, ok: true });
      }
      await w.append({ at: end, type: 'host.done', host: h, outcome: hosts[h] });
    }
    await w.append({ at: end, type: 'run.done', outcome, failures: rollback ? 1 : 0, hosts });
    await w.close();
  };
  await exec('CHG-2026-0001', '20261105T140500Z-aaaaaa', '2026-11-05T22:05:00+08:00', '2026-11-05T22:20:00+08:00', 12, { 'web-01': 'succeeded', 'web-02': 'succeeded' }, 'succeeded');
  await exec('CHG-2026-0002', '20261110T140500Z-bbbbbb', '2026-11-10T22:05:00+08:00', '2026-11-10T22:50:00+08:00', 12, { 'web-01': 'rolled_back' }, 'failed', true);
  await exec('CHG-2026-0003', '20261119T163000Z-cccccc', '2026-11-20T00:30:00+08:00', '2026-11-20T00:45:00+08:00', null, { 'web-01': 'succeeded' }, 'succeeded');

  const ins = await RecordWriter.open(path.join(root, 'records/inspections/2026-11.jsonl'));
  const rows = (host: string, statuses: [string, string, string], change?: string) =>
    (['ssh.permit-root-login', 'ssh.max-auth-tries', 'access.authorized-keys'] as const).map((check, i) => ({
      host,
      check,
      baseline: 'ssh',
      title: check,
      severity: ['high', 'medium', 'critical'][i],
      status: statuses[i],
      expected: 'x',
      observed: 'y',
      reason: statuses[i] === 'error' ? 'connect: refused' : '',
      evidence: 'sshd -T',
      ...(change && statuses[i] === 'fail' ? { change } : {}),
    }));
  const runAt = async (runId: string, at: string, hosts: { host: string; reachable: boolean; rows: unknown[] }[], withSummary = false) => {
    await ins.append({ at, type: 'inspection.started', run_id: runId, scope: { hosts: [], groups: [], shard: null }, baselines: [{ id: 'ssh', checks: 3 }] });
    for (const h of hosts)
      await ins.append({
        at,
        type: 'inspection.host',
        run_id: runId,
        host: h.host,
        reachable: h.reachable,
        error: h.reachable ? null : { phase: 'connect', message: 'connection refused' },
        duration_ms: 120,
        results: h.rows,
      });
    const byChange = { new: 0, persisting: 0, resolved: 0, regressed: 0 };
    for (const h of hosts) for (const r of h.rows as { change?: keyof typeof byChange }[]) if (r.change) byChange[r.change]++;
    await ins.append({ at, type: 'inspection.completed', run_id: runId, previous_run: null, summary: withSummary ? { hosts: hosts.length, by_change: byChange } : {} });
  };
  await runAt('r-1101', '2026-11-01T02:00:00+08:00', [
    { host: 'web-01', reachable: true, rows: rows('web-01', ['pass', 'fail', 'pass'], 'new') },
    { host: 'web-02', reachable: true, rows: rows('web-02', ['pass', 'pass', 'pass']) },
    { host: 'db-01', reachable: true, rows: rows('db-01', ['pass', 'pass', 'pass']) },
  ]);
  await runAt(
    'r-1130',
    '2026-11-30T02:00:00+08:00',
    [
      { host: 'web-01', reachable: true, rows: rows('web-01', ['pass', 'fail', 'fail'], 'new') },
      {
        host: 'web-02',
        reachable: true,
        rows: [
          ...rows('web-02', ['fail', 'pass', 'pass']).map((r, i) =>
            i === 0 ? { ...r, reason: 'exception_expired: web-02-root expired 2026-11-15', exception: 'web-02-root', change: 'regressed' } : r,
          ),
        ],
      },
      { host: 'db-01', reachable: false, rows: rows('db-01', ['error', 'error', 'error']) },
    ],
    true,
  );
  await ins.close();
}

export interface FixtureRepo {
  root: string;
}

/** A temporary git repository holding the fixture organisation, with history naming PR #12. */
export async function createFixtureRepo(options: { records?: boolean } = {}): Promise<FixtureRepo> {
  const root = mkdtempSync(path.join(tmpdir(), 'og-report-'));
  git(root, 'init', '-q', '-b', 'main');
  writeDocuments(root);
  commit(root, 'Sample organisation', '2026-10-01T10:00:00+08:00');
  write(
    root,
    'changes/2026/CHG-2026-0001.yaml',
    stringify(change('CHG-2026-0001', { closure: { outcome: 'succeeded', closed_at: '2026-11-06T10:00:00+08:00', deviations: '无', reviewed_by: 'li-na' } })) + '# reviewed\n',
  );
  commit(root, 'Change requests for November (#12)', '2026-11-02T10:00:00+08:00');
  if (options.records !== false) {
    await writeRecords(root);
    commit(root, 'records: gate, executions and inspections for November', '2026-11-30T03:00:00+08:00');
  }
  return { root };
}
