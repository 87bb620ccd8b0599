/** Splits `---\nYAML\n---\nbody` Markdown. Pure. Returns undefined when there is no front matter. */
export function splitFrontMatter(text: string): { yaml: string; body: string } | undefined {
  const t = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (!t.startsWith('---\n') && !t.startsWith('---\r\n')) return undefined;
  const start = t.indexOf('\n') + 1;
  const close = /^---\s*$/m;
  const rest = t.slice(start);
  const m = close.exec(rest);
  if (!m) return undefined;
  return { yaml: rest.slice(0, m.index), body: rest.slice(m.index + m[0].length).replace(/^\r?\n/, '') };
}
