/**
 * What a pull request that edits a backup policy will do to the hosts once
 * `opsgate converge backup` runs after merge: per host, whether its timers
 * (schedule), retention, paths, repository or hooks change, whether the job
 * is installed or removed, and — called out — whether retention shrinks,
 * because the next `restic forget --prune` then deletes snapshots for good.
 * For the gate's plan section (display only; the gate decides on its rules).
 * Pure.
 */
import type { BackupPolicyDocument } from '../model/documents.generated.ts';
import { policyTargets, repositoryFor, type PlanHostInput } from './backup-plan.ts';

export type BackupEditAspect = 'timers' | 'retention' | 'paths' | 'repository' | 'hooks' | 'job installed' | 'job removed';

export interface BackupEditView {
  policy: string;
  file: string;
  status: 'added' | 'modified' | 'removed';
  /** Hosts whose installed job changes, with what changes there. */
  hosts: Array<{ host: string; changes: BackupEditAspect[] }>;
  /** Each keep_* that goes down (absent counts as 0), and grouping of full copies dropped. */
  retention_shrinks: Array<{ keep: string; from: number; to: number }>;
  schedule?: { from: Record<string, string>; to: Record<string, string> };
}

const KEEPS = ['keep_daily', 'keep_weekly', 'keep_monthly', 'keep_yearly'] as const;
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const schedule = (p: BackupPolicyDocument) => ({ ...p.schedule, ...(p.run?.randomized_delay_seconds ? { randomized_delay_seconds: String(p.run.randomized_delay_seconds) } : {}) });

export function planBackupEdit(a: { file: string; base?: BackupPolicyDocument; head?: BackupPolicyDocument; hosts: readonly PlanHostInput[] }): BackupEditView {
  const { base, head } = a;
  const id = (head ?? base)!.id;
  const status = !base ? 'added' : !head ? 'removed' : 'modified';
  const shrinks: BackupEditView['retention_shrinks'] = [];
  if (base && head) {
    for (const k of KEEPS) {
      const from = base.retention[k] ?? 0;
      const to = head.retention[k] ?? 0;
      if (to < from) shrinks.push({ keep: k, from, to });
    }
    if (base.full?.distinct_copies && !head.full?.distinct_copies) shrinks.push({ keep: 'full.distinct_copies (full copies kept as a group of their own)', from: 1, to: 0 });
  }
  const hosts: BackupEditView['hosts'] = [];
  for (const h of [...a.hosts].sort((x, y) => x.id.localeCompare(y.id))) {
    const was = base !== undefined && policyTargets(base, h);
    const is = head !== undefined && policyTargets(head, h);
    if (!was && !is) continue;
    if (!was) {
      hosts.push({ host: h.id, changes: ['job installed'] });
      continue;
    }
    if (!is) {
      hosts.push({ host: h.id, changes: ['job removed'] });
      continue;
    }
    const b = base!;
    const n = head!;
    const changes: BackupEditAspect[] = [];
    if (!same(schedule(b), schedule(n))) changes.push('timers');
    if (!same(b.retention, n.retention) || !same(b.full?.distinct_copies, n.full?.distinct_copies) || !same(b.tags, n.tags)) changes.push('retention');
    if (!same(b.paths, n.paths) || !same(b.exclude, n.exclude) || !same(b.tags, n.tags)) changes.push('paths');
    if (!same(repositoryFor(b, h), repositoryFor(n, h)) || !same(b.repository.credentials, n.repository.credentials) || !same(b.repository.cache_dir, n.repository.cache_dir))
      changes.push('repository');
    if (!same(b.hooks, n.hooks) || !same(b.run, n.run) || !same(b.verification.read_data_subset, n.verification.read_data_subset)) changes.push('hooks');
    if (changes.length) hosts.push({ host: h.id, changes });
  }
  return {
    policy: id,
    file: a.file,
    status,
    hosts,
    retention_shrinks: shrinks,
    ...(base && head && !same(schedule(base), schedule(head)) ? { schedule: { from: schedule(base), to: schedule(head) } } : {}),
  };
}

/** The plan section's lines for one policy edit; `esc` escapes Markdown. */
export function renderBackupEditMarkdown(v: BackupEditView, esc: (s: string) => string): string[] {
  const list = (xs: string[]) => (xs.length > 8 ? `${xs.slice(0, 8).join(', ')} and ${xs.length - 8} more` : xs.join(', '));
  const out = [
    `- **${esc(v.policy)}** (${v.status}, \`${esc(v.file)}\`): ${v.hosts.length ? `${v.hosts.length} host${v.hosts.length === 1 ? '' : 's'} change at the next \`opsgate converge backup\`` : "no host's job changes"}`,
  ];
  if (v.retention_shrinks.length) {
    out.push(
      `  - ⚠️ **retention shrinks**: ${v.retention_shrinks.map((s) => `${esc(s.keep)} ${s.from} → ${s.to}`).join(', ')}. The next \`restic forget --prune\` on ${list(v.hosts.filter((h) => h.changes.includes('retention')).map((h) => esc(h.host)))} deletes the snapshots no longer kept, for good.`,
    );
  }
  if (v.schedule)
    out.push(
      `  - schedule: ${Object.entries(v.schedule.from)
        .map(([k, x]) => `${esc(k)} "${esc(x)}"`)
        .join(', ')} → ${Object.entries(v.schedule.to)
        .map(([k, x]) => `${esc(k)} "${esc(x)}"`)
        .join(', ')}`,
    );
  const by = new Map<string, string[]>();
  for (const h of v.hosts) {
    const k = h.changes.join(', ');
    by.set(k, [...(by.get(k) ?? []), esc(h.host)]);
  }
  for (const [what, hs] of by) out.push(`  - ${what}: ${list(hs)}${what === 'job removed' ? ' (backups stop there; the snapshots stay in the repository)' : ''}`);
  return out;
}
