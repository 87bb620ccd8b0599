import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { Duplex } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import { SshError } from '../model/errors.ts';
import { fingerprintOf, hostKeyAlgorithms, keyTypeOf, matchesPinned, parsePinnedKey, type PinnedKey } from './host-key.ts';
import { hostPort } from './address.ts';
import { assertOperand, quoteArg, quoteArgv } from './quote.ts';
import { redactSecrets } from './redact.ts';
import type { ConnectOptions, ExecOptions, ExecResult, HostSession, SshTarget } from './types.ts';

/**
 * Opens one verified connection to a host. The offered host key must equal a
 * pinned one (no trust on first use); only pinned key types are negotiated.
 * Every phase has a timeout; errors are SshError {host, phase} with secrets redacted.
 */
export async function connectHost(target: SshTarget, options: ConnectOptions, via?: HostSession): Promise<HostSession> {
  const secrets = options.secrets ?? [];
  const fail = (phase: SshError['phase'], message: string) => new SshError(target.id, phase, redactSecrets(message, secrets));
  const pins: PinnedKey[] = [];
  for (const text of target.hostKeys) {
    const k = parsePinnedKey(text);
    if ('error' in k) throw fail('hostkey', `pinned host key unusable: ${k.error}`);
    pins.push(k);
  }
  if (target.address.startsWith('-')) throw fail('connect', `address '${target.address}' starts with '-' and could be read as an option by a proxy command`);
  if (pins.length === 0) throw fail('hostkey', 'no pinned host key in the inventory; add host_keys (ssh-keyscan, then verify out of band)');
  if (!options.auth.privateKey && !options.auth.agent) throw fail('auth', 'no client key: give --identity FILE, OPSGATE_SSH_KEY or SSH_AUTH_SOCK');

  const timeoutMs = options.connectTimeoutMs ?? 10_000;
  const { sock, proxy, proxyStderr } = await openSocket(target, via, timeoutMs, fail);
  /** Resolves once the proxy has exited and its stderr is read (at most 1 s), at once without a proxy. */
  const proxyFinished = (): Promise<void> => {
    if (!proxy) return Promise.resolve();
    const exited = proxy.exitCode !== null || proxy.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => proxy.once('exit', () => r()));
    const drained = !proxy.stderr || proxy.stderr.readableEnded ? Promise.resolve() : new Promise<void>((r) => proxy.stderr!.once('end', () => r()));
    return Promise.race([Promise.all([exited, drained]).then(() => undefined), new Promise<void>((r) => setTimeout(r, 1000).unref())]);
  };
  const proxyFailure = (what: string) => {
    const extra = proxyStderr()
      .trim()
      .replace(/\s*\n\s*/g, ' / ')
      .slice(0, 300);
    if (!proxy) return fail('connect', what);
    const name = target.proxyCommand?.[0] ?? 'proxy';
    // A proxy that failed on its own (non-zero exit, or a signal we did not send) is the cause; one that
    // exited 0 only followed the SSH client closing the connection, whose own message says why.
    if ((proxy.exitCode !== null && proxy.exitCode !== 0) || (proxy.signalCode && !proxy.killed)) {
      const how = proxy.exitCode !== null ? `exited ${proxy.exitCode}` : `was killed by ${proxy.signalCode}`;
      return fail('proxy', `proxy command (${name}) ${how} before the SSH handshake${extra ? `: ${extra}` : ' without printing a reason'}`);
    }
    return fail('proxy', `${what}${extra ? ` (proxy command ${name}: ${extra})` : ''}`);
  };
  const client = new Client();
  let refusedKey: string | undefined;
  const config: ConnectConfig = {
    sock,
    host: target.address,
    port: target.port,
    username: target.user,
    readyTimeout: timeoutMs,
    keepaliveInterval: options.keepaliveIntervalMs ?? 15_000,
    keepaliveCountMax: 3,
    algorithms: { serverHostKey: hostKeyAlgorithms(pins) as NonNullable<ConnectConfig['algorithms']>['serverHostKey'] },
    hostVerifier: (key: Buffer) => {
      if (matchesPinned(key, pins)) return true;
      refusedKey = `host key refused: offered ${keyTypeOf(key)} ${fingerprintOf(key)}, pinned ${pins.map((p) => `${p.type} ${p.fingerprint}`).join(', ')}; if the host was rebuilt, verify the new key out of band and update inventory host_keys`;
      return false;
    },
  };
  if (options.auth.privateKey) config.privateKey = options.auth.privateKey;
  if (options.auth.passphrase) config.passphrase = options.auth.passphrase;
  if (options.auth.agent) config.agent = options.auth.agent;

  await new Promise<void>((resolve, reject) => {
    let settled = false;
    const done = (err?: SshError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        client.end();
        proxy?.kill('SIGKILL');
        reject(err);
      } else resolve();
    };
    // ssh2's readyTimeout does not cover a proxy that never answers the TCP part: a hard stop too.
    const timer = setTimeout(() => done(fail('timeout', `no SSH handshake within ${timeoutMs} ms`)), timeoutMs + 500);
    client.once('ready', () => done());
    client.on('error', (err: Error & { level?: string }) => {
      if (refusedKey) return done(fail('hostkey', refusedKey));
      if (err.level === 'client-authentication') return done(fail('auth', `authentication as '${target.user}' refused (key not authorized?)`));
      if (err.level === 'client-timeout') return done(fail('timeout', `no SSH handshake within ${timeoutMs} ms`));
      // A dead proxy shows up here first as EPIPE or a reset: wait for its exit and stderr, which name the cause.
      void proxyFinished().then(() => done(proxyFailure(err.message)));
    });
    client.once('close', () => {
      if (refusedKey) return done(fail('hostkey', refusedKey));
      void proxyFinished().then(() => done(proxyFailure('connection closed during handshake')));
    });
    client.connect(config);
  });
  // Our own listener for the life of the connection: a reset on an idle connection must not crash the process.
  client.removeAllListeners('error');
  client.on('error', () => {});
  return createSession(target.id, client, proxy, options.maxChannels ?? 8, secrets);
}

async function openSocket(target: SshTarget, via: HostSession | undefined, timeoutMs: number, fail: (p: SshError['phase'], m: string) => SshError) {
  let stderr = '';
  if (via) {
    const client = (via as SessionImpl).client;
    const sock = await new Promise<Duplex>((resolve, reject) => {
      const t = setTimeout(() => reject(fail('timeout', `jump host ${via.host} did not open a channel within ${timeoutMs} ms`)), timeoutMs);
      client.forwardOut('127.0.0.1', 0, target.address, target.port, (err, stream) => {
        clearTimeout(t);
        if (err) reject(fail('connect', `jump host ${via.host} could not reach ${hostPort(target.address, target.port)}: ${err.message}`));
        else resolve(stream);
      });
    });
    return { sock, proxy: undefined, proxyStderr: () => '' };
  }
  if (target.proxyCommand && target.proxyCommand.length > 0) {
    const argv = target.proxyCommand.map((a) => a.replaceAll('%h', target.address).replaceAll('%p', String(target.port)));
    const proxy: ChildProcess = spawn(argv[0]!, argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    proxy.on('error', (e) => {
      stderr += `cannot start ${argv[0]}: ${e.message}`;
    });
    proxy.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 2000) stderr += d.toString('utf8');
    });
    const sock = Duplex.from({ readable: proxy.stdout!, writable: proxy.stdin! });
    sock.on('error', () => {});
    proxy.once('exit', () => sock.destroy());
    return { sock, proxy, proxyStderr: () => stderr };
  }
  const sock = net.connect({ host: target.address, port: target.port, noDelay: true });
  return { sock, proxy: undefined, proxyStderr: () => '' };
}

interface SessionImpl extends HostSession {
  client: Client;
}

function createSession(host: string, client: Client, proxy: ChildProcess | undefined, maxChannels: number, secrets: string[]): SessionImpl {
  let open = 0;
  const waiting: Array<() => void> = [];
  const acquire = () =>
    new Promise<void>((r) => {
      if (open < maxChannels) {
        open++;
        r();
      } else
        waiting.push(() => {
          open++;
          r();
        });
    });
  const release = () => {
    open--;
    waiting.shift()?.();
  };
  const fail = (phase: SshError['phase'], m: string) => new SshError(host, phase, redactSecrets(m, secrets));
  let closed = false;
  client.once('close', () => {
    closed = true;
  });

  const run = async (command: string, options: ExecOptions = {}): Promise<ExecResult> => {
    if (closed) throw fail('exec', 'connection is closed');
    await acquire();
    const started = performance.now();
    const timeoutMs = options.timeoutMs ?? 60_000;
    const max = options.maxOutputBytes ?? 16 * 1024 * 1024;
    // The slot is released when the channel is really closed: a timed-out command may keep
    // its server-side session (and a MaxSessions slot) until the remote process ends.
    let released = false;
    const releaseOnce = () => {
      if (!released) {
        released = true;
        release();
      }
    };
    return new Promise<ExecResult>((resolve, reject) => {
      let channel: ClientChannel | undefined;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        channel?.signal('KILL');
        channel?.close();
        if (!channel) releaseOnce();
        reject(fail('timeout', `command did not finish within ${timeoutMs} ms`));
      }, timeoutMs);
      // sshd frees a session slot a moment after it closed the channel: a refused open is retried briefly.
      const openChannel = (attempt: number) =>
        client.exec(command, (err, ch) => {
          if (err && /open failed/i.test(err.message) && attempt < 6 && !closed && !timedOut) return void setTimeout(() => openChannel(attempt + 1), 20 * attempt);
          if (err) {
            clearTimeout(timer);
            releaseOnce();
            return reject(fail('exec', `cannot open a channel: ${err.message}`));
          }
          if (timedOut) {
            ch.close();
            return;
          }
          channel = ch;
          ch.once('close', releaseOnce);
          const out: Buffer[] = [];
          const errOut: Buffer[] = [];
          let outLen = 0;
          let errLen = 0;
          let truncated = false;
          ch.on('data', (d: Buffer) => {
            if (outLen < max) {
              out.push(d);
              outLen += d.length;
            } else truncated = true;
          });
          ch.stderr.on('data', (d: Buffer) => {
            if (errLen < max) {
              errOut.push(d);
              errLen += d.length;
            } else truncated = true;
          });
          let code: number | null = null;
          let signal: string | undefined;
          ch.on('exit', (c: number | null, s?: string) => {
            code = c;
            if (s) signal = s;
          });
          ch.on('close', () => {
            clearTimeout(timer);
            const r: ExecResult = { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8'), durationMs: Math.round(performance.now() - started) };
            if (signal) r.signal = signal;
            if (truncated) r.truncated = true;
            resolve(r);
          });
          if (options.stdin !== undefined) ch.end(options.stdin);
          else ch.end();
        });
      openChannel(1);
    });
  };

  const session: SessionImpl = {
    host,
    client,
    exec(argv, options = {}) {
      const env = Object.entries(options.env ?? {});
      for (const [k] of env) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) return Promise.reject(fail('exec', `environment name '${k}' is not a shell variable name`));
      const full = env.length > 0 ? ['env', ...env.map(([k, v]) => `${k}=${v}`), ...argv] : [...argv];
      return run(quoteArgv(full), options);
    },
    execScript(script, options = {}) {
      const args = (options.args ?? []).map(quoteArg).join(' ');
      return run(`sh -s${args ? ` -- ${args}` : ''}`, { ...options, stdin: script });
    },
    async putFile(content, remotePath, options = {}) {
      assertOperand(remotePath, 'remote path');
      const mode = options.mode ?? '0644';
      if (!/^0?[0-7]{3,4}$/.test(mode)) throw fail('exec', `mode '${mode}' is not an octal file mode`);
      const r = await run(quoteArgv(['sh', '-c', 'umask 077 && cat > "$1" && chmod "$2" "$1"', 'sh', remotePath, mode]), { stdin: content, timeoutMs: options.timeoutMs ?? 60_000 });
      if (r.code !== 0) throw fail('exec', `writing ${remotePath} failed (exit ${r.code}): ${r.stderr.trim().slice(0, 300)}`);
    },
    async close() {
      if (!closed) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 2000);
          client.once('close', () => {
            clearTimeout(t);
            resolve();
          });
          client.end();
        });
      }
      if (proxy && proxy.exitCode === null) proxy.kill('SIGTERM');
    },
  };
  return session;
}
