import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReadAhead, type ReadAhead } from '../../scripts/repo/read-ahead.ts';

/**
 * The reader thread hands over each file's bytes exactly, in order, through
 * segments of memory far smaller than the files together, and never writes
 * over bytes it handed over; a file over the limit is its size; whatever it
 * cannot read is left to the caller, and so are the first files while it starts.
 */
let dir: string;
const files: string[] = [];

function random(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

/** Waits (a test only) until the reader thread has begun its list. */
async function untilStarted(ahead: ReadAhead): Promise<void> {
  for (let k = 0; !ahead.started(); k++) {
    if (k > 2000) throw new Error('the reader thread did not start within 20 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Spins for about `us` microseconds without yielding, as a parsing thread does. */
function spin(us: number): void {
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'og-read-ahead-'));
  const rnd = random(42);
  for (let i = 0; i < 600; i++) {
    const f = path.join(dir, `f-${String(i).padStart(3, '0')}.yaml`);
    // Sizes from empty to just over the limit (1000 bytes here), each file's bytes distinct.
    const size = i % 50 === 7 ? 0 : Math.floor(rnd() * 1010);
    writeFileSync(f, Buffer.from(Array.from({ length: size }, (_, k) => (i * 31 + k * 7) & 0xff)));
    files.push(f);
  }
  mkdirSync(path.join(dir, 'a-directory.yaml'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('startReadAhead', () => {
  it('hands over every file exactly, in order, through many segments', async () => {
    const ahead = startReadAhead(1000, 2500)!;
    expect(ahead).toBeDefined();
    ahead.begin(files);
    await untilStarted(ahead);
    let over = 0;
    for (const f of files) {
      const want = readFileSync(f);
      const got = ahead.take(f);
      if (want.length > 1000) {
        over++;
        expect(got, f).toBe(want.length);
      } else {
        expect(got, f).toBeInstanceOf(Uint8Array);
        expect(Buffer.from(got as Uint8Array).equals(want), f).toBe(true);
      }
    }
    expect(over).toBeGreaterThan(0);
    ahead.close();
  });

  it('never writes over bytes it handed over: every view taken is still exact after all the files were read', async () => {
    // Segments of 2,500 bytes for files of up to 1,000: many segments; and of 300, less than most files.
    for (const segmentBytes of [2500, 300]) {
      const ahead = startReadAhead(1000, segmentBytes)!;
      ahead.begin(files);
      await untilStarted(ahead);
      const kept = files.map((f) => ahead.take(f));
      ahead.close();
      const damaged = files.filter((f, i) => {
        const want = readFileSync(f);
        const got = kept[i];
        return want.length > 1000 ? got !== want.length : !(got instanceof Uint8Array) || !Buffer.from(got).equals(want);
      });
      expect(damaged, `segments of ${segmentBytes} bytes`).toEqual([]);
    }
  });

  it('leaves to the caller what it cannot read, and a file taken out of order', async () => {
    const missing = path.join(dir, 'missing.yaml');
    const list = [files[0]!, missing, path.join(dir, 'a-directory.yaml'), files[1]!, files[2]!, files[3]!];
    const ahead = startReadAhead(1000, 2500)!;
    ahead.begin(list);
    await untilStarted(ahead);
    expect(Buffer.from(ahead.take(files[0]!) as Uint8Array).equals(readFileSync(files[0]!))).toBe(true);
    expect(ahead.take(missing)).toBeUndefined();
    expect(ahead.take(path.join(dir, 'a-directory.yaml'))).toBeUndefined();
    expect(Buffer.from(ahead.take(files[1]!) as Uint8Array).equals(readFileSync(files[1]!))).toBe(true);
    // files[2] skipped: from here on the caller reads by itself.
    expect(ahead.take(files[3]!)).toBeUndefined();
    ahead.close();
  });

  it('leaves the first files to the caller while it starts, then hands over exactly the files after them', async () => {
    // Taken at once, the first files find the reader still starting: the caller reads them.
    const early = startReadAhead(1000, 2500)!;
    early.begin(files);
    expect(early.take(files[0]!)).toBeUndefined();
    expect(early.take(files[1]!)).toBeUndefined();
    await untilStarted(early);
    for (const f of files.slice(2)) {
      const got = early.take(f);
      const want = readFileSync(f);
      if (want.length > 1000) expect(got, f).toBe(want.length);
      else expect(Buffer.from(got as Uint8Array).equals(want), f).toBe(true);
    }
    early.close();
    // The reader starts at any moment while the caller takes files: whoever reads a file, its bytes are exact.
    for (let round = 0; round < 12; round++) {
      const ahead = startReadAhead(1000, 2500)!;
      const list = files.slice(round * 40, round * 40 + 60);
      ahead.begin(list);
      let own = 0;
      for (const [k, f] of list.entries()) {
        spin((round * 70 + k * 130) % 1500);
        const got = ahead.take(f);
        const want = readFileSync(f);
        if (got === undefined) {
          // Only a leading run of files, read before the reader began.
          expect(own, f).toBe(k);
          own++;
        } else if (want.length > 1000) expect(got, f).toBe(want.length);
        else expect(Buffer.from(got as Uint8Array).equals(want), f).toBe(true);
      }
      ahead.close();
      await ahead.exited;
    }
  });

  it('after close, answers nothing, and the reader exits', async () => {
    const ahead = startReadAhead(1000)!;
    ahead.begin(files.slice(0, 3));
    ahead.close();
    expect(ahead.take(files[0]!)).toBeUndefined();
    await ahead.exited;
  });

  it('a reader closed before it got its list (reading the schemas failed) exits too', async () => {
    const ahead = startReadAhead(1000)!;
    ahead.close();
    await expect(ahead.exited).resolves.toBeUndefined();
  });
});
