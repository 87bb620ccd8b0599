/**
 * Probe sections of the login-session checks (PAM, umask), added to the probe's section bodies
 * (scripts/inspect/probe-bodies.ts). POSIX sh; uses the prelude's helpers ($B, ogfa). Pure data.
 */

/**
 * sshd's PAM service file (/etc/pam.d/sshd, else /etc/pam.d/other) and every file it includes, framed (scripts/inspect/
 * parse-pam.ts); first the umask the probe's own SSH session started with ($OGUM: probe.ts takes it before sudo) and the
 * listening sshd's own umask (what a session keeps when PAM sets none).
 */
const PAM_SSHD = `printf '%s umask %s\\n' "$B" "$OGUM"
p=$(ss -Htlnp 2>/dev/null | sed -n 's/.*"sshd",pid=\\([0-9]*\\).*/\\1/p' | head -n 1); [ -z "$p" ] || printf '%s sshd-umask %s\\n' "$B" "$(sed -n 's/^Umask:[[:space:]]*//p' "/proc/$p/status" 2>/dev/null)"
s=/etc/pam.d/sshd; [ -e "$s" ] || s=/etc/pam.d/other; printf '%s service %s\\n' "$B" "$s"
set --; q=$s; seen=' '
while [ -n "$q" ]; do f=\${q%% *}; q=\${q#"$f"}; q=\${q# }; case $seen in *" $f "*) continue ;; esac; seen="$seen$f "; [ -f "$f" ] || continue; set -- "$@" "$f" "$f"
  for i in $(awk '$1 == "@include" { print $2; next } { t = $1; sub(/^-/, "", t) } $2 == "include" || $2 == "substack" { print $3 }' "$f" 2>/dev/null | grep -E '^/?[A-Za-z0-9._/-]+$'); do case $i in /*) q="$q $i" ;; *) q="$q /etc/pam.d/$i" ;; esac; done; q=\${q# }
done
[ $# -eq 0 ] || ogfa "$@"`;

export const LOGIN_SECTION_BODIES: Record<string, string> = {
  'pam-sshd': PAM_SSHD,
};

/** The evidence command shown for each section (what an operator can run by hand). */
export const LOGIN_SECTION_COMMANDS: Record<string, string> = {
  'pam-sshd': 'umask (in the SSH session, before sudo); Umask of the listening sshd (/proc/PID/status); cat /etc/pam.d/sshd and every file it includes',
};
