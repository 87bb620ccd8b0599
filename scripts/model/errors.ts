/** Exit codes, as DESIGN.md states them. Only the entry point sets the process exit code. */
export const ExitCode = {
  clean: 0,
  findings: 1,
  unusable: 2,
  internal: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The user asked for something that cannot be done as asked (bad flag, missing file, unusable input). Exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** Evidence failed verification (a tampered, reordered or truncated record): unusable input, exit 2. */
export class IntegrityError extends Error {
  override readonly name = 'IntegrityError';
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
  }
}

/** A GitHub API call failed; never carries the request (which holds the token). */
export class GitHubApiError extends Error {
  override readonly name = 'GitHubApiError';
  constructor(
    readonly operation: string,
    readonly status: number | undefined,
    message: string,
  ) {
    super(`GitHub ${operation} failed${status ? ` (HTTP ${status})` : ''}: ${message}`);
  }
}

/** An SSH operation failed at a known phase (connect, hostkey, auth, exec, timeout). */
export class SshError extends Error {
  override readonly name = 'SshError';
  constructor(
    readonly host: string,
    readonly phase: 'connect' | 'hostkey' | 'auth' | 'exec' | 'timeout' | 'proxy',
    message: string,
  ) {
    super(`${host}: ${phase}: ${message}`);
  }
}
