/**
 * The typed precheck `backup_fresh: {policy, within_hours}` of a change: before
 * packages are installed or upgraded, the host's newest snapshot of the policy
 * must be younger than `within_hours`. Evaluated on the host, with restic, by a
 * constant script that receives every value as "$1"… and the repository password
 * as the one line of stdin (restic.ts RESTIC_WITH_PASSWORD; apply sends a plan's
 * `secrets` stdin in exactly that form). Pure.
 *
 *   sh -c RESTIC_WITH_PASSWORD opsgate-restic sh -c BACKUP_FRESH_SCRIPT opsgate-backup-fresh
 *      --repo=REPOSITORY --host=HOST WITHIN_SECONDS FILTER…
 *
 * FILTER is `--tag=a,b` (the policy's tags) or one `--path=P` per policy path.
 * Exit 0 and `fresh: …` when the newest snapshot is within the bound; exit 1 and
 * `stale: …` or `none: …` when it is not; exit 2 when restic itself failed.
 */
import type { RenderedCommand } from '../remote/commands.ts';
import { flag, pathOperand, renderWithPassword, resticArgv } from './restic.ts';

export const BACKUP_FRESH_SCRIPT = [
  'repo=$1 host=$2 within=$3',
  'shift 3',
  'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH',
  'out=$(restic "$repo" --no-cache --no-lock snapshots --json "$host" "$@") || { echo "restic snapshots failed" >&2; exit 2; }',
  'newest=0 stamp=',
  'for t in $(printf \'%s\\n\' "$out" | grep -o \'"time":"[^"]*"\' | sed \'s/^"time":"//; s/"$//\'); do',
  '  s=$(date -d "$t" +%s) || { echo "unreadable snapshot time $t" >&2; exit 2; }',
  '  if [ "$s" -gt "$newest" ]; then newest=$s stamp=$t; fi',
  'done',
  'now=$(date +%s)',
  'if [ -z "$stamp" ]; then echo "none: no snapshot of this host for the policy in the repository"; exit 1; fi',
  'age=$((now - newest))',
  'if [ "$age" -le "$within" ]; then echo "fresh: newest snapshot $stamp, $age s old (bound $within s)"; exit 0; fi',
  'echo "stale: newest snapshot $stamp, $age s old (bound $within s)"; exit 1',
].join('\n');

export interface FreshTarget {
  repository: string;
  passwordEnv: string;
  host: string;
  tags?: readonly string[];
  paths: readonly string[];
  withinHours: number;
}

/** The precheck's command on `host` (as root) and the one secret it reads on stdin. */
export function renderBackupFresh(t: FreshTarget): RenderedCommand & { secretNames: string[] } {
  const [, repo] = resticArgv(t.repository, 'snapshots', []);
  const filter = t.tags && t.tags.length > 0 ? [flag('--tag', t.tags.join(','))] : t.paths.map((p) => flag('--path', pathOperand(p)));
  const seconds = String(Math.round(t.withinHours * 3600));
  return { ...renderWithPassword(['sh', '-c', BACKUP_FRESH_SCRIPT, 'opsgate-backup-fresh', repo!, flag('--host', t.host), seconds, ...filter]), secretNames: [t.passwordEnv] };
}
