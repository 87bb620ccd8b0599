/**
 * The one host-side rule for a path converge would write, re-mode or re-own (baseline.ts, access-script.ts): it is
 * refused when a symbolic link is anywhere on its path (the file itself or any directory above it), when it exists
 * and is not a regular file, or when its inode has more than one name (a hard link, wherever the other names are: the
 * link count alone refuses; the reason names the others found under /etc, the only directory searched, and says so
 * when some are elsewhere, e.g. /root or /var). Any of these makes the change
 * land on another file: /etc/shadow behind a link named login.defs, another account's keys behind a home that is a
 * link. A path that does not exist yet is safe when nothing above it is a link.
 *
 * `og_unsafe PATH` (POSIX sh, dash): prints why PATH may not be changed, on one line (tabs and newlines of file
 * names turned into spaces), and succeeds; prints nothing and fails when it may. Callers word their own refusal
 * around the reason. Its variables are all `og_u_*` (sh has no locals).
 */
export const LINK_SAFETY_FUNCTION = String.raw`og_unsafe() {
  og_u_why=$(og_unsafe_why "$1") || return 1
  printf '%s' "$og_u_why" | tr '\t\n' '  '
}
og_unsafe_why() {
  og_u_p=$1 og_u_d=$1
  case $og_u_p in /*) ;; *) printf '%s is not an absolute path' "$og_u_p"; return 0 ;; esac
  while [ "$og_u_d" != / ] && [ -n "$og_u_d" ]; do
    if [ -L "$og_u_d" ]; then printf '%s is a symbolic link to %s' "$og_u_d" "$(readlink -- "$og_u_d")"; return 0; fi
    og_u_d=$(dirname -- "$og_u_d")
  done
  [ -e "$og_u_p" ] || return 1
  [ -f "$og_u_p" ] || { printf '%s is not a regular file' "$og_u_p"; return 0; }
  og_u_n=$(stat -c %h -- "$og_u_p") || { printf 'cannot stat %s' "$og_u_p"; return 0; }
  [ "$og_u_n" = 1 ] && return 1
  og_u_found=$(find /etc -samefile "$og_u_p" 2>/dev/null | grep -Fxv -- "$og_u_p")
  og_u_k=$(printf '%s' "$og_u_found" | grep -c .)
  og_u_also=$(printf '%s\n' "$og_u_found" | head -n 3 | tr '\n' ' ' | sed 's/ $//; s/ /, /g')
  printf '%s has %s hard links' "$og_u_p" "$og_u_n"
  if [ "$og_u_k" = 0 ]; then :
  elif [ "$og_u_k" -ge "$((og_u_n - 1))" ] && [ "$og_u_k" -le 3 ]; then printf ' (also %s)' "$og_u_also"
  else printf ' (also %s; %s other names in all, only /etc was searched)' "$og_u_also" "$((og_u_n - 1))"; fi
}`;
