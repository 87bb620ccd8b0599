/**
 * Host-side shell functions (POSIX sh, dash) that decide who writes an account's authorized_keys and write it, for
 * the access converge script (access-script.ts), which runs as root. Pure text.
 *
 * The account owns its home, so it can swap ~/.ssh for a link between any check and a write. Keys are therefore
 * written with the account's own privileges (setpriv, else runuser): whatever path it swaps in, the kernel refuses
 * what the account itself could not do, so a directory above the home that others may write to gives nobody more
 * than they already have. Root writes itself only where the home and ~/.ssh are root's and no one else may write to
 * them, and where no directory above the home lets another account rename the home away and put a link in its place
 * (root would follow that link): such a home is refused, as is an account-written home on a host with neither tool.
 * Both are decided before anything is installed (og_keys_refusal), so a refusal writes nothing on the host. The
 * existing keys are read the same way (og_keys_get), after that refusal: never by root for the account, so a file the
 * account swaps for a link to /etc/shadow (or a root-only file mounted there) is unreadable, not reported line by line.
 *
 * Needs `og_unsafe` (remote/link-safety.ts). Variables of these functions are `og_k_*` (sh has no locals).
 */
import { shellText } from '../remote/shell-text.ts';

/**
 * At most this many bytes of existing keys are read: about 10,000 ed25519 lines or 1,400 RSA-4096 lines with
 * options, far above any real file, and small enough that an endless or huge source costs a megabyte, not the host's
 * memory or disk. More is refused.
 */
export const KEYS_READ_CAP = 1024 * 1024;
/** Seconds the open and read of the existing keys (and the write of the new ones) may take: a local file takes ms. */
export const KEYS_READ_SECONDS = 10;

export const KEYS_WRITER_FUNCTIONS = shellText(String.raw`# Why HOME/.ssh/authorized_keys may not be read and written (og_unsafe, link-safety.ts: a link anywhere on the path,
# the home itself included; not a regular file; more than one name), or HOME/.ssh exists and is not a directory.
# Prints nothing and fails when they may.
og_keys_unsafe() {
  og_unsafe "$1/.ssh/authorized_keys" && return 0
  if [ -e "$1/.ssh" ] && [ ! -d "$1/.ssh" ]; then printf '%s is not a directory' "$1/.ssh" | tr '\t\n' '  '; return 0; fi
  return 1
}
# Who writes the keys under HOME: prints root when HOME and HOME/.ssh (those that exist) are root's directories that
# no one else may write to (keys managed by root), else account.
og_keys_writer() {
  for og_k_d in "$1" "$1/.ssh"; do
    [ -e "$og_k_d" ] || continue
    case $(stat -c '%u %A' -- "$og_k_d") in 0\ d????-??-?*) ;; *) echo account; return 0 ;; esac
  done
  echo root
}
# Why another account could replace HOME while root writes in it: a directory above it, up to /, that is not root's
# (its owner may rename anything in it) or that group or others may write to without the sticky bit. Prints the
# reason and how to fix it, and succeeds; prints nothing and fails when no such directory exists.
og_keys_parents_unsafe() {
  og_k_d=$1
  while [ "$og_k_d" != / ] && [ -n "$og_k_d" ]; do
    og_k_d=$(dirname -- "$og_k_d")
    og_k_s=$(stat -c '%u %a %A' -- "$og_k_d") || { printf 'cannot stat %s' "$og_k_d"; return 0; }
    og_k_u=%{og_k_s%% *}; og_k_m=%{og_k_s#* }; og_k_m=%{og_k_m%% *}
    if [ "$og_k_u" != 0 ]; then
      printf '%s is owned by uid %s, which could rename %s away and put a link in its place while root writes the keys there; make it root'"'"'s (chown root %s)' "$og_k_d" "$og_k_u" "$1" "$og_k_d" | tr '\t\n' '  '
      return 0
    fi
    case %{og_k_s##* } in
      *[tT]) ;;
      ?????w????|????????w?)
        printf '%s is writable by others without the sticky bit (mode %s): anyone could rename %s away and put a link in its place while root writes the keys there; chmod go-w %s (or +t)' "$og_k_d" "$og_k_m" "$1" "$og_k_d" | tr '\t\n' '  '
        return 0 ;;
    esac
  done
  return 1
}
# Why the keys of ACCOUNT under HOME may not be written on this host at all (printed, succeeds), decided before anything
# is installed: root would write but another account could swap the home, or the account would write but the host has
# no tool to drop root's privileges. Prints nothing and fails when they may be written.
og_keys_refusal() {
  if [ "$(og_keys_writer "$2")" = root ]; then og_keys_parents_unsafe "$2"; return; fi
  command -v setpriv >/dev/null 2>&1 || command -v runuser >/dev/null 2>&1 && return 1
  printf 'neither setpriv nor runuser is installed (PATH %s): %s is not root'"'"'s alone, so the keys of %s are written only with its own privileges, never as root; install util-linux (setpriv, runuser)' "$PATH" "$2" "$1" | tr '\t\n' '  '
}
# Runs SCRIPT (sh -c, $1 = HOME, $2 = UID:GID for root, else empty) as the one who may touch HOME/.ssh: root where
# og_keys_writer says root and no directory above the home is unsafe (checked again here), else the account ACCOUNT
# UID GID (setpriv, else runuser; neither: an error, never done as root).
og_keys_as() {
  if [ "$(og_keys_writer "$2")" = root ]; then
    if og_k_why=$(og_keys_parents_unsafe "$2"); then printf 'OG\terror\t%s\n' "$og_k_why"; return 1; fi
    sh -c "$5" og "$2" "$3:$4"
  elif command -v setpriv >/dev/null 2>&1; then setpriv --reuid="$3" --regid="$4" --clear-groups -- sh -c "$5" og "$2" ''
  elif command -v runuser >/dev/null 2>&1; then runuser -u "$1" -- sh -c "$5" og "$2" ''
  else printf 'OG\terror\tneither setpriv nor runuser on the host: the keys of %s are read and written with its own privileges only\n' "$1"; return 1; fi
}
# Prints HOME/.ssh/authorized_keys of ACCOUNT UID GID, read by whoever would write it (og_keys_as): a file swapped
# for a link to /etc/shadow, or a root-only file mounted there, is then unreadable, never read by root for the
# account. The account can also make it a FIFO (an open blocks until someone writes) or an endless source, after
# every check: the file is opened and read under timeout, its type checked on the opened descriptor (/dev/stdin),
# and at most one byte more than the cap is read. Exits 3 when there is no such file, 4 when the opened file is not
# a regular file, 124 or 137 when the open or the read took too long, another non-zero when it cannot be read.
og_keys_get() {
  og_keys_as "$1" "$2" "$3" "$4" 'cd -- "$1" 2>/dev/null || exit 1; [ -e .ssh/authorized_keys ] || exit 3
timeout -k 2 ${KEYS_READ_SECONDS} sh -c "exec <.ssh/authorized_keys && { [ -f /dev/stdin ] || exit 4; } && exec head -c ${KEYS_READ_CAP + 1}" 2>/dev/null'
}
# Why the keys read by og_keys_get (exit status RC, text in CUR) of ACCOUNT under HOME, file FILE, are not used
# (printed, succeeds); nothing printed and fails when they may be (read, or no file at all).
og_keys_read_refusal() {
  case $1 in
    0) [ "$(wc -c < "$5")" -gt ${KEYS_READ_CAP} ] || return 1; og_k_m="$2 is larger than ${KEYS_READ_CAP} bytes" ;;
    3) return 1 ;;
    4) og_k_m="$2 is not a regular file" ;;
    124|137) og_k_m="$2 read timed out (${KEYS_READ_SECONDS} s)" ;;
    *) og_k_who=$3; [ "$(og_keys_writer "$4")" = account ] || og_k_who=root; og_k_m="cannot read $2 as $og_k_who" ;;
  esac
  printf '%s' "$og_k_m" | tr '\t\n' '  '
}
# Writes HOME/.ssh/authorized_keys (stdin) of ACCOUNT UID GID: beside it in ~/.ssh, renamed over it; ~/.ssh created
# when missing (the account's, mode 700; root's, mode 755 so that sshd, reading as the account, gets through).
# Written by og_keys_as: root where root's alone, otherwise as the account. A HOME or ~/.ssh writable by another
# non-root account, or a root-owned ~/.ssh in a home the account owns, fails there (the account cannot write, root
# must not). A missing HOME is not created.
og_keys_put() {
  og_keys_as "$1" "$2" "$3" "$4" 'umask 077; cd -- "$1" || exit 1
if [ -z "$2" ]; then { [ -d .ssh ] || mkdir .ssh; } && chmod 700 .ssh || exit 1; else [ -d .ssh ] || mkdir -m 755 .ssh || exit 1; fi
n=$(mktemp .ssh/.authorized_keys.opsgate.XXXXXX) || exit 1
if timeout -k 2 ${KEYS_READ_SECONDS} sh -c "exec >\"\$0\" && [ -f /dev/stdout ] && exec cat" "$n" && { [ -z "$2" ] || chown "$2" "$n"; } && chmod 600 "$n" && mv -f "$n" .ssh/authorized_keys; then exit 0; fi
rm -f "$n"; exit 1'
}
`);
