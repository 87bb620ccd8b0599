/**
 * A small RFC 5545 (iCalendar) writer. Calendars are data (components with
 * properties); rendering escapes TEXT values, quotes parameter values, folds
 * lines at 75 octets without splitting a UTF-8 character, and ends every line
 * with CRLF. Pure.
 */
export interface IcsProperty {
  name: string;
  params?: Readonly<Record<string, string>>;
  /** The value as it goes on the line: use `text()` for TEXT values. */
  value: string;
}

export interface IcsComponent {
  type: string;
  props: IcsProperty[];
  components?: IcsComponent[];
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/** A TEXT value: backslash, semicolon, comma and newline escaped; other control characters dropped (RFC 5545 §3.3.11). */
export function text(s: string): string {
  return s.replace(/\r\n?/g, '\n').replace(CONTROL, '').replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\n/g, '\\n');
}

/** A parameter value: quoted when it holds `:`, `;` or `,`; double quotes and control characters cannot appear and are dropped (§3.2). */
export function paramValue(s: string): string {
  const clean = s.replace(/["\r\n]/g, '').replace(CONTROL, '');
  return /[:;,]/.test(clean) ? `"${clean}"` : clean;
}

/** Folds one content line into lines of at most 75 octets, continuation lines starting with a space (§3.1). */
export function foldLine(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= 75) return line;
  const parts: string[] = [];
  let start = 0;
  let limit = 75;
  while (start < bytes.length) {
    let end = Math.min(start + limit, bytes.length);
    while (end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--; // never inside a UTF-8 sequence
    parts.push(bytes.subarray(start, end).toString('utf8'));
    start = end;
    limit = 74; // the leading space counts
  }
  return parts.join('\r\n ');
}

function renderProperty(p: IcsProperty): string {
  const params = Object.entries(p.params ?? {})
    .map(([k, v]) => `;${k}=${paramValue(v)}`)
    .join('');
  return foldLine(`${p.name}${params}:${p.value}`);
}

function renderComponent(c: IcsComponent, out: string[]): void {
  out.push(`BEGIN:${c.type}`);
  for (const p of c.props) out.push(renderProperty(p));
  for (const child of c.components ?? []) renderComponent(child, out);
  out.push(`END:${c.type}`);
}

/** The whole calendar as iCalendar text, CRLF line ends. */
export function renderIcs(calendar: IcsComponent): string {
  const out: string[] = [];
  renderComponent(calendar, out);
  return out.join('\r\n') + '\r\n';
}

/** UTC date-time form, e.g. 20261130T000000Z. */
export function utcStamp(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/[-:]/g, '').replace('.000', '');
}
