/**
 * The restore test as one constant host-side script (no value is ever pasted
 * into it: everything arrives as "$1"…). Pure.
 *
 *   sh -c RESTORE_TEST_SCRIPT opsgate-restore-test BOUNDARY REPOSITORY SNAPSHOT SCRATCH_BASE PATH…
 *
 * run through RESTIC_WITH_PASSWORD (restic.ts), which has read the password from
 * stdin into RESTIC_PASSWORD.
 * In one exec on the restic host it
 * 1. lists the sample paths as the snapshot holds them (`restic ls --json --recursive`);
 * 2. creates a scratch directory (mode 0700) under SCRATCH_BASE and restores the
 *    sample paths into it with `restic restore --verify`, timed on the host;
 * 3. lists the restored tree (type, size, path) and hashes every restored file;
 * 4. streams the same paths out of restic a second way (`restic dump`: a tar for a
 *    directory, the bytes for a file) into a second tree and hashes that;
 * 5. removes the scratch directory and says whether it is gone (a trap removes it
 *    on any exit or signal too).
 * Output: sections opened by `BOUNDARY begin NAME` and closed by
 * `BOUNDARY end NAME STATUS`; tree listings are NUL-separated so any file name
 * survives.
 */

export const RESTORE_TEST_SCRIPT = `
B=$1 R=$2 S=$3 base=$4
shift 4
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; export PATH
LC_ALL=C; export LC_ALL
umask 077
begin() { printf '%s begin %s\\n' "$B" "$1"; }
end() { printf '\\n%s end %s %s\\n' "$B" "$1" "$2"; }
W=$(mktemp -d "$base/opsgate-restore.XXXXXXXX") || { begin scratch; end scratch 90; exit 0; }
trap 'rm -rf -- "$W"' EXIT
trap 'rm -rf -- "$W"; exit 143' HUP INT TERM
begin scratch; printf '%s' "$W"; end scratch 0
mkdir "$W/r" "$W/d" || exit 91
begin listing
restic --repo="$R" --no-cache ls --json --recursive "$S" "$@" 2>"$W/err"; rc=$?
end listing $rc
begin listing-stderr; head -c 4096 "$W/err"; end listing-stderr 0
n=$#
for p do set -- "$@" "--include=$p"; done
shift $n
begin restore
t0=$(date +%s%N)
restic --repo="$R" --no-cache restore "$S" --target="$W/r" --verify "$@" >"$W/out" 2>&1; rc=$?
t1=$(date +%s%N)
head -c 4096 "$W/out"
end restore $rc
begin restore-ns; printf '%s' $((t1 - t0)); end restore-ns 0
begin restored
(cd "$W/r" && find . -mindepth 1 -printf '%y %s %P\\0'); rc=$?
end restored $rc
begin restored-sha256
(cd "$W/r" && find . -type f -print0 | xargs -0 -r sha256sum --zero --); rc=$?
end restored-sha256 $rc
begin dumped
for a do
  p=\${a#--include=}
  if [ -d "$W/r$p" ]; then
    { restic --repo="$R" --no-cache dump "$S" "$p" 2>>"$W/derr"; echo $? >"$W/drc"; } | tar -x -C "$W/d" 2>>"$W/derr" || echo 1 >"$W/trc"
  elif [ -e "$W/r$p" ] || [ -L "$W/r$p" ]; then
    mkdir -p "$W/d$(dirname -- "$p")" && restic --repo="$R" --no-cache dump "$S" "$p" >"$W/d$p" 2>>"$W/derr" || echo $? >"$W/drc"
  fi
  if [ -s "$W/drc" ] && [ "$(cat "$W/drc")" != 0 ]; then printf 'dump %s failed\\0' "$p"; fi
  : >"$W/drc"
done
[ -s "$W/trc" ] && printf 'tar failed\\0'
head -c 4096 "$W/derr" 2>/dev/null | tr '\\0\\n' '  '
end dumped 0
begin dumped-sha256
(cd "$W/d" && find . -type f -print0 | xargs -0 -r sha256sum --zero --); rc=$?
end dumped-sha256 $rc
rm -rf -- "$W"
trap - EXIT HUP INT TERM
begin cleanup
if [ -e "$W" ]; then printf 'still there: %s' "$W"; end cleanup 1; else printf 'removed %s' "$W"; end cleanup 0; fi
`.trimStart();

/** The argv of a restore test; every value a separate argument. */
export function restoreTestArgv(boundary: string, repository: string, snapshotId: string, scratchBase: string, paths: readonly string[]): string[] {
  if (!/^[A-Za-z0-9_-]{16,}$/.test(boundary)) throw new TypeError('boundary must be ≥16 characters of [A-Za-z0-9_-]');
  if (repository.startsWith('-') || /[\0\r\n]/.test(repository)) throw new TypeError(`repository '${repository}' cannot be passed`);
  if (!/^[0-9a-f]{8,64}$/.test(snapshotId)) throw new TypeError(`'${snapshotId}' is not a snapshot id`);
  for (const p of [scratchBase, ...paths]) if (!p.startsWith('/') || /[\0\r\n]/.test(p)) throw new TypeError(`path '${p}' is not an absolute one-line path`);
  if (paths.length === 0) throw new TypeError('a restore test needs at least one path');
  return ['sh', '-c', RESTORE_TEST_SCRIPT, 'opsgate-restore-test', boundary, repository, snapshotId, scratchBase, ...paths];
}

export interface ScriptSection {
  name: string;
  status: number;
  text: string;
}

/** Splits the script's output into its sections (a section without its end line is reported with status -1). Pure. */
export function splitScriptSections(output: string, boundary: string): Map<string, ScriptSection> {
  const out = new Map<string, ScriptSection>();
  const begin = `${boundary} begin `;
  let i = 0;
  while ((i = output.indexOf(begin, i)) >= 0) {
    const nl = output.indexOf('\n', i);
    if (nl < 0) break;
    const name = output.slice(i + begin.length, nl);
    const endMark = `\n${boundary} end ${name} `;
    const j = output.indexOf(endMark, nl);
    if (j < 0) {
      out.set(name, { name, status: -1, text: output.slice(nl + 1) });
      break;
    }
    const lineEnd = output.indexOf('\n', j + endMark.length);
    const status = Number(output.slice(j + endMark.length, lineEnd < 0 ? undefined : lineEnd));
    out.set(name, { name, status: Number.isFinite(status) ? status : -1, text: output.slice(nl + 1, j) });
    i = lineEnd < 0 ? output.length : lineEnd + 1;
  }
  return out;
}
