/**
 * Reads a section whose files are framed by the run's boundary (scripts/inspect/probe-bodies.ts):
 *   <B> file <label>\n<content>\n<B> eof <status>\n
 * plus one-line markers `<B> <word> <rest>`. Text outside frames and markers is returned as
 * `loose` lines. Content is exactly the file's bytes: the newline the probe adds before the
 * end marker is removed, so a last line without a newline is still read. Pure.
 */
export interface FramedFile {
  label: string;
  content: string;
  status: number;
}
export interface Marker {
  word: string;
  rest: string;
  line: number;
}
export interface FramedSection {
  files: FramedFile[];
  markers: Marker[];
  loose: string[];
}

export function parseFramed(text: string, boundary: string): FramedSection {
  const out: FramedSection = { files: [], markers: [], loose: [] };
  const head = `${boundary} `;
  let pos = 0;
  let lineNo = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    const line = text.slice(pos, nl);
    lineNo++;
    if (line.startsWith(head)) {
      const rest = line.slice(head.length);
      const sp = rest.indexOf(' ');
      const word = sp < 0 ? rest : rest.slice(0, sp);
      const arg = sp < 0 ? '' : rest.slice(sp + 1);
      if (word === 'file') {
        const endMark = `\n${boundary} eof `;
        const end = text.indexOf(endMark, nl);
        if (end < 0) {
          out.files.push({ label: arg, content: text.slice(nl + 1), status: -1 });
          return out;
        }
        const endNl = text.indexOf('\n', end + endMark.length);
        const status = Number(text.slice(end + endMark.length, endNl < 0 ? text.length : endNl));
        out.files.push({ label: arg, content: nl + 1 > end ? '' : text.slice(nl + 1, end), status: Number.isFinite(status) ? status : -1 });
        pos = endNl < 0 ? text.length : endNl + 1;
        continue;
      }
      out.markers.push({ word, rest: arg, line: lineNo });
    } else out.loose.push(line);
    pos = nl + 1;
  }
  return out;
}

/** Lines between a marker `<B> <open> <label>` and the next `<B> <close> <status>`, grouped by label. */
export function markerBlocks(text: string, boundary: string, open: string, close: string): Array<{ label: string; lines: string[]; status: number }> {
  const out: Array<{ label: string; lines: string[]; status: number }> = [];
  let cur: { label: string; lines: string[]; status: number } | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${boundary} ${open} `)) {
      cur = { label: line.slice(boundary.length + open.length + 2), lines: [], status: -1 };
      out.push(cur);
      continue;
    }
    if (cur && line.startsWith(`${boundary} ${close}`)) {
      cur.status = Number(line.slice(boundary.length + close.length + 2));
      cur = undefined;
      continue;
    }
    if (cur) cur.lines.push(line);
  }
  return out;
}
