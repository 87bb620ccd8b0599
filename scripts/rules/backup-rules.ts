/**
 * Backup verification is read from evidence, never from a date typed into a
 * policy: every host a backup policy targets needs a passing restore test in
 * records/backups/ (written by `opsgate backup verify --restore-test --record`)
 * within `verification.restore_test_every_days`. Pure: the edge reads the records.
 */
import type { Diagnostic } from '../model/diagnostic.ts';
import type { Doc } from '../repo/parse-document.ts';
import { lastPassingTests } from '../backup/record.ts';
import { packageInstall } from '../backup/installs-packages.ts';
import { allowedSecrets, secretUseProblem } from './secret-policy.ts';
import { singletonFileOf } from './singleton-file.ts';
import { at, type RuleInput } from './rule-context.ts';

const DAY = 86_400_000;

export function checkBackupVerification({ repo, now, backupRestoreTests }: RuleInput): Diagnostic[] {
  if (!backupRestoreTests) return [];
  const out: Diagnostic[] = [];
  const last = lastPassingTests(backupRestoreTests.tests);
  for (const bp of repo.all('backup-policy')) {
    const every = bp.data.verification.restore_test_every_days;
    const overdue: string[] = [];
    for (const h of repo
      .resolveTargets(bp.data.targets)
      .map((d) => d.id)
      .sort()) {
      const t = last.get(`${bp.id}\u0000${h}`);
      if (!t) overdue.push(`${h} (none recorded)`);
      else if (now.getTime() - Date.parse(t.at) > every * DAY) overdue.push(`${h} (last passed ${t.at.slice(0, 10)}, ${t.file}:${t.line})`);
    }
    if (overdue.length === 0) continue;
    out.push(
      at(
        bp,
        '/verification/restore_test_every_days',
        'backup.verification-overdue',
        `no passing restore test within ${every} days in records/backups/ for ${overdue.length} target host${overdue.length === 1 ? '' : 's'}: ${overdue.slice(0, 5).join(', ')}${overdue.length > 5 ? ', …' : ''}`,
        `run 'opsgate backup verify --policies ${bp.id} --restore-test --record' (the scheduled backup workflow runs it with --due)`,
      ),
    );
  }
  for (const p of backupRestoreTests.problems) {
    out.push({
      code: 'backup.records-broken',
      severity: 'warning',
      file: p.split(':')[0]!,
      line: 1,
      col: 1,
      message: `${p}: restore tests after the break are not counted`,
      hint: "run 'opsgate records verify'; a person must look at it",
    });
  }
  return out;
}

/**
 * Backup before upgrade (升级补丁前备份重要数据): an open change whose run steps install
 * or upgrade packages on a host that a backup policy targets needs a `backup_fresh`
 * precheck naming that policy. A check is either a command (`argv`) or the typed
 * `backup_fresh`, never both; its policy must exist. Pure.
 */
export function checkBackupPrechecks({ repo }: RuleInput): Diagnostic[] {
  const out: Diagnostic[] = [];
  const policies = repo.all('backup-policy').map((bp) => ({ id: bp.id, hosts: new Set(repo.resolveTargets(bp.data.targets).map((h) => h.id)) }));
  // apply hands the repository password to the host like any secret of a change: only when the organisation allows it.
  const allowed = allowedSecrets(repo.one('organisation')?.data);
  const organisationFile = singletonFileOf(repo, 'organisation');
  for (const doc of repo.all('change')) {
    const c = doc.data;
    for (const list of ['prechecks', 'verification'] as const) {
      const checks = c[list];
      if (!checks) continue;
      for (let i = 0; i < checks.length; i++) {
        const k = checks[i]!;
        if ((k.argv === undefined) === (k.backup_fresh === undefined))
          out.push(
            at(
              doc,
              `/${list}/${i}`,
              'change.check-shape',
              'a check needs exactly one of argv or backup_fresh',
              'argv: [command, arg, …] for a command, or backup_fresh: {policy: ID, within_hours: N}',
            ),
          );
        if (k.backup_fresh && !repo.get('backup-policy', k.backup_fresh.policy))
          out.push(at(doc, `/${list}/${i}/backup_fresh/policy`, 'reference.unknown-backup-policy', `backup policy '${k.backup_fresh.policy}' does not exist`, 'name a policy under policies/backup/'));
      }
    }
    if (c.closure) continue;
    // The change's hosts, resolved only for a change that needs them (a backup_fresh precheck, a package step).
    let targets: Doc<'host'>[] | undefined;
    const targetsOf = () => (targets ??= repo.resolveTargets(c.targets));
    (c.prechecks ?? []).forEach((k, i) => {
      const bp = k.backup_fresh && repo.get('backup-policy', k.backup_fresh.policy);
      if (!bp) return;
      const names = new Set(targetsOf().map((h) => h.data.backup_repositories?.find((r) => r.policy === bp.id)?.password_env ?? bp.data.repository.password_env));
      for (const n of [...names].sort()) {
        const p = secretUseProblem(n, allowed, organisationFile);
        if (p)
          out.push(
            at(
              doc,
              `/prechecks/${i}/backup_fresh/policy`,
              p.code,
              `the repository password of ${bp.id}: ${p.message}`,
              `add it to allowed_secrets in ${organisationFile} (governance tier), or name a policy whose password is allowed`,
            ),
          );
      }
    });
    let covered: Set<string> | undefined;
    c.steps.forEach((s, i) => {
      if (s.kind !== 'run' || !s.argv) return;
      const what = packageInstall(s.argv);
      if (!what) return;
      covered ??= new Set((c.prechecks ?? []).flatMap((k) => (k.backup_fresh ? [k.backup_fresh.policy] : [])));
      const hosts = targetsOf().map((h) => h.id);
      const missing = policies
        .filter((p) => !covered!.has(p.id))
        .map((p) => ({ id: p.id, hosts: hosts.filter((h) => p.hosts.has(h)) }))
        .filter((p) => p.hosts.length > 0);
      if (missing.length === 0) return;
      out.push(
        at(
          doc,
          `/steps/${i}/argv`,
          'change.backup-precheck-missing',
          `step '${s.id}' runs ${what} on hosts backed up by ${missing.map((p) => `${p.id} (${p.hosts.join(', ')})`).join(', ')}, with no backup_fresh precheck for ${missing.length === 1 ? 'that policy' : 'those policies'}`,
          `add to prechecks: - {id: backup-fresh, backup_fresh: {policy: ${missing[0]!.id}, within_hours: 24}}`,
        ),
      );
    });
  }
  return out;
}
