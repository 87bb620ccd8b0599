/**
 * Text a pull request controls (keys, values, file names) must never start a
 * log line of its own — GitHub runners execute `::command::` lines from any
 * step output — nor move the cursor, recolour a reviewer's terminal, or
 * reorder what a reviewer reads (bidirectional overrides: "Trojan Source").
 * Every control and bidi-control character becomes a visible escape. Pure.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
/** What JSON.stringify leaves raw but a terminal acts on. */
const JSON_RAW = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const hex = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

export function sanitizeForLog(s: string): string {
  return s.replace(CONTROL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    return hex(c);
  });
}

/** JSON text with every character a terminal would act on written as a \u escape: the data parses back unchanged. */
export function sanitizeJson(json: string): string {
  return json.replace(JSON_RAW, hex);
}
