/**
 * One apply per host: a `flock` on a lock file on the host, held by a remote
 * process that lives exactly as long as our channel. It gives the lock up when
 * we close the channel, when the connection drops (end of file), or when our
 * heartbeat stops for `ttlSeconds` (a client killed behind a proxy that keeps
 * the TCP connection open). Edge.
 */
import { holdCommand, type HeldCommand } from '../ssh/hold.ts';
import type { HostSession } from '../ssh/types.ts';

// The host id is part of the file name because test-fleet hosts share /run/lock; on a real host it is just a name.
export const HOST_LOCK_SCRIPT = [
  'd=/run/lock; { [ -d "$d" ] && [ -w "$d" ]; } || d=/tmp',
  'f="$d/opsgate-$1.lock"',
  'exec 9>>"$f" || { echo "error cannot open $f"; exit 1; }',
  'command -v flock >/dev/null 2>&1 || { echo "error flock (util-linux) is not installed"; exit 1; }',
  'if ! flock -n 9; then echo "held $(cat "$f.owner" 2>/dev/null || echo by an unknown process)"; exit 75; fi',
  'printf "%s\\n" "$2" > "$f.owner" 2>/dev/null',
  'echo locked',
  'while line=$(timeout "$3" head -n 1) && [ -n "$line" ]; do :; done',
  'rm -f "$f.owner"',
].join('\n');

export type LockResult = { status: 'locked'; release: () => Promise<void> } | { status: 'held'; owner: string } | { status: 'error'; message: string };

export async function acquireHostLock(session: HostSession, hostId: string, owner: string, ttlSeconds = 30): Promise<LockResult> {
  let held: HeldCommand;
  try {
    held = holdCommand(session, ['sh', '-c', HOST_LOCK_SCRIPT, 'opsgate-lock', hostId, owner.replace(/[\r\n]/g, ' '), String(ttlSeconds)]);
  } catch (e) {
    return { status: 'error', message: e instanceof Error ? e.message : String(e) };
  }
  const first = await held.ready.catch((e: unknown) => ({ line: '', exited: null, output: e instanceof Error ? e.message : String(e) }));
  if (first.line === 'locked') {
    const beat = setInterval(() => held.write('hb\n'), Math.max(1000, (ttlSeconds * 1000) / 3));
    beat.unref();
    return { status: 'locked', release: async () => { clearInterval(beat); await held.close(); } };
  }
  await held.close();
  if (first.line.startsWith('held ')) return { status: 'held', owner: first.line.slice(5) };
  return { status: 'error', message: (first.line.startsWith('error ') ? first.line.slice(6) : first.output.trim().slice(0, 300)) || 'the lock command ended without an answer' };
}
