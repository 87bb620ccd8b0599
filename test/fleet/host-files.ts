import { chmod, chown, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { FleetHostSpec } from './spec.ts';

const run = promisify(execFile);

export const LOGIN_USER = 'opsgate';
export const LOGIN_UID = 1990;

/** Debian-12-like hardened defaults that a clean fleet host gets; specs plant drift on top. */
export const CLEAN_SYSCTL: Record<string, string> = {
  'net.ipv4.ip_forward': '0',
  'net.ipv4.conf.all.accept_redirects': '0',
  'net.ipv4.conf.default.accept_redirects': '0',
  'net.ipv4.conf.all.send_redirects': '0',
  'net.ipv4.conf.all.accept_source_route': '0',
  'net.ipv4.conf.all.log_martians': '1',
  'net.ipv4.tcp_syncookies': '1',
  'net.ipv4.icmp_echo_ignore_broadcasts': '1',
  'net.ipv6.conf.all.accept_redirects': '0',
  'kernel.randomize_va_space': '2',
  'fs.suid_dumpable': '0',
};

const CLEAN_LOGIN_DEFS: Record<string, string> = { PASS_MAX_DAYS: '90', PASS_MIN_DAYS: '1', PASS_WARN_AGE: '7', UMASK: '027', ENCRYPT_METHOD: 'YESCRYPT' };

/**
 * Writes one host's own copies of the files inspection reads, under `dir`.
 * They are bind-mounted over /etc/... inside the host's mount namespace.
 */
export async function writeHostFiles(dir: string, spec: FleetHostSpec, clientPublicKey: string): Promise<void> {
  const etc = path.join(dir, 'etc');
  await mkdir(path.join(etc, 'ssh'), { recursive: true });
  await mkdir(path.join(etc, 'sudoers.d'), { recursive: true });
  await mkdir(path.join(etc, 'sysctl.d'), { recursive: true });

  // sshd takes the first value of a keyword: planted lines go first.
  const sshdConfig = (planted: boolean) =>
    [
      ...((planted && spec.sshd?.extra) || []),
      'ListenAddress 127.0.0.1:22',
      `HostKey ${path.join(dir, 'ssh_host_ed25519_key')}`,
      // The host's own PidFile, in its own directory: sshd rewrites it after each start and reload, the only trace a
      // SIGHUP reload leaves (ssh.config-loaded). A spec's `sshd.extra` PidFile line, first, wins.
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `PermitRootLogin ${(planted && spec.sshd?.permitRootLogin) || 'no'}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitEmptyPasswords no',
      'PubkeyAuthentication yes',
      'UsePAM no',
      'X11Forwarding no',
      'MaxAuthTries 3',
      'LoginGraceTime 30',
      'ClientAliveInterval 300',
      'ClientAliveCountMax 2',
      'MaxStartups 200:30:400',
      'LogLevel VERBOSE',
      'Ciphers aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes128-ctr',
      'SetEnv SHLVL=1',
      'Subsystem sftp internal-sftp',
      ...((planted && spec.sshd?.match) || []),
    ].join('\n') + '\n';
  await writeFile(path.join(etc, 'ssh', 'sshd_config'), sshdConfig(!spec.sshd?.configElsewhere), { mode: 0o600 });
  if (spec.sshd?.configElsewhere) {
    await mkdir(path.join(dir, 'daemon-etc'), { recursive: true });
    await writeFile(path.join(dir, 'daemon-etc', 'sshd_config'), sshdConfig(true), { mode: 0o600 });
  }

  const defs = { ...CLEAN_LOGIN_DEFS, ...(spec.loginDefs ?? {}) };
  const baseDefs = (await readFile('/etc/login.defs', 'utf8')).split('\n').filter((l) => !Object.keys(defs).some((k) => new RegExp(`^\\s*${k}\\b`).test(l)));
  await writeFile(path.join(etc, 'login.defs'), [...baseDefs, ...Object.entries(defs).map(([k, v]) => `${k}\t${v}`)].join('\n') + '\n', { mode: 0o644 });

  // Accounts: the machine's system accounts, the login user, and the spec's extra accounts.
  // A clean host's system accounts cannot log in: one the machine gave a login shell (postgres with bash on Debian) gets
  // nologin here, so a clean host does not depend on what is installed on the machine that runs the fleet.
  const system = (await readFile('/etc/passwd', 'utf8'))
    .split('\n')
    .filter((l) => l && Number(l.split(':')[2]) < 1000)
    .map((l) => {
      const f = l.split(':');
      return f[0] === 'root' || /(nologin|false|sync|shutdown|halt)$/.test(f[6] ?? '') ? l : [...f.slice(0, 6), '/usr/sbin/nologin'].join(':');
    });
  const sysGroups = (await readFile('/etc/group', 'utf8')).split('\n').filter((l) => l && Number(l.split(':')[2]) < 1000);
  const loginShell = spec.fault === 'garbage' ? path.join(dir, 'garbage-shell') : '/bin/sh';
  const accounts = [
    { name: LOGIN_USER, uid: LOGIN_UID, shell: loginShell, keys: spec.fault === 'refused-key' || spec.login ? [] : [clientPublicKey] },
    // The spec's own login account: its home is below the host's own /home whatever its uid.
    ...(spec.login ? [{ ...spec.login, shell: loginShell, keys: spec.fault === 'refused-key' ? [] : [clientPublicKey], ownHome: true }] : []),
    ...(spec.accounts ?? []).map((a) => ({ ...a, shell: a.shell ?? '/bin/bash', keys: a.keys ?? [] })),
  ] as Array<NonNullable<FleetHostSpec['accounts']>[number] & { shell: string; keys: string[]; ownHome?: boolean }>;
  const home = (a: { name: string; uid: number; ownHome?: boolean }) => (a.uid === 0 && !a.ownHome ? '/root' : `/home/${a.name}`);
  const gidOf = (name: string) => Number(sysGroups.find((l) => l.split(':')[0] === name)?.split(':')[2] ?? NaN);
  const primary = (a: (typeof accounts)[number]) => (a.uid === 0 ? 0 : a.primaryGroup ? gidOf(a.primaryGroup) : a.uid);
  await writeFile(path.join(etc, 'passwd'), [...system, ...accounts.map((a) => `${a.name}:x:${a.uid}:${primary(a)}::${home(a)}:${a.shell}`)].join('\n') + '\n', { mode: 0o644 });
  // Supplementary members are added to the machine's system groups (sudo, docker, …) for this host only.
  const extraMembers = new Map<string, string[]>();
  for (const a of accounts) for (const g of a.groups ?? []) extraMembers.set(g, [...(extraMembers.get(g) ?? []), a.name]);
  const groupLines = sysGroups.map((l) => {
    const f = l.split(':');
    const add = extraMembers.get(f[0]!);
    return add ? `${f[0]}:${f[1]}:${f[2]}:${[...(f[3] ? f[3].split(',') : []), ...add].join(',')}` : l;
  });
  await writeFile(path.join(etc, 'group'), [...groupLines, ...accounts.filter((a) => a.uid !== 0).map((a) => `${a.name}:x:${a.uid}:`)].join('\n') + '\n', { mode: 0o644 });
  const hash = '$y$j9T$opsgatefleet$0000000000000000000000000000000000000000000';
  const field = (a: { password?: string }) => (a.password === 'empty' ? '' : a.password === 'set' ? hash : a.password === 'bang-locked' ? `!${hash}` : '*');
  const shadowLines = [
    ...system.map((l) => `${l.split(':')[0]}:*:20000:0:99999:7:::`),
    ...accounts.map((a) => `${a.name}:${field(a)}:${a.aging?.lastChange ?? 20000}:0:${a.aging ? (a.aging.maxDays ?? '') : 99999}:7:${a.aging?.inactiveDays ?? ''}:${a.aging?.expireDay ?? ''}:`),
  ];
  await writeFile(path.join(etc, 'shadow'), shadowLines.join('\n') + '\n', { mode: 0o640 });
  for (const a of accounts) {
    // A second root's home is the machine's /root: never written. A uid-0 login account has its own (above).
    if (a.uid === 0 && !a.ownHome) continue;
    const sshDir = path.join(dir, 'home', a.name, '.ssh');
    await mkdir(sshDir, { recursive: true });
    await writeFile(path.join(sshDir, 'authorized_keys'), a.keys.map((k) => k + '\n').join(''), { mode: 0o600 });
    await chown(path.join(dir, 'home', a.name), a.uid, a.uid);
    await chown(sshDir, a.uid, a.uid);
    await chown(path.join(sshDir, 'authorized_keys'), a.uid, a.uid);
    await chmod(sshDir, 0o700);
    for (const [rel, content] of Object.entries(a.homeFiles ?? {})) {
      const file = path.join(dir, 'home', a.name, rel);
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, content, { mode: 0o600 });
      for (let d = path.dirname(file); d.startsWith(path.join(dir, 'home', a.name)); d = path.dirname(d)) await chown(d, a.uid, a.uid);
      await chown(file, a.uid, a.uid);
    }
  }

  await writeFile(path.join(etc, 'hosts'), `127.0.0.1\tlocalhost\n127.0.1.1\t${spec.id}\n`, { mode: 0o644 });
  await copyFile('/etc/sudoers', path.join(etc, 'sudoers'));
  await chmod(path.join(etc, 'sudoers'), 0o440);
  if (!spec.noSudo) await writeFile(path.join(etc, 'sudoers.d', 'opsgate'), `${LOGIN_USER} ALL=(root) NOPASSWD: ALL\n`, { mode: 0o440 });
  for (const [i, line] of (spec.sudoers ?? []).entries()) await writeFile(path.join(etc, 'sudoers.d', `50-drift-${i}`), line + '\n', { mode: 0o440 });
  for (const [name, content] of Object.entries(spec.sudoersFiles ?? {})) {
    await mkdir(path.dirname(path.join(etc, 'sudoers.d', name)), { recursive: true });
    await writeFile(path.join(etc, 'sudoers.d', name), content, { mode: 0o440 });
  }
  if (spec.sudoersMain?.length) await writeFile(path.join(etc, 'sudoers'), (await readFile(path.join(etc, 'sudoers'), 'utf8')) + spec.sudoersMain.join('\n') + '\n');

  const persisted = { ...CLEAN_SYSCTL, ...(spec.sysctlPersisted ?? {}) };
  await writeFile(path.join(etc, 'sysctl.conf'), '# opsgate test fleet\n', { mode: 0o644 });
  await writeFile(
    path.join(etc, 'sysctl.d', '60-hardening.conf'),
    Object.entries(persisted)
      .map(([k, v]) => `${k} = ${v}`)
      .join('\n') + '\n',
    { mode: 0o644 },
  );

  for (const [file, mode] of Object.entries(spec.fileModes ?? {})) {
    const local = path.join(etc, path.relative('/etc', file));
    await chmod(local, parseInt(mode, 8));
  }
  for (const [file, entry] of Object.entries(spec.acls ?? {})) await run('setfacl', ['-m', entry, path.join(etc, path.relative('/etc', file))]);
  if (spec.fault === 'garbage') {
    await writeFile(path.join(dir, 'garbage-shell'), '#!/bin/sh\necho "Welcome to the jungle"\nhead -c 600 /dev/urandom | od -An -tx1\n', { mode: 0o755 });
  }
  if (spec.fault === 'hang') {
    await writeFile(path.join(dir, 'hang'), '#!/bin/sh\nexec sleep 60\n', { mode: 0o755 });
  }
}

/** Files bind-mounted from the host's directory over the system's own. */
export const BIND_FILES = ['ssh/sshd_config', 'login.defs', 'passwd', 'group', 'shadow', 'hosts', 'sudoers', 'sudoers.d', 'sysctl.conf', 'sysctl.d'];
