/**
 * What the read-ahead thread (read-ahead.ts) establishes about a file's bytes
 * while the parsing thread is busy with earlier files, so the parsing thread
 * need not: its sha256, that it has no NUL byte and is valid UTF-8, and that it
 * holds none of the characters the fast YAML reader leaves to the positional
 * parser. Each fact only ever skips a check whose answer it already is: a file
 * without facts (read by the parsing thread itself) gives the same result.
 */
export interface ByteFacts {
  /** sha256 of the bytes, hex. */
  sha256: string;
  /** No NUL byte and valid UTF-8 (so checkEncoding can only decode it). */
  utf8: boolean;
  /** Valid UTF-8 (utf8) holding none of fast-yaml.ts's UNCERTAIN_CHARS anywhere. */
  plain: boolean;
}

/**
 * Whether valid UTF-8 bytes encode none of the characters in fast-yaml.ts's
 * UNCERTAIN_CHARS: C0 controls except LF (00-09, 0B-1F), DEL (7F), C1 controls
 * (U+0080-009F: C2 80-9F), U+2028/9 (E2 80 A8/A9), U+FEFF (EF BB BF) and
 * U+FFFE/F (EF BF BE/BF). Only for bytes isUtf8 accepted: a lead byte is then
 * never mistaken for a continuation byte. Runs in the reader thread, where it
 * is evaluated from its source text: self-contained, no nested functions. Pure.
 */
export function plainUtf8(b: Uint8Array): boolean {
  const n = b.length;
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c < 0x7f) {
      if (c < 0x20 && c !== 0x0a) return false;
    } else if (c === 0x7f) return false;
    else if (c === 0xc2) {
      const d = b[i + 1]!;
      if (d >= 0x80 && d <= 0x9f) return false;
    } else if (c === 0xe2) {
      if (b[i + 1] === 0x80 && (b[i + 2] === 0xa8 || b[i + 2] === 0xa9)) return false;
    } else if (c === 0xef) {
      const d = b[i + 1];
      const e = b[i + 2];
      if ((d === 0xbb && e === 0xbf) || (d === 0xbf && (e === 0xbe || e === 0xbf))) return false;
    }
  }
  return true;
}
