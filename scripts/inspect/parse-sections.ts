/** Splits probe output into sections by the boundary. Pure. */
export interface RawSection {
  name: string;
  stdout: string;
  stderr: string;
  exitCode: number;
}

export type SplitResult = { ok: true; sections: Map<string, RawSection> } | { ok: false; reason: string };

export function splitSections(output: string, boundary: string): SplitResult {
  const sections = new Map<string, RawSection>();
  const begin = `${boundary} begin `;
  let pos = output.indexOf(begin);
  if (pos < 0) {
    const sample = output.slice(0, 120).replace(/[^\x20-\x7e]/g, '.');
    return { ok: false, reason: `probe output has no section markers (garbage output from the login shell?): '${sample}'` };
  }
  while (pos >= 0) {
    const nameEnd = output.indexOf('\n', pos);
    if (nameEnd < 0) break;
    const name = output.slice(pos + begin.length, nameEnd);
    const errMark = `\n${boundary} stderr ${name}\n`;
    const errPos = output.indexOf(errMark, nameEnd);
    const endRe = new RegExp(`\\n${boundary} end ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} (\\d+)\\n`, 'g');
    endRe.lastIndex = errPos < 0 ? nameEnd : errPos;
    const endMatch = errPos < 0 ? null : endRe.exec(output);
    if (errPos < 0 || !endMatch) return { ok: false, reason: `probe output ends inside section '${name}' (connection cut or output truncated)` };
    sections.set(name, {
      name,
      stdout: output.slice(nameEnd + 1, errPos),
      stderr: output.slice(errPos + errMark.length, endMatch.index),
      exitCode: Number(endMatch[1]),
    });
    pos = output.indexOf(begin, endMatch.index + endMatch[0].length - 1);
  }
  return { ok: true, sections };
}
