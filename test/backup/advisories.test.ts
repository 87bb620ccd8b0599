import { describe, expect, it } from 'vitest';
import { advisoryDue, checkAdvisories } from '../../scripts/rules/advisory-rules.ts';
import { repoFromFiles } from '../helpers/repo-from-files.ts';

const advisory = (id: string, severity: string, published: string, remediation = '') => `id: ${id}
title: OpenSSH signal handler race (regreSSHion)
references: [CVE-2024-6387, CNVD-2024-29857]
severity: ${severity}
published: ${published}
packages:
  - {name: openssh-server, fixed_version: "1:9.2p1-2+deb12u3"}
${remediation}`;
const change = (closure: string) => `id: CHG-2026-0104
title: patch openssh
type: emergency
risk: high
requester: alice
implementer: alice
purpose: patch the OpenSSH remote code execution on the bastion
impact: {description: none, expected_downtime_minutes: 0}
targets: {hosts: [bastion-01]}
window: {start: "2026-11-28T23:00:00+08:00", end: "2026-11-29T01:00:00+08:00"}
steps:
  - {id: upgrade, kind: run, argv: [apt-get, install, -y, --only-upgrade, openssh-server]}
${closure}`;
const exception = (expires: string) => `id: ssh-legacy
rule: advisory.overdue
scope: {hosts: [bastion-01]}
owner: alice
approver: bob
ticket: SEC-1
reason: the vendor appliance cannot be patched before its replacement
created: 2026-11-01
expires: ${expires}
`;
const NOW = new Date('2026-11-30T02:00:00Z');
const lint = async (files: Record<string, string>) => {
  const repo = await repoFromFiles(files);
  expect(repo.diagnostics).toEqual([]);
  return checkAdvisories({ repo, now: NOW, existingFiles: new Set() }).map((d) => `${d.file}:${d.line} ${d.code} ${d.message}`);
};

describe('the advisory register', () => {
  it('derives the due date from severity', () => {
    expect(['critical', 'high', 'medium', 'low'].map((s) => advisoryDue('2026-11-01', s as 'low'))).toEqual(['2026-11-08', '2026-12-01', '2027-01-30', '2027-04-30']);
  });

  it('names an advisory past its due date with no remediation, with its ids and due date', async () => {
    expect(await lint({ 'policies/advisories/cve-2024-6387.yaml': advisory('cve-2024-6387', 'critical', '2026-11-20') })).toEqual([
      'policies/advisories/cve-2024-6387.yaml:5 advisory.overdue CVE-2024-6387, CNVD-2024-29857 (critical) was due on 2026-11-27, 7 days after 2026-11-20: no change or exception is linked',
    ]);
    // Not yet due (high: 30 days), and due today (the whole day counts) are not overdue.
    expect(await lint({ 'policies/advisories/a.yaml': advisory('a', 'high', '2026-11-20') })).toEqual([]);
    expect(await lint({ 'policies/advisories/a.yaml': advisory('a', 'critical', '2026-11-23') })).toEqual([]);
  });

  it('a change that closed successfully remediates it; one still open or failed does not', async () => {
    const rem = 'remediation: {change: CHG-2026-0104}\n';
    const closed = (outcome: string) => `closure:\n  outcome: ${outcome}\n  closed_at: 2026-11-29T02:00:00+08:00\n  deviations: none\n  incidents_caused: []\n  reviewed_by: bob\n  summary: patched\n`;
    expect(await lint({ 'policies/advisories/a.yaml': advisory('a', 'critical', '2026-11-01', rem), 'changes/2026/CHG-2026-0104.yaml': change(closed('succeeded')) })).toEqual([]);
    expect(await lint({ 'policies/advisories/a.yaml': advisory('a', 'critical', '2026-11-01', rem), 'changes/2026/CHG-2026-0104.yaml': change(closed('failed')) })).toEqual([
      'policies/advisories/a.yaml:5 advisory.overdue CVE-2024-6387, CNVD-2024-29857 (critical) was due on 2026-11-08, 7 days after 2026-11-01: change CHG-2026-0104 is closed failed',
    ]);
    expect(await lint({ 'policies/advisories/a.yaml': advisory('a', 'critical', '2026-11-01', rem), 'changes/2026/CHG-2026-0104.yaml': change('') })).toEqual([
      'policies/advisories/a.yaml:5 advisory.overdue CVE-2024-6387, CNVD-2024-29857 (critical) was due on 2026-11-08, 7 days after 2026-11-01: change CHG-2026-0104 is not closed',
    ]);
  });

  it('an exception in force accepts the risk until it expires; links must resolve', async () => {
    const rem = 'remediation: {exception: ssh-legacy}\n';
    expect(await lint({ 'policies/advisories/a.yaml': advisory('a', 'high', '2026-10-01', rem), 'policies/exceptions/ssh-legacy.yaml': exception('2026-12-31T23:59:59+08:00') })).toEqual([]);
    expect(await lint({ 'policies/advisories/a.yaml': advisory('a', 'high', '2026-10-01', rem), 'policies/exceptions/ssh-legacy.yaml': exception('2026-11-29T23:59:59+08:00') })).toEqual([
      'policies/advisories/a.yaml:5 advisory.overdue CVE-2024-6387, CNVD-2024-29857 (high) was due on 2026-10-31, 30 days after 2026-10-01: exception ssh-legacy expired on 2026-11-29T23:59:59+08:00',
    ]);
    expect(await lint({ 'policies/advisories/a.yaml': advisory('a', 'low', '2026-11-01', 'remediation: {change: CHG-2026-0999, exception: nope}\n') })).toEqual([
      "policies/advisories/a.yaml:8 reference.unknown-change change 'CHG-2026-0999' does not exist",
      "policies/advisories/a.yaml:8 reference.unknown-exception exception 'nope' does not exist",
    ]);
  });

  it('the schema refuses an id that is not CVE/CNVD and an unknown severity', async () => {
    const r = await repoFromFiles({ 'policies/advisories/a.yaml': advisory('a', 'urgent', '2026-11-01').replace('CNVD-2024-29857', 'GHSA-1234') });
    expect(r.diagnostics.map((d) => [d.code, d.pointer])).toEqual([
      ['schema.pattern', '/references/1'],
      ['schema.enum', '/severity'],
    ]);
  });
});
