/**
 * Inline SVG charts: pure functions from numbers to markup. No script, no
 * external fonts or images; text is escaped. Colours work in print.
 */
export interface Bar {
  label: string;
  value: number | null;
  /** Text printed after the bar (the formatted value). */
  text: string;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A small column chart of a trend (oldest first); null values are drawn as a grey tick. */
export function renderSparkline(points: readonly Bar[], max: number | null, title: string): string {
  const w = 132;
  const h = 36;
  const gap = 4;
  const n = Math.max(points.length, 1);
  const bw = (w - gap * (n - 1)) / n;
  const top = max ?? Math.max(1, ...points.map((p) => p.value ?? 0));
  const bars = points
    .map((p, i) => {
      const x = (i * (bw + gap)).toFixed(1);
      if (p.value === null) return `<rect x="${x}" y="${h - 2}" width="${bw.toFixed(1)}" height="2" class="c-none"><title>${escapeXml(p.label)}: ${escapeXml(p.text)}</title></rect>`;
      const bh = Math.max(1, (p.value / (top || 1)) * (h - 2));
      const cls = i === points.length - 1 ? 'c-now' : 'c-past';
      return `<rect x="${x}" y="${(h - bh).toFixed(1)}" width="${bw.toFixed(1)}" height="${bh.toFixed(1)}" class="${cls}"><title>${escapeXml(p.label)}: ${escapeXml(p.text)}</title></rect>`;
    })
    .join('');
  return `<svg class="spark" role="img" aria-label="${escapeXml(title)}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg">${bars}</svg>`;
}

/** Horizontal bars with labels, e.g. compliance by environment (max 100) or counts by type. */
export function renderBars(rows: readonly Bar[], max: number | null, title: string): string {
  const rowH = 20;
  const labelW = 150;
  const barW = 380;
  const w = labelW + barW + 110;
  const h = Math.max(rowH, rows.length * rowH);
  const top = max ?? Math.max(1, ...rows.map((r) => r.value ?? 0));
  const body = rows
    .map((r, i) => {
      const y = i * rowH;
      const len = r.value === null ? 0 : Math.max(r.value > 0 ? 1 : 0, (r.value / (top || 1)) * barW);
      const cls = r.value === null ? 'c-none' : max === 100 && r.value < 80 ? 'c-bad' : max === 100 && r.value < 95 ? 'c-warn' : 'c-good';
      return (
        `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end" class="c-label">${escapeXml(truncate(r.label, 22))}</text>` +
        `<rect x="${labelW}" y="${y + 3}" width="${barW}" height="${rowH - 6}" class="c-track"/>` +
        `<rect x="${labelW}" y="${y + 3}" width="${len.toFixed(1)}" height="${rowH - 6}" class="${cls}"/>` +
        `<text x="${labelW + barW + 6}" y="${y + 14}" class="c-value">${escapeXml(r.text)}</text>`
      );
    })
    .join('');
  return `<svg class="bars" role="img" aria-label="${escapeXml(title)}" viewBox="0 0 ${w} ${h}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">${body}</svg>`;
}

function truncate(s: string, n: number): string {
  return [...s].length > n ? [...s].slice(0, n - 1).join('') + '…' : s;
}
