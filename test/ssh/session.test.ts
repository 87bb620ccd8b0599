import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SshError } from '../../scripts/model/errors.ts';
import { connectHost } from '../../scripts/ssh/session.ts';
import { loadSshAuth, openFleet } from '../../scripts/ssh/fleet.ts';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { HostSession, SshTarget } from '../../scripts/ssh/types.ts';
import { startFleet, type FleetInventoryHost, type RunningFleet } from '../fleet/fleet.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';

let fleet: RunningFleet;
let key: string;
const target = (h: FleetInventoryHost): SshTarget => ({ id: h.id, address: h.address, port: h.port, user: h.user, hostKeys: h.host_keys, proxyCommand: h.proxy_command });
const host = (id: string) => target(fleet.hosts.find((h) => h.id === id)!);

const MACHINE = requireMachine(NEEDS.fleetLoopback);

beforeAll(async () => {
  if (!MACHINE.runs) return;
  fleet = await startFleet({ hosts: [{ id: 'a' }, { id: 'b' }, { id: 'rekeyed', fault: 'changed-host-key' }, { id: 'nokey', fault: 'refused-key' }, { id: 'down', fault: 'down' }] });
  key = await readFile(fleet.clientKeyPath, 'utf8');
}, 60_000);
afterAll(async () => {
  await fleet?.stop();
});

async function rejection(p: Promise<unknown>): Promise<SshError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SshError);
  return e as SshError;
}

MACHINE.describe('connectHost against real sshd', () => {
  let s: HostSession;
  beforeAll(async () => {
    s = await connectHost(host('a'), { auth: { privateKey: key } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('passes hostile arguments through quoteArgv unchanged', async () => {
    const args = ["it's", '$(touch /tmp/og-pwned)', '`id`', 'a b\tc', '; rm -rf /', '"quoted"', '\\', '*', '', 'line\nbreak', '中文'];
    const r = await s.exec(['printf', '%s\\0', ...args]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(args);
  });

  it('feeds stdin, sets env through env(1), and reports exit codes and stderr', async () => {
    expect((await s.exec(['cat'], { stdin: 'hello\n' })).stdout).toBe('hello\n');
    expect((await s.exec(['sh', '-c', 'printf %s "$GREETING"'], { env: { GREETING: "it's me" } })).stdout).toBe("it's me");
    const r = await s.exec(['sh', '-c', 'echo oops >&2; exit 7']);
    expect(r).toMatchObject({ code: 7, stderr: 'oops\n' });
    await expect(s.exec(['true'], { env: { 'BAD NAME': 'x' } })).rejects.toThrow(/not a shell variable name/);
  });

  it('runs a script sent on stdin with arguments', async () => {
    const r = await s.execScript('printf "%s|" "$@"', { args: ['x y', '$HOME'] });
    expect(r.stdout).toBe('x y|$HOME|');
  });

  it('writes files with putFile', async () => {
    await s.putFile("content with 'quotes'\n", '/tmp/og-put-test', { mode: '0600' });
    const r = await s.exec(['sh', '-c', 'stat -c %a /tmp/og-put-test; cat /tmp/og-put-test; rm /tmp/og-put-test']);
    expect(r.stdout).toBe("600\ncontent with 'quotes'\n");
    await expect(s.putFile('x', '-rf')).rejects.toThrow(/could be read as an option/);
  });

  it('times out a hanging command and keeps the connection usable', async () => {
    const e = await rejection(s.exec(['sleep', '3'], { timeoutMs: 500 }));
    expect(e).toMatchObject({ host: 'a', phase: 'timeout' });
    expect((await s.exec(['echo', 'still here'])).stdout).toBe('still here\n');
  });

  it('queues beyond 8 channels instead of exceeding MaxSessions', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.exec(['sh', '-c', `sleep 0.1; echo ${i}`])));
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });
});

MACHINE.describe('refusals', () => {
  it('refuses a changed host key and names both fingerprints', async () => {
    const e = await rejection(connectHost(host('rekeyed'), { auth: { privateKey: key } }));
    expect(e.phase).toBe('hostkey');
    expect(e.message).toMatch(/offered ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}, pinned ssh-ed25519 SHA256:[A-Za-z0-9+/]{43}/);
  });

  it('refuses an address that a proxy command would read as an option', async () => {
    const e = await rejection(connectHost({ ...host('a'), address: '-oProxyCommand=touch /tmp/og-pwned', proxyCommand: ['nc', '%h', '%p'] }, { auth: { privateKey: key } }));
    expect(e.phase).toBe('connect');
  });

  it('refuses a host with no pinned key before connecting', async () => {
    const e = await rejection(connectHost({ ...host('a'), hostKeys: [] }, { auth: { privateKey: key } }));
    expect(e.phase).toBe('hostkey');
  });

  it('only negotiates the pinned key type: an RSA pin against an ed25519-only server fails the handshake', async () => {
    const rsaPin =
      'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDBrq3VN0ZEYmZpYaX1E7dh4j1H4M6gL0sPvC0+0d2e8Y8Y4dYz1bq2m0Qy1CzM5gzK2mF1W5S4h1i0Q3KZ0l8xgq2a3Y4d5m6n7o8p9q0r1s2t3u4v5w6x7y8z9A0B1C2D3E4F5G6H7I8J9K0L1M2N3O4P5Q6R7S8T9U0V1W2X3Y4Z5a6b7c8d9e0f1g2h3i4j5k6l7m8==';
    const e = await rejection(connectHost({ ...host('a'), hostKeys: [rsaPin] }, { auth: { privateKey: key }, connectTimeoutMs: 3000 }));
    // No common host key algorithm: the handshake itself fails, before any key is offered. Had the
    // client offered every type, the server's ed25519 key would reach the verifier and fail as 'hostkey'.
    expect(e.phase).toBe(fleet.mode === 'namespaces' ? 'proxy' : 'connect');
    expect(e.message).toMatch(/no matching host key format/i);
  });

  it('reports a refused client key as an auth failure', async () => {
    const e = await rejection(connectHost(host('nokey'), { auth: { privateKey: key } }));
    expect(e.phase).toBe('auth');
  });

  it("reports a host that is down, with the proxy command's message", async () => {
    const e = await rejection(connectHost(host('down'), { auth: { privateKey: key }, connectTimeoutMs: 3000 }));
    expect(e.phase).toBe(fleet.mode === 'namespaces' ? 'proxy' : 'connect');
  });

  it('never puts the private key into an error message', async () => {
    const e = await rejection(connectHost(host('nokey'), { auth: { privateKey: key }, secrets: [key] }));
    expect(e.message).not.toContain(key.split('\n')[1]!);
    expect(e.stack ?? '').not.toContain('PRIVATE KEY');
  });
});

MACHINE.describe('openFleet', () => {
  it('reuses one connection per host and reaches a host through a jump host', async () => {
    const a = host('a');
    // The jump target is `a` itself as seen from inside a's namespace (127.0.0.1:22): the path is
    // client → proxy → a → direct-tcpip channel → a's sshd.
    const viaJump: SshTarget = { id: 'a-via-a', address: '127.0.0.1', port: a.port, user: a.user, hostKeys: a.hostKeys, jumpHost: a };
    const f = openFleet([host('b'), viaJump], { auth: { privateKey: key } });
    try {
      const s1 = await f.session('b');
      expect(await f.session('b')).toBe(s1);
      const results = await f.forEach(async (t, fl) => (await (await fl.session(t.id)).exec(['hostname'])).stdout.trim());
      // In namespaces each host has its own UTS name; on loopback ports every host is this machine.
      expect(results.map((r) => r.value)).toEqual(fleet.mode === 'namespaces' ? ['b', 'a'] : [os.hostname(), os.hostname()]);
    } finally {
      await f.close();
    }
  });

  it('returns per-host errors from forEach without stopping the others', async () => {
    const f = openFleet([host('a'), host('nokey'), host('down')], { auth: { privateKey: key }, connectTimeoutMs: 3000 });
    try {
      const results = await f.forEach(async (t, fl) => (await (await fl.session(t.id)).exec(['hostname'])).stdout.trim());
      expect(results[0]!.value).toBe(fleet.mode === 'namespaces' ? 'a' : os.hostname());
      expect(results[0]!.error).toBeUndefined();
      expect((results[1]!.error as SshError).phase).toBe('auth');
      expect((results[2]!.error as SshError).phase).toBe(fleet.mode === 'namespaces' ? 'proxy' : 'connect');
    } finally {
      await f.close();
    }
  });
});

MACHINE.describe('client credentials', () => {
  it('takes the key from an environment variable, PEM or base64, and lists it as a secret', async () => {
    for (const value of [key, Buffer.from(key).toString('base64')]) {
      const { auth, secrets } = await loadSshAuth({ env: { OPSGATE_SSH_KEY: value } });
      expect(secrets).toContain(key);
      const s = await connectHost(host('a'), { auth });
      expect((await s.exec(['echo', 'ok'])).stdout).toBe('ok\n');
      await s.close();
    }
  });

  it('authenticates through a real ssh-agent (SSH_AUTH_SOCK)', async () => {
    const sock = path.join(os.tmpdir(), `og-agent-${process.pid}.sock`);
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
      execFileSync('ssh-add', ['-q', fleet.clientKeyPath], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      const { auth, secrets } = await loadSshAuth({ env: { SSH_AUTH_SOCK: sock } });
      expect(auth.privateKey).toBeUndefined();
      expect(secrets).toEqual([]);
      const s = await connectHost(host('a'), { auth });
      expect((await s.exec(['echo', 'agent'])).stdout).toBe('agent\n');
      await s.close();
    } finally {
      agent.kill('SIGTERM');
    }
  });

  it('refuses to connect without any credential', async () => {
    const { auth } = await loadSshAuth({ env: {} });
    expect((await rejection(connectHost(host('a'), { auth }))).phase).toBe('auth');
  });
});
