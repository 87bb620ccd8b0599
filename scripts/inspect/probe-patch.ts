/**
 * Probe sections of the patch checks (pending_updates, reboot_required), added
 * to the probe's section bodies (scripts/inspect/probe-bodies.ts). Read-only on
 * the host: apt simulates without its lock and without writing its caches.
 * Pure data.
 */
export const PATCH_SECTION_BODIES: Record<string, string> = {
  updates: `if command -v apt-get >/dev/null 2>&1; then echo '#apt'; apt-get -s -q -o Debug::NoLocking=1 -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= dist-upgrade
elif command -v dnf >/dev/null 2>&1; then echo '#dnf'; dnf -q -C updateinfo list --updates --security
else echo 'no apt-get or dnf to simulate an upgrade' >&2; exit 3; fi`,
  reboot: `echo "running $(uname -r)"
[ -e /var/run/reboot-required ] && echo 'marker /var/run/reboot-required'
[ -r /var/run/reboot-required.pkgs ] && sed 's/^/pkg /' /var/run/reboot-required.pkgs
for k in /boot/vmlinuz-*; do [ -e "$k" ] && echo "kernel \${k#/boot/vmlinuz-}"; done
if command -v needs-restarting >/dev/null 2>&1; then needs-restarting -r >/dev/null 2>&1; echo "needs-restarting $?"; fi
true`,
};

export const PATCH_SECTION_COMMANDS: Record<string, string> = {
  updates: 'apt-get -s -o Debug::NoLocking=1 dist-upgrade (or dnf updateinfo list --updates --security)',
  reboot: 'uname -r; ls /var/run/reboot-required*; ls /boot/vmlinuz-*; needs-restarting -r',
};
