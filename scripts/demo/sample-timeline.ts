/**
 * November 2026 at the sample organisation, as data: the pull requests and
 * their reviews, the applies inside the change windows, the daily inspections,
 * the access convergence, and what happens on the hosts in between. Times are
 * Asia/Shanghai (the sample calendar's zone). Pure.
 */

export interface SampleReview {
  person: string;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED';
  at: string;
}

export interface SamplePullSpec {
  number: number;
  change: string;
  /** Extra files the pull request adds besides the change request (upload sources). */
  files?: string[];
  title: string;
  author: string;
  opened: string;
  reviews: SampleReview[];
  merged?: { at: string; by: string };
}

export type SampleEvent =
  | { at: string; kind: 'open'; pr: number }
  | { at: string; kind: 'gate'; pr: number }
  | { at: string; kind: 'merge'; pr: number }
  | { at: string; kind: 'apply'; change: string }
  | { at: string; kind: 'inspect' }
  | { at: string; kind: 'converge-check' }
  | { at: string; kind: 'converge'; hosts: string[] }
  | { at: string; kind: 'converge-backup'; check: boolean }
  | { at: string; kind: 'backup-verify'; restoreTest: boolean }
  | { at: string; kind: 'host-down' | 'host-up'; host: string; note: string }
  | { at: string; kind: 'stop-listener'; host: string; port: number; note: string };

export const REPOSITORY = 'yunfan-tech/ops-policies';
/** The sample repository before November: every document except the change requests, which arrive by pull request. */
export const BASE_COMMIT_AT = '2026-10-30T18:00:00+08:00';

export const PULLS: SamplePullSpec[] = [
  {
    number: 41,
    change: 'CHG-2026-0105',
    title: 'CHG-2026-0105 生产 Web 节点调整 Nginx 上传大小限制',
    author: 'chen-jie',
    opened: '2026-11-03T10:12:00+08:00',
    reviews: [{ person: 'zhang-wei', state: 'APPROVED', at: '2026-11-03T16:40:00+08:00' }],
    merged: { at: '2026-11-04T09:30:00+08:00', by: 'li-na' },
  },
  {
    number: 44,
    change: 'CHG-2026-0106',
    files: ['inventory/files/sysctl-web-backlog.conf'],
    title: 'CHG-2026-0106 生产 Web 节点持久化 TCP 连接队列参数',
    author: 'chen-jie',
    opened: '2026-11-13T15:20:00+08:00',
    reviews: [{ person: 'zhang-wei', state: 'APPROVED', at: '2026-11-16T10:05:00+08:00' }],
    merged: { at: '2026-11-16T11:00:00+08:00', by: 'li-na' },
  },
  {
    number: 46,
    change: 'CHG-2026-0107',
    files: ['inventory/files/sysctl-app-keepalive.conf'],
    title: 'CHG-2026-0107 生产应用节点调整 TCP keepalive 参数',
    author: 'chen-jie',
    opened: '2026-11-16T14:30:00+08:00',
    reviews: [{ person: 'zhang-wei', state: 'APPROVED', at: '2026-11-18T09:50:00+08:00' }],
    merged: { at: '2026-11-18T10:30:00+08:00', by: 'zhao-min' },
  },
  // The November vulnerability scan's high-severity kernel finding (cve-2023-52340): a sysctl workaround, the sample's mitigated (not patched) advisory.
  {
    number: 47,
    change: 'CHG-2026-0108',
    files: ['inventory/files/sysctl-web-ipv6-route.conf'],
    title: 'CHG-2026-0108 生产 Web 节点处置内核 IPv6 路由缓存拒绝服务漏洞（CVE-2023-52340）',
    author: 'liu-yang',
    opened: '2026-11-23T10:30:00+08:00',
    reviews: [{ person: 'zhang-wei', state: 'APPROVED', at: '2026-11-23T15:10:00+08:00' }],
    merged: { at: '2026-11-24T09:05:00+08:00', by: 'li-na' },
  },
  {
    number: 48,
    change: 'CHG-2026-0101',
    title: 'CHG-2026-0101 预发布 Web 节点下发安全响应头配置',
    author: 'liu-yang',
    opened: '2026-11-24T09:40:00+08:00',
    reviews: [{ person: 'zhao-min', state: 'APPROVED', at: '2026-11-24T11:00:00+08:00' }],
    merged: { at: '2026-11-24T11:20:00+08:00', by: 'li-na' },
  },
  {
    number: 49,
    change: 'CHG-2026-0102',
    title: 'CHG-2026-0102 预发布应用服务器升级 OpenJDK 17.0.13',
    author: 'chen-jie',
    opened: '2026-11-24T14:10:00+08:00',
    reviews: [{ person: 'li-na', state: 'APPROVED', at: '2026-11-24T16:30:00+08:00' }],
    merged: { at: '2026-11-24T17:00:00+08:00', by: 'zhao-min' },
  },
  // The DBA team has one member, who is also the author and implementer: the gate keeps this one pending (an open finding).
  {
    number: 50,
    change: 'CHG-2026-0103',
    title: 'CHG-2026-0103 生产 MySQL 8.0.39 升级至 8.0.40',
    author: 'wang-fang',
    opened: '2026-11-25T09:15:00+08:00',
    reviews: [
      { person: 'zhang-wei', state: 'APPROVED', at: '2026-11-25T10:20:00+08:00' },
      { person: 'chen-jie', state: 'APPROVED', at: '2026-11-25T14:05:00+08:00' },
    ],
  },
  {
    number: 51,
    change: 'CHG-2026-0104',
    title: 'CHG-2026-0104 紧急修复堡垒机 OpenSSH 远程代码执行漏洞',
    author: 'liu-yang',
    opened: '2026-11-26T20:40:00+08:00',
    reviews: [{ person: 'chen-jie', state: 'APPROVED', at: '2026-11-26T21:05:00+08:00' }],
    merged: { at: '2026-11-26T21:15:00+08:00', by: 'zhang-wei' },
  },
];

/** The sample covers the whole month, so that the November report (generated as of its end) sees a complete period. */
const INSPECTION_DAYS = ['2026-11-02', '2026-11-06', '2026-11-09', '2026-11-13', '2026-11-16', '2026-11-20', '2026-11-23', '2026-11-26', '2026-11-30'];

/** Every event in time order: the gate runs when a pull request opens and after each review. */
export function sampleEvents(): SampleEvent[] {
  const out: SampleEvent[] = [];
  for (const p of PULLS) {
    out.push({ at: p.opened, kind: 'open', pr: p.number });
    out.push({ at: shift(p.opened, 60), kind: 'gate', pr: p.number });
    for (const r of p.reviews) out.push({ at: shift(r.at, 30), kind: 'gate', pr: p.number });
    if (p.merged) out.push({ at: p.merged.at, kind: 'merge', pr: p.number });
  }
  out.push(
    { at: '2026-11-05T22:08:00+08:00', kind: 'apply', change: 'CHG-2026-0105' },
    { at: '2026-11-17T22:06:00+08:00', kind: 'apply', change: 'CHG-2026-0106' },
    { at: '2026-11-19T22:07:00+08:00', kind: 'apply', change: 'CHG-2026-0107' },
    { at: '2026-11-26T22:05:00+08:00', kind: 'apply', change: 'CHG-2026-0108' },
    // The last inspection of the month misses a host, so the report's scope completeness has something to show.
    { at: '2026-11-30T07:40:00+08:00', kind: 'host-down', host: 'cache-01', note: 'network outage on cache-01' },
    { at: '2026-11-30T11:25:00+08:00', kind: 'host-up', host: 'cache-01', note: 'cache-01 reachable again' },
    { at: '2026-11-19T15:00:00+08:00', kind: 'stop-listener', host: 'web-03', port: 23, note: 'operator stops the telnet listener on web-03' },
    { at: '2026-11-24T10:00:00+08:00', kind: 'converge-check' },
    { at: '2026-11-24T10:20:00+08:00', kind: 'converge', hosts: ['app-01'] },
    // The two backup policies become running jobs on the hosts they target (issue 17): drift first, then the install.
    { at: '2026-11-25T10:00:00+08:00', kind: 'converge-backup', check: true },
    { at: '2026-11-25T10:15:00+08:00', kind: 'converge-backup', check: false },
    // opsgate backup verify --record: snapshots, restic check, retention, and a restore test of every target host (db-01/02, web-01…04).
    { at: '2026-11-30T10:00:00+08:00', kind: 'backup-verify', restoreTest: true },
  );
  for (const d of INSPECTION_DAYS) out.push({ at: `${d}T08:30:00+08:00`, kind: 'inspect' });
  return out.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
}

function shift(iso: string, seconds: number): string {
  const t = new Date(Date.parse(iso) + seconds * 1000);
  const local = new Date(t.getTime() + 8 * 3_600_000).toISOString().slice(0, 19);
  return `${local}+08:00`;
}
