import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import { SshError, UsageError } from '../model/errors.ts';
import { connectHost } from './session.ts';
import type { ConnectOptions, HostSession, SshAuth, SshTarget } from './types.ts';

/**
 * A pool of verified connections, one per host, opened on first use and reused
 * for every command. Jump hosts (bastions) are opened once and shared.
 */
export interface Fleet {
  /** The open session for a host id (connects on first call; a failed connect is cached as its error). */
  session(id: string): Promise<HostSession>;
  /** Runs fn for every host with at most `concurrency` hosts in flight; fn's errors are returned, not thrown. */
  forEach<T>(fn: (target: SshTarget, fleet: Fleet) => Promise<T>, concurrency?: number): Promise<Array<{ target: SshTarget; value?: T; error?: unknown }>>;
  /** Closes one host's connection (keeps it if it is someone's jump host). */
  release(id: string): Promise<void>;
  close(): Promise<void>;
}

export function openFleet(targets: readonly SshTarget[], options: ConnectOptions & { concurrency?: number }): Fleet {
  const byId = new Map(targets.map((t) => [t.id, t]));
  const sessions = new Map<string, Promise<HostSession>>();
  const jumpIds = new Set(targets.flatMap((t) => (t.jumpHost ? [t.jumpHost.id] : [])));

  const session = (id: string): Promise<HostSession> => {
    let s = sessions.get(id);
    if (!s) {
      const target = byId.get(id) ?? [...byId.values()].map((t) => t.jumpHost).find((j) => j?.id === id);
      if (!target) return Promise.reject(new SshError(id, 'connect', 'not in this fleet'));
      s = (async () => {
        const via = target.jumpHost
          ? await session(target.jumpHost.id).catch((e: unknown) => {
              throw new SshError(id, e instanceof SshError ? e.phase : 'connect', `via jump host ${target.jumpHost!.id}: ${e instanceof Error ? e.message : String(e)}`);
            })
          : undefined;
        return connectHost(target, options, via);
      })();
      s.catch(() => {});
      sessions.set(id, s);
    }
    return s;
  };

  const fleet: Fleet = {
    session,
    async forEach(fn, concurrency = options.concurrency ?? 20) {
      const list = [...targets];
      const results: Array<{ target: SshTarget; value?: unknown; error?: unknown }> = new Array(list.length);
      let next = 0;
      const worker = async () => {
        while (next < list.length) {
          const i = next++;
          const target = list[i]!;
          try {
            results[i] = { target, value: await fn(target, fleet) };
          } catch (error) {
            results[i] = { target, error };
          }
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, list.length)) }, worker));
      return results as never;
    },
    async release(id) {
      if (jumpIds.has(id)) return;
      const s = sessions.get(id);
      sessions.delete(id);
      if (s)
        await s.then(
          (x) => x.close(),
          () => {},
        );
    },
    async close() {
      const all = [...sessions.entries()];
      sessions.clear();
      // Hosts behind a jump host first, then the jump hosts.
      const order = [...all.filter(([id]) => !jumpIds.has(id)), ...all.filter(([id]) => jumpIds.has(id))];
      await Promise.all(
        order
          .filter(([id]) => !jumpIds.has(id))
          .map(([, s]) =>
            s.then(
              (x) => x.close(),
              () => {},
            ),
          ),
      );
      await Promise.all(
        order
          .filter(([id]) => jumpIds.has(id))
          .map(([, s]) =>
            s.then(
              (x) => x.close(),
              () => {},
            ),
          ),
      );
    },
  };
  return fleet;
}

/**
 * Client credentials from, in order: an identity file, a key in an environment
 * variable (CI secrets; default OPSGATE_SSH_KEY), the ssh-agent (SSH_AUTH_SOCK).
 * Returns the secrets to redact too (the key text itself).
 */
export async function loadSshAuth(input: { identityFile?: string; env: NodeJS.ProcessEnv; keyEnv?: string }): Promise<{ auth: SshAuth; secrets: string[] }> {
  const auth: SshAuth = {};
  const secrets: string[] = [];
  if (input.identityFile) auth.privateKey = await readFile(input.identityFile, 'utf8');
  else {
    const fromEnv = input.env[input.keyEnv ?? 'OPSGATE_SSH_KEY'];
    if (fromEnv && fromEnv.trim()) auth.privateKey = fromEnv.includes('-----BEGIN') ? fromEnv : Buffer.from(fromEnv, 'base64').toString('utf8');
  }
  if (auth.privateKey) secrets.push(auth.privateKey);
  const pass = input.env.OPSGATE_SSH_KEY_PASSPHRASE;
  if (pass) {
    auth.passphrase = pass;
    secrets.push(pass);
  }
  // A key ssh2 cannot parse is unusable input, said once here; handed to every connection it made
  // each one fail at the socket (an unhandled ECONNRESET). The message never carries the key.
  if (auth.privateKey) {
    const parsed = ssh2.utils.parseKey(auth.privateKey, pass);
    if (parsed instanceof Error) {
      const from = input.identityFile ?? `$${input.keyEnv ?? 'OPSGATE_SSH_KEY'}`;
      throw new UsageError(
        `${from} is not a private key opsgate can use: ${parsed.message}`,
        'give an OpenSSH or PEM private key (ssh-keygen -t ed25519); for an encrypted one set OPSGATE_SSH_KEY_PASSPHRASE',
      );
    }
  }
  if (input.env.SSH_AUTH_SOCK) auth.agent = input.env.SSH_AUTH_SOCK;
  return { auth, secrets };
}
