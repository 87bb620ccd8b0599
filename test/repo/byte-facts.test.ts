import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plainUtf8 } from '../../scripts/repo/byte-facts.ts';
import { UNCERTAIN_CHARS } from '../../scripts/repo/fast-yaml.ts';
import { startReadAhead, type ReadAhead } from '../../scripts/repo/read-ahead.ts';

/** Waits until the reader thread has begun its list: before that, the caller reads the files itself. */
async function untilStarted(ahead: ReadAhead): Promise<void> {
  for (let k = 0; !ahead.started(); k++) {
    if (k > 2000) throw new Error('the reader thread did not start within 20 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The reader thread's byte facts skip checks on the parsing thread, so each must
 * be exactly the check it replaces: plainUtf8 on the bytes agrees with the fast
 * reader's UNCERTAIN_CHARS on the decoded text, for every character near the
 * ranges it looks for, anywhere in a text; the facts handed over with a file are
 * its own (hash, NUL-free UTF-8, plain), and none come with a file not handed over.
 */
const uncertain = (text: string) => UNCERTAIN_CHARS.test(text);

/** Code points at and around every edge of UNCERTAIN_CHARS' ranges, and some that share lead bytes with them. */
function probes(): number[] {
  const out: number[] = [];
  for (let c = 0; c <= 0x2ff; c++) out.push(c);
  for (const base of [0x2000, 0x2028, 0x2060, 0x2100, 0x2fff, 0xfe00, 0xfeff, 0xff00, 0xffbf, 0xfff0]) for (let c = base - 16; c <= base + 16 && c <= 0xffff; c++) out.push(c);
  out.push(0xe000, 0x4e2d, 0x1f600, 0x10ffff, 0x10000, 0xf8ff);
  return [...new Set(out)].filter((c) => c < 0xd800 || c > 0xdfff);
}

describe('plainUtf8', () => {
  it('agrees with UNCERTAIN_CHARS for every probed character, alone, first, in the middle and last', () => {
    let flagged = 0;
    for (const c of probes()) {
      const ch = String.fromCodePoint(c);
      for (const text of [ch, `${ch}id: x\n`, `id: 中${ch}文\n`, `a: b\n${ch}`, `${ch}${ch}`]) {
        const bytes = Buffer.from(text, 'utf8');
        expect(isUtf8(bytes)).toBe(true);
        expect(plainUtf8(bytes), `U+${c.toString(16)} in ${JSON.stringify(text)}`).toBe(!uncertain(text));
      }
      if (uncertain(ch)) flagged++;
    }
    // 10 + 21 (C0 but LF) + 1 (DEL) + 32 (C1) + 2 + 3: every character of the class is among the probes.
    expect(flagged).toBe(69);
  });

  it('agrees on random texts mixing ASCII, CJK and the characters it looks for', () => {
    let x = 7;
    const rnd = () => (x = (x * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
    const pool = ['a', ' ', '\n', ':', '中', '文', 'é', '\u00a0', '\u0085', '\t', '\r', '\u2028', '\u2029', '\u2027', '\ufeff', '\ufffe', '\uffff', '\ufffd', '\u007f', '\u0000', '😀'];
    for (let k = 0; k < 3000; k++) {
      let text = '';
      const len = Math.floor(rnd() * 12);
      // Mostly texts from the safe part of the pool, so both answers are common.
      const span = rnd() < 0.5 ? 8 : pool.length;
      for (let i = 0; i < len; i++) text += pool[Math.floor(rnd() * span)];
      expect(plainUtf8(Buffer.from(text, 'utf8')), JSON.stringify(text)).toBe(!uncertain(text));
    }
  });
});

describe('the read-ahead byte facts', () => {
  let dir: string;
  const cases: [string, Buffer][] = [
    ['plain', Buffer.from('id: web-01\nnote: 中文\n')],
    ['empty', Buffer.alloc(0)],
    ['tab', Buffer.from('id: a\n\tb: c\n')],
    ['cr', Buffer.from('id: a\r\n')],
    ['bom', Buffer.from('\ufeffid: a\n')],
    ['line separator', Buffer.from('id: a\u2028b\n')],
    ['c1 control', Buffer.from('id: a\u0085\n')],
    ['nonchar', Buffer.from('id: a\uffff\n')],
    ['nul', Buffer.from('id: a\0\n')],
    ['latin-1', Buffer.from([0x69, 0x64, 0x3a, 0x20, 0xe9, 0x0a])],
    ['utf-16', Buffer.from('\ufeffid: a\n', 'utf16le')],
    ['over the limit', Buffer.alloc(300, 0x61)],
  ];
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'og-byte-facts-'));
    for (const [name, bytes] of cases) writeFileSync(path.join(dir, `${name}.yaml`), bytes);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('come with each file handed over, and are that file’s', async () => {
    const ahead = startReadAhead(200)!;
    const files = cases.map(([name]) => path.join(dir, `${name}.yaml`));
    ahead.begin([...files, path.join(dir, 'missing.yaml')]);
    await untilStarted(ahead);
    for (const [i, [name, bytes]] of cases.entries()) {
      const got = ahead.take(files[i]!);
      if (bytes.length > 200) {
        expect(got).toBe(bytes.length);
        expect(ahead.facts(), name).toBeUndefined();
        continue;
      }
      expect(Buffer.from(got as Uint8Array).equals(bytes), name).toBe(true);
      const utf8 = !bytes.includes(0) && isUtf8(bytes);
      expect(ahead.facts(), name).toStrictEqual({
        sha256: createHash('sha256').update(bytes).digest('hex'),
        utf8,
        plain: utf8 && !uncertain(bytes.toString('utf8')),
      });
    }
    expect(ahead.take(path.join(dir, 'missing.yaml'))).toBeUndefined();
    expect(ahead.facts()).toBeUndefined();
    ahead.close();
  });

  it('none for a file taken out of order, or while the reader starts (the caller reads it)', async () => {
    const files = cases.slice(0, 3).map(([name]) => path.join(dir, `${name}.yaml`));
    const early = startReadAhead(200)!;
    early.begin(files);
    expect(early.take(files[0]!)).toBeUndefined();
    expect(early.facts()).toBeUndefined();
    early.close();
    const ahead = startReadAhead(200)!;
    ahead.begin(files);
    await untilStarted(ahead);
    expect(ahead.take(files[0]!)).toBeInstanceOf(Uint8Array);
    expect(ahead.facts()).toBeDefined();
    expect(ahead.take(files[2]!)).toBeUndefined();
    expect(ahead.facts()).toBeUndefined();
    ahead.close();
  });
});
