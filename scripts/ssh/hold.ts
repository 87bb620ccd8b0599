/**
 * A long-lived remote command on an open session (added for apply's host
 * locks): the channel stays open until `close()`, so a remote process can hold
 * a lock exactly as long as this client lives. Its stdin is ours; when the
 * connection dies, the remote side sees end-of-file.
 */
import type { Client, ClientChannel } from 'ssh2';
import { SshError } from '../model/errors.ts';
import { quoteArgv } from './quote.ts';
import type { HostSession } from './types.ts';

export interface HeldCommand {
  /**
   * The answer line (the first line, or with `until` the first line matching it; '' when the command
   * ended first), every line before it, and the exit code if it ended.
   */
  readonly ready: Promise<{ line: string; lines: string[]; exited?: number | null; output: string }>;
  write(text: string): void;
  close(): Promise<void>;
}

export function holdCommand(session: HostSession, argv: readonly string[], options: { timeoutMs?: number; until?: RegExp } = {}): HeldCommand {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const client = (session as HostSession & { client?: Client }).client;
  if (!client) throw new SshError(session.host, 'exec', 'this session cannot hold a channel open');
  let channel: ClientChannel | undefined;
  let ended = false;
  const ready = new Promise<{ line: string; lines: string[]; exited?: number | null; output: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      channel?.close();
      reject(new SshError(session.host, 'timeout', `no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    client.exec(quoteArgv(argv), (err, ch) => {
      if (err) {
        clearTimeout(timer);
        reject(new SshError(session.host, 'exec', `cannot open a channel: ${err.message}`));
        return;
      }
      channel = ch;
      let out = '';
      let errOut = '';
      let answered = false;
      ch.on('data', (d: Buffer) => {
        if (answered) return;
        out += d.toString('utf8');
        const lines = out.split('\n').slice(0, -1);
        const at = options.until ? lines.findIndex((l) => options.until!.test(l)) : lines.length > 0 ? 0 : -1;
        if (at >= 0) {
          answered = true;
          clearTimeout(timer);
          resolve({ line: lines[at]!, lines: lines.slice(0, at), output: out });
        }
      });
      ch.stderr.on('data', (d: Buffer) => {
        if (errOut.length < 4000) errOut += d.toString('utf8');
      });
      ch.on('exit', (code: number | null) => {
        ended = true;
        if (!answered) {
          answered = true;
          clearTimeout(timer);
          const lines = out.split('\n');
          resolve({ line: lines.at(-2) ?? lines[0] ?? '', lines, exited: code, output: out + errOut });
        }
      });
      ch.on('close', () => {
        ended = true;
        if (!answered) {
          answered = true;
          clearTimeout(timer);
          resolve({ line: '', lines: out.split('\n'), exited: null, output: out + errOut });
        }
      });
    });
  });
  ready.catch(() => {});
  return {
    ready,
    write(text) {
      if (channel && !ended) channel.write(text);
    },
    async close() {
      if (!channel || ended) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2000);
        channel!.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        channel!.end();
      });
    },
  };
}
