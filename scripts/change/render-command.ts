/**
 * Turns typed steps into argument lists for the SSH edge. Pure.
 * No YAML value is ever pasted into a shell string: values travel as separate
 * arguments (quoted by `quoteArgv`) or on stdin; the only shell text here is
 * constant scripts written in this file, which read their data from "$1"….
 */
import { rendered, renderRootScript, type RenderedCommand } from '../remote/commands.ts';

export type { RenderedCommand };

/** A secret reference in a run step's env: `${{ secrets.NAME }}`; NAME is read from the runner's environment at execution. */
const SECRET_REF = /^\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$/;

export function secretRefName(value: string): string | undefined {
  return SECRET_REF.exec(value)?.[1];
}

/** Reads one line per secret from stdin into the named variables, then runs "$@". Values never appear in argv (ps) or records. */
export const SECRET_ENV_SCRIPT = 'for n in $OPSGATE_ENV_FROM_STDIN; do IFS= read -r v || exit 97; export "$n=$v"; done; unset n v OPSGATE_ENV_FROM_STDIN; exec "$@"';

/**
 * Saves the previous content in opsgate's state directory on the host ($OPSGATE_SAVE_DIR, set by the step
 * runner: one directory per repository, change and host), then writes the new content atomically (a temporary
 * file beside the destination, then rename). The first upload of a change to a destination keeps the original;
 * later ones (a resume, a retry, a second upload to the same file) do not overwrite it. The temporary file is
 * removed on every path.
 */
export const UPLOAD_SCRIPT = [
  'set -eu',
  'dest=$1 mode=$2 owner=$3 group=$4 tag=$5',
  'S=${OPSGATE_SAVE_DIR:?runs only under the step runner, which names the save directory}',
  'dir=$(dirname -- "$dest") base=$(basename -- "$dest")',
  'saved="$S/$tag.$(printf %s "$dest" | sha256sum | cut -c1-32)"',
  'tmp=$(mktemp "$dir/.$base.opsgate-new.XXXXXX")',
  'trap \'rm -f -- "$tmp"\' EXIT',
  'cat > "$tmp"',
  'chmod -- "$mode" "$tmp"',
  'if [ -n "$owner" ]; then chown -- "$owner" "$tmp"; fi',
  'if [ -n "$group" ]; then chgrp -- "$group" "$tmp"; fi',
  'mkdir -p -- "$S"',
  'if [ ! -e "$saved" ] && [ ! -e "$saved.absent" ]; then',
  '  if [ -e "$dest" ]; then cp -p -- "$dest" "$saved.part" && mv -f -- "$saved.part" "$saved"; else : > "$saved.absent"; fi',
  'fi',
  // A file that is a mount point cannot be renamed over: its content is replaced in place instead.
  'if ! mv -f -- "$tmp" "$dest" 2>/dev/null; then cat -- "$tmp" > "$dest" && chmod -- "$mode" "$dest" && { [ -z "$owner" ] || chown -- "$owner" "$dest"; } && { [ -z "$group" ] || chgrp -- "$group" "$dest"; }; fi',
  'rm -f -- "$tmp"',
  'trap - EXIT',
  'echo "uploaded $dest"',
].join('\n');

/** Puts back what UPLOAD_SCRIPT saved (or removes a file that did not exist before): a copy beside the destination renamed over it, or in place when it is a mount point. */
export const RESTORE_SCRIPT = [
  'set -eu',
  'dest=$1 tag=$2',
  'S=${OPSGATE_SAVE_DIR:?runs only under the step runner, which names the save directory}',
  'dir=$(dirname -- "$dest") base=$(basename -- "$dest")',
  'saved="$S/$tag.$(printf %s "$dest" | sha256sum | cut -c1-32)"',
  'if [ -e "$saved" ]; then',
  '  tmp=$(mktemp "$dir/.$base.opsgate-restore.XXXXXX")',
  '  trap \'rm -f -- "$tmp"\' EXIT',
  '  cp -p -- "$saved" "$tmp"',
  '  if ! mv -f -- "$tmp" "$dest" 2>/dev/null; then cat -- "$saved" > "$dest" && chmod --reference="$saved" -- "$dest" && chown --reference="$saved" -- "$dest"; fi',
  '  rm -f -- "$tmp" "$saved"; trap - EXIT',
  '  echo "restored $dest"',
  'elif [ -e "$saved.absent" ]; then rm -f -- "$dest" "$saved.absent"; echo "removed $dest (it did not exist before)"',
  'else echo "nothing saved for $dest: the upload did not run here"; fi',
].join('\n');

/**
 * A run step: `argv` as given, or `sh -s -- args` reading the repository script on stdin.
 * Literal env values go through `env K=V`; secret references go on stdin through SECRET_ENV_SCRIPT.
 */
export function renderRun(step: { argv?: string[]; script?: string; args?: string[]; env?: Record<string, string | undefined>; sudo?: boolean }): RenderedCommand & { secretNames: string[] } {
  const env = Object.entries(step.env ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string');
  const literal = env.filter(([, v]) => !secretRefName(v));
  const secrets = env.flatMap(([k, v]) => {
    const ref = secretRefName(v);
    return ref ? [{ name: k, ref }] : [];
  });
  const command = step.script ? ['sh', '-s', '--', ...(step.args ?? [])] : [...(step.argv ?? [])];
  let argv = command;
  if (secrets.length > 0) {
    // The script reads the secret lines first; a script step cannot also read its body from stdin.
    argv = ['env', `OPSGATE_ENV_FROM_STDIN=${secrets.map((s) => s.name).join(' ')}`, 'sh', '-c', SECRET_ENV_SCRIPT, 'opsgate-env', ...command];
  }
  if (literal.length > 0) argv = ['env', ...literal.map(([k, v]) => `${k}=${v}`), ...argv];
  return { ...rendered(argv, Boolean(step.sudo)), secretNames: secrets.map((s) => s.ref) };
}

export function renderUpload(step: { dest: string; mode: string; owner?: string; group?: string }, tag: string): RenderedCommand {
  const sudo = Boolean(step.owner || step.group);
  return rendered(['sh', '-c', UPLOAD_SCRIPT, 'opsgate-upload', step.dest, step.mode, step.owner ?? '', step.group ?? '', tag], sudo);
}

export function renderRestore(step: { dest: string; owner?: string; group?: string }, tag: string): RenderedCommand {
  const sudo = Boolean(step.owner || step.group);
  return rendered(['sh', '-c', RESTORE_SCRIPT, 'opsgate-restore', step.dest, tag], sudo);
}

export function renderCheck(check: { argv: string[] }): RenderedCommand {
  return rendered([...check.argv]);
}

/** A converge script sent on stdin and run as root. */
export function renderConverge(): RenderedCommand {
  return renderRootScript();
}
