/**
 * Text a pull request controls (keys, values, file names) must never start a
 * log line of its own — GitHub runners execute `::command::` lines from any
 * step output — nor move the cursor or recolour a reviewer's terminal. Every
 * control character becomes a visible escape. Pure.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029]/g;

export function sanitizeForLog(s: string): string {
  return s.replace(CONTROL, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
