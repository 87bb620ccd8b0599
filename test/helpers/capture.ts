/**
 * In-process output capture for tests that run a command or the CLI without a child process: sinks that keep what
 * is written to them as text. Writes land synchronously, so the text is complete when the command's promise settles.
 */
import { Writable } from 'node:stream';

export interface Capture {
  stream: Writable;
  /** Everything written so far. */
  text(): string;
}

/** A sink that keeps everything written to it. */
export function capture(): Capture {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, cb) {
      text += String(chunk);
      cb();
    },
  });
  return { stream, text: () => text };
}

/** A sink that drops everything written to it. */
export function discard(): Writable {
  return new Writable({
    write(_chunk, _encoding, cb) {
      cb();
    },
  });
}

/** A stdout and a stderr sink for one run: pass `stdout`/`stderr` to the command, read `out()`/`err()` after it. */
export function captureStdio(): { stdout: Writable; stderr: Writable; out(): string; err(): string } {
  const o = capture();
  const e = capture();
  return { stdout: o.stream, stderr: e.stream, out: o.text, err: e.text };
}
