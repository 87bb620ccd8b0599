/**
 * Lasting copies of short-lived byte views (a file's bytes in the single read
 * buffer, load-file.ts: the files the read-ahead thread left to the parsing
 * thread; the reader's own bytes last, read-ahead.ts), packed side by side into
 * a few large blocks. A copy per document in Node's buffer pool made a new 8 KB pool every few
 * documents: about 2,500 pool allocations at ten thousand documents, each an
 * external allocation V8 counts towards its next garbage collection (~60–100 ms of
 * lint's time, README, Performance). A block is kept alive while any copy in it is:
 * the documents of one read live and die together, so little is ever held for
 * nothing. Pure apart from its one current block.
 */
const BLOCK_BYTES = 4 * 1024 * 1024;
/** A view longer than this gets a block of its own, so a block's unused tail stays small. */
const OWN_BLOCK_OVER = BLOCK_BYTES / 8;

let block = new Uint8Array(0);
let used = 0;

/** A copy of `view` that later writes to `view`'s buffer never change. */
export function keepCopy(view: Uint8Array): Uint8Array {
  const n = view.byteLength;
  if (n > OWN_BLOCK_OVER) return new Uint8Array(view); // a copy: a Buffer's slice() is only another view
  if (used + n > block.byteLength) {
    block = new Uint8Array(BLOCK_BYTES);
    used = 0;
  }
  const copy = block.subarray(used, used + n);
  copy.set(view);
  used += n;
  return copy;
}
