/**
 * Probe sections of the patch checks, added to the probe's section bodies
 * (scripts/inspect/probe-bodies.ts) and, for `versions`, built per request by
 * scripts/inspect/probe.ts. Read-only on the host: apt simulates without its
 * lock and without writing its caches. Pure data.
 *
 * Every version ordering is the host's own (issue 16: "compared on the host
 * with dpkg --compare-versions"): dpkg where dpkg is installed, otherwise
 * rpmdev-vercmp, otherwise rpm's own lua `rpm.vercmp`. Without any of them the
 * section says why and the check is an explained `error`, never a guess.
 */
import { quoteArg } from '../ssh/quote.ts';

/**
 * `ogvt`: the host's version comparator (dpkg | rpmdev-vercmp | rpm | empty), and
 * `ogvlt A B`: exit 0 when A is older than B, 1 when not, 2 when the tool could not
 * compare them (its message on stderr). Values reach the tools as arguments, or for
 * rpm as environment variables its lua reads: never as code.
 */
export const VERSION_COMPARATOR = `ogvt=
if command -v dpkg >/dev/null 2>&1; then ogvt=dpkg
elif command -v rpmdev-vercmp >/dev/null 2>&1; then ogvt=rpmdev-vercmp
elif command -v rpm >/dev/null 2>&1 && [ "$(OGVA=1 OGVB=2 rpm --eval '%{lua: print(rpm.vercmp(os.getenv("OGVA"), os.getenv("OGVB")))}' 2>/dev/null)" = -1 ]; then ogvt=rpm; fi
ogvlt() { case $ogvt in
  dpkg) dpkg --compare-versions "$1" lt "$2";;
  rpmdev-vercmp) rpmdev-vercmp "$1" "$2" >/dev/null; case $? in 12) return 0;; 0|11) return 1;; *) return 2;; esac;;
  rpm) o=$(OGVA=$1 OGVB=$2 rpm --eval '%{lua: print(rpm.vercmp(os.getenv("OGVA"), os.getenv("OGVB")))}') || return 2
    case $o in -1) return 0;; 0|1) return 1;; *) echo "rpm.vercmp said '$o'" >&2; return 2;; esac;;
  *) return 2;; esac; }`;

/** What the section prints when the host has no comparator (exit 3): the check's reason. */
export const NO_COMPARATOR = 'cannot compare versions on this host: none of dpkg (--compare-versions), rpmdev-vercmp or rpm (lua rpm.vercmp) is installed';

/** The commands the comparator runs, per tool (the evidence of a package_version row). */
export const COMPARATOR_COMMANDS: Record<string, string> = {
  dpkg: "dpkg-query -W -f '${Package}\\t${db:Status-Abbrev}\\t${Version}\\n' NAME…; dpkg --compare-versions INSTALLED lt MIN",
  'rpmdev-vercmp': "rpm -q --qf '%{NAME}\\t%{EPOCH}:%{VERSION}-%{RELEASE}\\n' NAME…; rpmdev-vercmp INSTALLED MIN",
  rpm: "rpm -q --qf '%{NAME}\\t%{EPOCH}:%{VERSION}-%{RELEASE}\\n' NAME…; rpm --eval '%{lua: print(rpm.vercmp(INSTALLED, MIN))}'",
};

export interface VersionRequest {
  name: string;
  min: string;
}

/**
 * The `versions` section for the package_version checks in scope: one package query for
 * every name, then one comparison per installed instance, on the host. Prints the tool
 * (`#dpkg`), then per request i (in order) either `i<TAB>absent` or, per installed instance,
 * `i<TAB>older|ok|bad<TAB>INSTALLED<TAB>MESSAGE` (the comparator's own error for `bad`).
 * Every name and minimum reaches the shell through quoteArg.
 */
export function buildVersionsBody(wanted: readonly VersionRequest[]): string {
  const names = [...new Set(wanted.map((w) => w.name))].map(quoteArg).join(' ');
  const pairs = wanted.map((w) => `${quoteArg(w.name)} ${quoteArg(w.min)}`).join(' ');
  return `${VERSION_COMPARATOR}
[ -n "$ogvt" ] || { echo ${quoteArg(NO_COMPARATOR)} >&2; exit 3; }
echo "#$ogvt"
if [ $ogvt = dpkg ]; then dpkg-query -W -f '\${Package}\\t\${db:Status-Abbrev}\\t\${Version}\\n' -- ${names} > "$T/vi" 2>"$T/vq"; r=$?
  [ $r -le 1 ] || { cat "$T/vq" >&2; exit 4; }
else rpm -q --qf '%{NAME}\\tii \\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\\n' -- ${names} > "$T/vi" 2>/dev/null; fi
i=0; set -- ${pairs}
while [ $# -gt 1 ]; do
  f=
  while IFS='	' read -r p s v; do
    [ "$p" = "$1" ] || continue
    case "$s" in ?[nc]*) continue;; esac
    f=1; m=$(ogvlt "$v" "$2" 2>&1 >/dev/null); case $? in 0) w=older;; 1) w=ok;; *) w=bad; m=$(printf '%s' "$m" | tr '\\n\\t' '  ');; esac
    printf '%s\\t%s\\t%s\\t%s\\n' "$i" "$w" "$v" "$m"
  done < "$T/vi"
  [ -n "$f" ] || printf '%s\\tabsent\\n' "$i"
  i=$((i + 1)); shift 2
done`;
}

export const PATCH_SECTION_BODIES: Record<string, string> = {
  updates: `if command -v apt-get >/dev/null 2>&1; then echo '#apt'; apt-get -s -q -o Debug::NoLocking=1 -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= dist-upgrade
elif command -v dnf >/dev/null 2>&1; then echo '#dnf'; dnf -q -C updateinfo list --updates --security
else echo 'no apt-get or dnf to simulate an upgrade' >&2; exit 3; fi`,
  // Kernels are ordered by the host's comparator too: 'newest' is the newest installed, 'running-older' when the
  // running kernel is older than it; 'order unavailable' when the host has no comparator.
  reboot: `${VERSION_COMPARATOR}
r=$(uname -r); echo "running $r"
[ -e /var/run/reboot-required ] && echo 'marker /var/run/reboot-required'
[ -r /var/run/reboot-required.pkgs ] && sed 's/^/pkg /' /var/run/reboot-required.pkgs
n=; for k in /boot/vmlinuz-*; do [ -e "$k" ] || continue; k=\${k#/boot/vmlinuz-}; echo "kernel $k"; [ -n "$ogvt" ] || continue; if [ -z "$n" ] || ogvlt "$n" "$k" 2>/dev/null; then n=$k; fi; done
if [ -z "$ogvt" ]; then echo 'order unavailable'; elif [ -n "$n" ]; then echo "newest $n by $ogvt"; ogvlt "$r" "$n" 2>/dev/null && echo 'running-older'; fi
if command -v needs-restarting >/dev/null 2>&1; then needs-restarting -r >/dev/null 2>&1; echo "needs-restarting $?"; fi
true`,
};

export const PATCH_SECTION_COMMANDS: Record<string, string> = {
  updates: 'apt-get -s -o Debug::NoLocking=1 dist-upgrade (or dnf updateinfo list --updates --security)',
  reboot: 'uname -r; ls /var/run/reboot-required*; ls /boot/vmlinuz-*, ordered by dpkg --compare-versions (or rpmdev-vercmp, rpm.vercmp); needs-restarting -r',
  versions: 'dpkg-query -W NAME…; dpkg --compare-versions INSTALLED lt MIN (rpmdev-vercmp or rpm.vercmp where dpkg is absent)',
};
