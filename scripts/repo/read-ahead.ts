import { Worker } from 'node:worker_threads';
import { plainUtf8, type ByteFacts } from './byte-facts.ts';

/**
 * Reads document files on a second thread ahead of the parser, so the open,
 * read and close system calls (about 0.15 s at ten thousand documents) leave
 * the parsing thread. The reader thread runs a few lines of plain JavaScript
 * (no parser, no validator: its start-up is cheap) and writes each file's bytes
 * into a shared ring buffer; the parsing thread takes them in list order as
 * views of that buffer, without a copy or a message. A file is released when
 * the next one is taken, so its bytes must not be kept (loadFile parses them
 * before it returns, as with the single read buffer it used before).
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
  /** The bytes of `file`, its size when it is over the limit, or undefined: read it yourself (also while the reader is starting). */
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

// Shared control words: files read, files released by the parser, stop, reader failed, and SELF:
// while it is n >= 0, the parsing thread has read the first n files itself and the reader has not
// started; the reader takes over by swapping in -1 - n, and begins with file n.
const PRODUCED = 0;
const CONSUMED = 1;
const STOP = 2;
const FAILED = 3;
const SELF = 4;
/**
 * The ring holds a whole repository of ten thousand documents (about 17 MB), so
 * the reader never waits for room there and is never woken. With 8 MB it filled
 * after ~5,000 files and was then woken every RELEASE_BATCH files: each wake-up
 * could take the parsing thread's core for the reader's next batch, and the
 * parsing thread spent 120-440 ms in take() at 10k documents (17-80 ms with 32 MB,
 * load 13). Pages are only touched as files are written: a small repository
 * uses little of it.
 */
const RING_BYTES = 32 * 1024 * 1024;
/** Files released between two wake-ups of a reader waiting for room in the ring. */
const RELEASE_BATCH = 64;
/** How long the parser waits for the reader without any progress before reading by itself (a starved reader on a loaded machine is slow, not wrong). */
const PATIENCE_MS = 3000;
/** Per file in the shared meta array: [start or size, length or -1/-2, facts, unused]. */
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
parentPort.once('message', ({ files, control, meta: metaBuffer, ring: ringBuffer, digests: digestBuffer, maxBytes }) => {
  const ctl = new Int32Array(control);
  const meta = new Int32Array(metaBuffer);
  const ring = new Uint8Array(ringBuffer);
  const digests = new Uint8Array(digestBuffer);
  const cap = ring.length;
  const buf = Buffer.allocUnsafe(maxBytes + 1);
  const starts = new Int32Array(files.length);
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
      // Unread data starts at starts[released] (ring order) and ends at head; a new file goes after it, contiguous.
      let start = head;
      if (len > 0) {
        for (;;) {
          if (Atomics.load(ctl, ${STOP})) return;
          const released = Atomics.load(ctl, ${CONSUMED});
          let at = -1;
          if (released >= i) at = 0;
          else {
            const tail = starts[released];
            if (head >= tail) at = head + len <= cap ? head : len < tail ? 0 : -1;
            else at = head + len < tail ? head : -1;
          }
          if (at >= 0) {
            start = at;
            break;
          }
          Atomics.wait(ctl, ${CONSUMED}, released, 100);
        }
        ring.set(buf.subarray(0, len), start);
        head = start + len;
      }
      starts[i] = start;
      meta[${META} * i] = len === -2 ? size : start;
      meta[${META} * i + 1] = len;
      meta[${META} * i + 2] = facts;
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
 * answered by its size. `ringBytes` (tests) is raised to hold two such files.
 */
export function startReadAhead(maxBytes: number, ringBytes = RING_BYTES): ReadAhead | undefined {
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
  const control = new Int32Array(new SharedArrayBuffer(4 * 5));
  let files: string[] = [];
  let meta = new Int32Array(new SharedArrayBuffer(8));
  let ring = new Uint8Array(new SharedArrayBuffer(8));
  let digests: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  let next = 0;
  /** The index of the file the last take() returned bytes of, or -1. */
  let taken = -1;
  let gaveUp = false;
  const giveUp = (): undefined => {
    gaveUp = true;
    Atomics.store(control, STOP, 1);
    Atomics.notify(control, CONSUMED);
    return undefined;
  };
  return {
    exited,
    begin(list) {
      files = list;
      meta = new Int32Array(new SharedArrayBuffer(Math.max(16, list.length * 4 * META)));
      ring = new Uint8Array(new SharedArrayBuffer(Math.max(ringBytes, 2 * (maxBytes + 1))));
      // A Buffer over the shared digests: toString('hex', from, to) formats one without a view per file.
      digests = Buffer.from(new SharedArrayBuffer(Math.max(32, list.length * 32)));
      worker.postMessage({ files, control: control.buffer, meta: meta.buffer, ring: ring.buffer, digests: digests.buffer, maxBytes });
    },
    take(file) {
      taken = -1;
      if (gaveUp || files[next] !== file) return undefined;
      const i = next++;
      // Taking file i releases file i-1's bytes. A reader waiting for room is woken every
      // RELEASE_BATCH files (or when this thread waits), not for each file: once the
      // ring is full, waking it per file cost two thread switches per document.
      if (i > 0) {
        Atomics.store(control, CONSUMED, i);
        if (i % RELEASE_BATCH === 0) Atomics.notify(control, CONSUMED);
      }
      // The reader has not started yet: this file is the caller's to read, not a wait for the reader's start-up.
      if (Atomics.load(control, SELF) === i && Atomics.compareExchange(control, SELF, i, i + 1) === i) return undefined;
      for (let seen = Atomics.load(control, PRODUCED); seen <= i; seen = Atomics.load(control, PRODUCED)) {
        if (Atomics.load(control, FAILED)) return giveUp();
        Atomics.notify(control, CONSUMED);
        if (Atomics.wait(control, PRODUCED, seen, PATIENCE_MS) === 'timed-out' && Atomics.load(control, PRODUCED) === seen) return giveUp();
      }
      const len = meta[META * i + 1]!;
      if (len === -1) return undefined;
      if (len === -2) return meta[META * i]!;
      const start = meta[META * i]!;
      taken = i;
      return ring.subarray(start, start + len);
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
    },
  };
}
