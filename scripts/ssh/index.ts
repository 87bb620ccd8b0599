/** The SSH edge: verified connections, one quoting function, redaction. */
export { connectHost } from './session.ts';
export { openFleet, loadSshAuth, type Fleet } from './fleet.ts';
export { quoteArg, quoteArgv, assertOperand } from './quote.ts';
export { redactSecrets, redactDeep, REDACTED } from './redact.ts';
export { fingerprintOf, parsePinnedKey } from './host-key.ts';
export type { SshTarget, SshAuth, ConnectOptions, ExecOptions, ExecResult, HostSession } from './types.ts';
