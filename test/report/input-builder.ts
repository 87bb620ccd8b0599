/** Plain-value builders for report inputs: metric tests need no files, no mocks. */
import type { ChangeDocument, ExceptionDocument, HostDocument, IncidentDocument } from '../../scripts/model/documents.generated.ts';
import type { DocRef, ExecutionRun, GateDecision, InspectionResult, InspectionRun, ReportInput } from '../../scripts/report/types.ts';
import { parsePeriod, type Period } from '../../scripts/report/period.ts';

export const ZONE = 'Asia/Shanghai';
export const period = (id: string): Period => parsePeriod(id, ZONE)!;
export const endOf = (id: string): number => period(id).endMs;

export function emptyInput(extra: Partial<ReportInput> = {}): ReportInput {
  return {
    organisation: undefined,
    approval: undefined,
    calendar: undefined,
    sla: undefined,
    oncall: undefined,
    hosts: [],
    groups: [],
    changes: [],
    incidents: [],
    exceptions: [],
    backupPolicies: [],
    people: [],
    grants: [],
    reviews: [],
    runbooks: [],
    notes: [],
    checks: [],
    gateDecisions: [],
    executions: [],
    inspections: [],
    backups: [],
    converge: [],
    recordFiles: [],
    integrity: [],
    history: [],
    provenance: { git: true, head: null, modified: [], deleted: [], untracked: [], restarts: [], epoch: null },
    documentProblems: [],
    unloadedFiles: [],
    git: { commit: undefined, repositoryUrl: undefined, files: {} },
    ...extra,
  };
}

const doc = <T extends { id: string }>(file: string, data: T): DocRef<T> => ({ id: data.id, file, sha256: 'a'.repeat(64), data });

export function change(id: string, over: Partial<ChangeDocument> = {}): DocRef<ChangeDocument> {
  return doc(`changes/2026/${id}.yaml`, {
    id,
    title: `change ${id}`,
    type: 'normal',
    risk: 'medium',
    requester: 'li-na',
    implementer: 'wang-fang',
    purpose: 'p',
    impact: { description: 'd', expected_downtime_minutes: 0 },
    targets: { hosts: ['web-01'] },
    window: { start: '2026-11-05T22:00:00+08:00', end: '2026-11-05T23:30:00+08:00' },
    steps: [{ id: 's1', kind: 'run', argv: ['true'] }],
    ...over,
  });
}

export function run(changeId: string, over: Partial<ExecutionRun> = {}): ExecutionRun {
  return {
    path: `records/changes/${changeId}/${over.run ?? 'r1'}.jsonl`,
    change: changeId,
    run: 'r1',
    started_at: '2026-11-05T22:05:00+08:00',
    finished_at: '2026-11-05T22:20:00+08:00',
    outcome: 'succeeded',
    rolled_back: false,
    hosts: ['web-01'],
    host_outcomes: { 'web-01': 'succeeded' },
    dry_run: false,
    pr: undefined,
    gate_decision: undefined,
    planned: { seq: 1, hash: '1'.repeat(64) },
    done: { seq: 9, hash: '9'.repeat(64) },
    ...over,
  };
}

export function decision(changes: string[], over: Partial<GateDecision> = {}): GateDecision {
  return {
    path: 'records/gate/yunfan/ops/pr-7.jsonl',
    line: 1,
    hash: 'e'.repeat(64),
    at: '2026-11-04T10:00:00+08:00',
    pr: 7,
    head_sha: 'b'.repeat(40),
    status: 'satisfied',
    summary: '',
    changes,
    rules: [],
    ...over,
  };
}

export function incident(id: string, over: Partial<IncidentDocument> = {}): DocRef<IncidentDocument> {
  return doc(`incidents/2026/${id}.yaml`, {
    id,
    title: `incident ${id}`,
    level: 3,
    status: 'closed',
    reporter: 'li-na',
    handler: 'wang-fang',
    detected_at: '2026-11-06T09:00:00+08:00',
    reported_at: '2026-11-06T09:00:00+08:00',
    acknowledged_at: '2026-11-06T09:10:00+08:00',
    resolved_at: '2026-11-06T10:00:00+08:00',
    summary: 's',
    postmortem: { status: 'not_required' },
    ...over,
  } as IncidentDocument);
}

export const SLA = doc('policies/sla.yaml', {
  id: 'sla' as const,
  levels: [1, 2, 3, 4].map((level) => ({
    level,
    name: ['一级', '二级', '三级', '四级'][level - 1]!,
    acknowledge_minutes: [5, 15, 30, 120][level - 1]!,
    resolve_minutes: [120, 240, 480, 2880][level - 1]!,
    escalate_after_minutes: 30,
  })) as never,
});

export function host(id: string, over: Partial<HostDocument> = {}): DocRef<HostDocument> {
  return doc(`inventory/hosts/${id}.yaml`, { id, address: '127.0.0.1', user: 'ops', host_keys: ['ssh-ed25519 AAAA'], groups: ['web'], env: 'prod', criticality: 'high', owner_team: 'ops', ...over });
}

export function row(hostId: string, check: string, status: InspectionResult['status'], over: Partial<InspectionResult> = {}): InspectionResult {
  return { host: hostId, check, status, severity: 'high', change: undefined, exception: undefined, exception_expired: false, reason: undefined, ...over };
}

export function inspection(at: string, results: InspectionResult[], over: Partial<InspectionRun> = {}): InspectionRun {
  const counts = { new: 0, resolved: 0, regressed: 0 };
  for (const r of results) if (r.change === 'new' || r.change === 'resolved' || r.change === 'regressed') counts[r.change]++;
  const hosts = [...new Set(results.map((r) => r.host))];
  return {
    path: `records/inspections/${at.slice(0, 7)}.jsonl`,
    run: `run-${at}`,
    at,
    previous_run: undefined,
    completed: { seq: 99, hash: 'f'.repeat(64) },
    host_lines: Object.fromEntries(hosts.map((h, i) => [h, { seq: i + 2, hash: String(i % 10).repeat(64) }])),
    keys: {},
    results,
    unreachable: [],
    hosts,
    counts,
    pruned: false,
    ...over,
  };
}

export function exception(id: string, expires: string): DocRef<ExceptionDocument> {
  return doc(`policies/exceptions/${id}.yaml`, {
    id,
    rule: 'ssh.permit-root-login',
    scope: { hosts: ['web-01'] },
    owner: 'li-na',
    approver: 'chen-jie',
    ticket: 'T-1',
    reason: 'r',
    created: '2026-01-01',
    expires,
  });
}

/** The value of one figure by id from a list, failing loudly when it is missing. */
export function value(figures: readonly { id: string; value: number | null }[], id: string): number | null {
  const f = figures.find((x) => x.id === id);
  if (!f) throw new Error(`no figure ${id}; have ${figures.map((x) => x.id).join(', ')}`);
  return f.value;
}

/** A restic backup policy `web` (RPO 24 h) for the targets given. */
export function backupPolicy(targets: { hosts?: string[]; groups?: string[] }) {
  return {
    id: 'web',
    file: 'policies/backup/web.yaml',
    sha256: '',
    data: {
      id: 'web',
      title: 'w',
      targets,
      paths: ['/etc'] as [string],
      tool: 'restic' as const,
      repository: { url: 'u', password_env: 'P' },
      offhost: { host: 'b' },
      schedule: { full: '0 1 * * *' },
      retention: { keep_daily: 7 },
      rpo_hours: 24,
      rto_hours: 4,
      verification: { restore_test_every_days: 90 },
    },
  };
}
