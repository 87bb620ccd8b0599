/** What the SSH edge needs to know about one host (built from an inventory host document). */
export interface SshTarget {
  /** Inventory host id; used in every error and record. */
  id: string;
  address: string;
  port: number;
  user: string;
  /** Pinned OpenSSH public keys (`ssh-ed25519 AAAA…`); at least one. */
  hostKeys: string[];
  /** Like OpenSSH ProxyCommand, as an argv list; `%h` and `%p` are replaced by address and port. */
  proxyCommand?: string[];
  /** Reach this host through another (a bastion): an SSH direct-tcpip channel on the jump host's connection. */
  jumpHost?: SshTarget;
}

/** Client credentials: a private key (file contents or an env var's value) and/or an agent socket. */
export interface SshAuth {
  privateKey?: string;
  passphrase?: string;
  /** Path of an ssh-agent socket (`SSH_AUTH_SOCK`). */
  agent?: string;
}

export interface ConnectOptions {
  auth: SshAuth;
  /** TCP + handshake + authentication, in milliseconds (default 10 000). */
  connectTimeoutMs?: number;
  /** Keepalive interval (default 15 000 ms; 3 missed → connection closed). */
  keepaliveIntervalMs?: number;
  /** Channels open at once on one connection (default 8; OpenSSH allows 10). */
  maxChannels?: number;
  /** Values redacted from every error message and output (passwords, tokens). */
  secrets?: string[];
}

export interface ExecOptions {
  /** Whole command, from channel open to exit (default 60 000 ms). */
  timeoutMs?: number;
  /** Written to the command's stdin, then closed. */
  stdin?: string | Buffer;
  /** Set through `env K=V …` on the command line: never put secrets here, pass them on stdin. */
  env?: Record<string, string>;
  /** Output beyond this many bytes per stream is dropped and flagged (default 16 MiB). */
  maxOutputBytes?: number;
}

export interface ExecResult {
  /** Exit status; null when the command ended by a signal. */
  code: number | null;
  signal?: string;
  stdout: string;
  stderr: string;
  durationMs: number;
  truncated?: boolean;
}

export interface HostSession {
  readonly host: string;
  /** Runs one argv (quoted by quoteArgv) on the open connection. Rejects with SshError (exec|timeout). */
  exec(argv: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** Runs a POSIX sh script sent on stdin (`sh -s`): nothing of it is on the remote command line. */
  execScript(script: string, options?: Omit<ExecOptions, 'stdin' | 'env'> & { args?: string[] }): Promise<ExecResult>;
  /** Writes content to a remote path (via `cat >`), then sets its mode. */
  putFile(content: string | Buffer, remotePath: string, options?: { mode?: string; timeoutMs?: number }): Promise<void>;
  close(): Promise<void>;
}
