/**
 * restic command lines and the restic environment file, as `opsgate converge
 * backup` installs them on a host. Argument lists only (the one quoting
 * function quotes them where they become text); the password is never an
 * argument or an environment value: restic reads it from RESTIC_PASSWORD_FILE.
 * Pure.
 *
 * (The job reads the password from a root-only file; `opsgate backup verify` passes it on stdin.)
 */
import { assertOperand } from '../ssh/quote.ts';

export interface ResticRetention {
  keep_daily: number;
  keep_weekly?: number;
  keep_monthly?: number;
  keep_yearly?: number;
}

/** The tag full runs add when the policy keeps distinct full copies. */
export const FULL_TAG = 'full';

/** `restic backup`: the policy's paths, excludes and tags, the snapshot named after the inventory host. */
export function resticBackupArgv(o: { host: string; paths: readonly string[]; excludes: readonly string[]; tags: readonly string[] }): string[] {
  for (const p of o.paths) assertOperand(p, 'backup path');
  return ['restic', 'backup', '--host', assertOperand(o.host, 'host'), ...o.tags.flatMap((t) => ['--tag', assertOperand(t, 'tag')]), ...o.excludes.map((e) => `--exclude=${e}`), '--', ...o.paths];
}

/** The `--keep-*` options of a retention (zero and absent keep nothing of that kind, so they are left out). */
export function retentionArgs(r: ResticRetention): string[] {
  const out: string[] = [];
  for (const [key, flag] of [
    ['keep_daily', '--keep-daily'],
    ['keep_weekly', '--keep-weekly'],
    ['keep_monthly', '--keep-monthly'],
    ['keep_yearly', '--keep-yearly'],
  ] as const) {
    const n = r[key];
    if (n !== undefined && n > 0) out.push(flag, String(n));
  }
  return out;
}

/**
 * `restic forget --prune` limited to this host's snapshots of this policy
 * (all of its tags); with distinct full copies the tagged full snapshots are
 * a retention group of their own.
 */
export function resticForgetArgv(o: { host: string; tags: readonly string[]; retention: ResticRetention; groupByTags: boolean }): string[] {
  return [
    'restic',
    'forget',
    '--prune',
    '--host',
    assertOperand(o.host, 'host'),
    '--tag',
    o.tags.join(','),
    ...retentionArgs(o.retention),
    ...(o.groupByTags ? ['--group-by', 'host,paths,tags'] : []),
  ];
}

/** What a full run reads back: `restic check --read-data-subset`. */
export function resticCheckArgv(subset: string): string[] {
  return ['restic', 'check', `--read-data-subset=${subset}`];
}

/** Does the repository exist (and open with the password)? Reads the config only; no cache, no lock. */
export const RESTIC_CAT_CONFIG = ['restic', '--no-cache', 'cat', 'config'] as const;
export const RESTIC_INIT = ['restic', 'init'] as const;

/** Variables the environment file may never set from policy credentials: restic's own, and the process's. */
const RESERVED = /^(RESTIC_|LD_|DYLD_)|^(PATH|HOME|SHELL|ENV|BASH_ENV|IFS|PS4|TMPDIR|TZ|USER|LOGNAME)$/;

/** Why a backend credential variable name cannot be used, or undefined. */
export function credentialNameProblem(name: string): string | undefined {
  if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) return `'${name}' is not an environment variable name`;
  if (RESERVED.test(name)) return `'${name}' is set by opsgate (repository, password file, cache) or controls the process; name the backend's own variable (AWS_ACCESS_KEY_ID, B2_ACCOUNT_KEY, …)`;
  return undefined;
}

/** Why a value cannot be written to the environment file (read both by sh and by systemd), or undefined. */
export function envValueProblem(value: string): string | undefined {
  if (/[\0\r\n]/.test(value)) return 'contains a line break or NUL';
  if (value.includes("'")) return "contains a single quote (the environment file quotes values with ')";
  return undefined;
}

/** The environment file: one `NAME='value'` line each, read with `set -a; . FILE` by the run script. */
export function renderResticEnvFile(header: string, vars: ReadonlyArray<readonly [string, string]>): string {
  const lines = [header];
  for (const [name, value] of vars) {
    const p = envValueProblem(value);
    if (p) throw new Error(`${name} ${p}`);
    lines.push(`${name}='${value}'`);
  }
  return lines.join('\n') + '\n';
}

/** A repository location for output and records: any user:password in a URL replaced. */
export function displayRepository(url: string): string {
  return url.replace(/(\/\/[^/@:\s]*):[^/@\s]*@/g, '$1:***@');
}
