import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { plainUtf8, type ByteFacts } from './byte-facts.ts';

/**
 * Reads document files on a second thread ahead of the parser, so the open,
 * read and close system calls (about 0.15 s at ten thousand documents) leave
 * the parsing thread. The reader thread runs a few lines of plain JavaScript
 * (no parser, no validator: its start-up is cheap) and writes each file's bytes
 * into shared memory it never writes over (SEGMENT_BYTES below); the parsing
 * thread takes them in list order as views of that memory, without a copy, and
 * may keep them (parse-document.ts, keptBytes): the fresh pages the bytes fill
 * are touched on the reader's thread, not the parser's.
 *
 * Whatever goes wrong on the reader's side (it cannot start, a file cannot be
 * opened, it does not answer for a long time) answers `undefined`: the caller
 * then reads that file itself, and so gets exactly the result, or the error,
 * it would get without the reader. So do the first files, while the reader
 * thread is still starting (about 50 ms, longer on a busy machine): the parsing
 * thread reads them itself instead of waiting, and the reader begins with the
 * first file the parsing thread has not claimed (SELF below).
 *
 * The reader also establishes each file's byte facts (byte-facts.ts: sha256,
 * NUL-free valid UTF-8, no character the fast YAML reader leaves to the
 * positional parser) on its idle time, and passes them beside the bytes, so
 * the parsing thread skips those checks; a file without facts is checked there.
 */
export interface ReadAhead {
  /** Starts reading `files` (absolute paths) in order; take() must then be called in the same order. */
  begin(files: string[]): void;
  /** The bytes of `file` (never written over: they may be kept), its size when it is over the limit, or undefined: read it yourself (also while the reader is starting). */
  take(file: string): Uint8Array | number | undefined;
  /** The facts about the bytes the last take() returned, when the reader established them. */
  facts(): ByteFacts | undefined;
  /** Stops the reader (it exits when it sees this, or when it has read everything; one never begun is terminated). */
  close(): void;
  /** Whether the reader thread has begun reading the list (tests: from then on it hands over every file it can read). */
  started(): boolean;
  /** Settles when the reader thread has exited (tests). */
  exited: Promise<void>;
}

// Shared control words: files read, stop, reader failed, and SELF: while it is n >= 0, the
// parsing thread has read the first n files itself and the reader has not started; the reader
// takes over by swapping in -1 - n, and begins with file n.
const PRODUCED = 0;
const STOP = 1;
const FAILED = 2;
const SELF = 3;
/**
 * The reader writes files one after another into segments of shared memory it
 * allocates as it fills them (a file longer than a segment gets one of its own
 * size), and never writes over a file: so it never waits for the parser, and a
 * document the parser keeps needs no copy (a 32 MB ring that wrapped made the
 * parser copy each kept document, ~17 MB of fresh pages on its thread at ten
 * thousand documents). Each new segment is posted to the parser before the
 * first file in it is counted as read, so the parser finds it already queued on
 * its port (receiveMessageOnPort, no wait). A segment lives as long as any
 * document keeps bytes of it; pages are only touched as files are written.
 */
const SEGMENT_BYTES = 4 * 1024 * 1024;
/** How long the parser waits for the reader without any progress before reading by itself (a starved reader on a loaded machine is slow, not wrong). */
const PATIENCE_MS = 3000;
/** Per file in the shared meta array: [start or size, length or -1/-2, facts, segment]. */
const META = 4;
// Fact bits: the digest is written; no NUL and valid UTF-8; and none of the characters plainUtf8 looks for.
const HASHED = 1;
const UTF8 = 2;
const PLAIN = 4;

// The reader thread: CommonJS, evaluated as is (it is the same in the bundle and from the sources).
const READER = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const crypto = require('node:crypto');
const { isUtf8 } = require('node:buffer');
const plainUtf8 = (${plainUtf8.toString()});
const sha256 = typeof crypto.hash === 'function' ? (b) => crypto.hash('sha256', b, 'buffer') : (b) => crypto.createHash('sha256').update(b).digest();
parentPort.once('message', ({ files, control, meta: metaBuffer, digests: digestBuffer, segments, maxBytes, segmentBytes }) => {
  const ctl = new Int32Array(control);
  const meta = new Int32Array(metaBuffer);
  const digests = new Uint8Array(digestBuffer);
  const buf = Buffer.allocUnsafe(maxBytes + 1);
  let segment = new Uint8Array(0);
  let segmentIndex = -1;
  let head = 0;
  let first = Atomics.load(ctl, ${SELF});
  for (let seen; (seen = Atomics.compareExchange(ctl, ${SELF}, first, -1 - first)) !== first; ) first = seen;
  try {
    for (let i = first; i < files.length; i++) {
      if (Atomics.load(ctl, ${STOP})) return;
      let len = -1;
      let size = 0;
      try {
        const fd = fs.openSync(files[i], 'r');
        try {
          let n = 0;
          for (;;) {
            const got = fs.readSync(fd, buf, n, buf.length - n, null);
            if (got === 0) break;
            n += got;
            if (n === buf.length) break;
          }
          if (n === buf.length) {
            size = fs.fstatSync(fd).size;
            len = size <= 0x7fffffff ? -2 : -1;
          } else len = n;
        } finally {
          fs.closeSync(fd);
        }
      } catch {
        len = -1;
      }
      // The byte facts (byte-facts.ts), on this thread's idle time; a fact it cannot establish is left out.
      let facts = 0;
      if (len >= 0) {
        try {
          const bytes = buf.subarray(0, len);
          digests.set(sha256(bytes), 32 * i);
          facts = ${HASHED};
          if (bytes.indexOf(0) === -1 && isUtf8(bytes)) facts |= plainUtf8(bytes) ? ${UTF8} | ${PLAIN} : ${UTF8};
        } catch {
          facts = 0;
        }
      }
      // Written after the files before it, never over them; a new segment is posted before the file is counted.
      let start = 0;
      if (len > 0) {
        if (head + len > segment.length) {
          segment = new Uint8Array(new SharedArrayBuffer(Math.max(segmentBytes, len)));
          segmentIndex++;
          head = 0;
          segments.postMessage(segment.buffer);
        }
        segment.set(buf.subarray(0, len), head);
        start = head;
        head += len;
      }
      meta[${META} * i] = len === -2 ? size : start;
      meta[${META} * i + 1] = len;
      meta[${META} * i + 2] = facts;
      meta[${META} * i + 3] = len > 0 ? segmentIndex : -1;
      Atomics.store(ctl, ${PRODUCED}, i + 1);
      Atomics.notify(ctl, ${PRODUCED});
    }
  } catch {
    Atomics.store(ctl, ${FAILED}, 1);
    Atomics.notify(ctl, ${PRODUCED});
  }
});
`;

/**
 * A reader thread, started now (its start-up overlaps listing the files);
 * undefined when threads are not available. A file of more than `maxBytes` is
 * answered by its size. `segmentBytes`: see SEGMENT_BYTES (tests make it small).
 */
export function startReadAhead(maxBytes: number, segmentBytes = SEGMENT_BYTES): ReadAhead | undefined {
  let worker: Worker;
  try {
    worker = new Worker(READER, { eval: true });
  } catch {
    return undefined;
  }
  worker.unref();
  // An error in the reader is seen through FAILED or the patience limit; this only keeps it from being thrown here.
  worker.on('error', () => {});
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const control = new Int32Array(new SharedArrayBuffer(4 * 4));
  let files: string[] = [];
  let meta = new Int32Array(new SharedArrayBuffer(8));
  let digests: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  /** Where the reader posts each segment it allocates, in order; read only by receiveMessageOnPort. */
  let port: MessagePort | undefined;
  const segments: Uint8Array[] = [];
  let next = 0;
  /** The index of the file the last take() returned bytes of, or -1. */
  let taken = -1;
  let gaveUp = false;
  const giveUp = (): undefined => {
    gaveUp = true;
    Atomics.store(control, STOP, 1);
    return undefined;
  };
  return {
    exited,
    begin(list) {
      files = list;
      meta = new Int32Array(new SharedArrayBuffer(Math.max(16, list.length * 4 * META)));
      // A Buffer over the shared digests: toString('hex', from, to) formats one without a view per file.
      digests = Buffer.from(new SharedArrayBuffer(Math.max(32, list.length * 32)));
      const channel = new MessageChannel();
      port = channel.port1;
      port.unref();
      worker.postMessage({ files, control: control.buffer, meta: meta.buffer, digests: digests.buffer, segments: channel.port2, maxBytes, segmentBytes }, [channel.port2]);
    },
    take(file) {
      taken = -1;
      if (gaveUp || files[next] !== file) return undefined;
      const i = next++;
      // The reader has not started yet: this file is the caller's to read, not a wait for the reader's start-up.
      if (Atomics.load(control, SELF) === i && Atomics.compareExchange(control, SELF, i, i + 1) === i) return undefined;
      for (let seen = Atomics.load(control, PRODUCED); seen <= i; seen = Atomics.load(control, PRODUCED)) {
        if (Atomics.load(control, FAILED)) return giveUp();
        if (Atomics.wait(control, PRODUCED, seen, PATIENCE_MS) === 'timed-out' && Atomics.load(control, PRODUCED) === seen) return giveUp();
      }
      const len = meta[META * i + 1]!;
      if (len === -1) return undefined;
      if (len === -2) return meta[META * i]!;
      taken = i;
      if (len === 0) return new Uint8Array(0);
      const s = meta[META * i + 3]!;
      // Posted before the file was counted, so already queued; were it not, the caller reads the file itself.
      while (segments.length <= s) {
        const posted = port && receiveMessageOnPort(port);
        if (!posted) {
          taken = -1;
          return giveUp();
        }
        segments.push(new Uint8Array(posted.message as SharedArrayBuffer));
      }
      const start = meta[META * i]!;
      return segments[s]!.subarray(start, start + len);
    },
    facts() {
      if (taken < 0) return undefined;
      const f = meta[META * taken + 2]!;
      if (!(f & HASHED)) return undefined;
      return { sha256: digests.toString('hex', 32 * taken, 32 * taken + 32), utf8: (f & UTF8) !== 0, plain: (f & PLAIN) !== 0 };
    },
    started() {
      return Atomics.load(control, SELF) < 0;
    },
    close() {
      // A reader that never got its list holds no file open: end it now. One reading stops at its next file.
      if (!files.length) void worker.terminate();
      giveUp();
      // The views already taken hold their segments; the port is no longer read.
      port?.close();
      segments.length = 0;
    },
  };
}
