import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReadAhead } from '../../scripts/repo/read-ahead.ts';

/**
 * The reader thread hands over each file's bytes exactly, in order, through a
 * ring far smaller than the files together (so it wraps and waits for the
 * parser many times); a file over the limit is its size; whatever it cannot
 * read is left to the caller.
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
  it('hands over every file exactly, in order, through a ring that wraps', () => {
    const ahead = startReadAhead(1000, 2500)!;
    expect(ahead).toBeDefined();
    ahead.begin(files);
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

  it('leaves to the caller what it cannot read, and a file taken out of order', () => {
    const missing = path.join(dir, 'missing.yaml');
    const list = [files[0]!, missing, path.join(dir, 'a-directory.yaml'), files[1]!, files[2]!, files[3]!];
    const ahead = startReadAhead(1000, 2500)!;
    ahead.begin(list);
    expect(Buffer.from(ahead.take(files[0]!) as Uint8Array).equals(readFileSync(files[0]!))).toBe(true);
    expect(ahead.take(missing)).toBeUndefined();
    expect(ahead.take(path.join(dir, 'a-directory.yaml'))).toBeUndefined();
    expect(Buffer.from(ahead.take(files[1]!) as Uint8Array).equals(readFileSync(files[1]!))).toBe(true);
    // files[2] skipped: from here on the caller reads by itself.
    expect(ahead.take(files[3]!)).toBeUndefined();
    ahead.close();
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
