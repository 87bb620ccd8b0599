/**
 * Inline SVG charts: pure functions from numbers to markup. No script, no
 * external fonts or images; text is escaped. Colours work in print. A value
 * of zero is drawn (a red stub and its number), never as an empty slot; a
 * period without data is drawn differently (a dashed outline and a dash).
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

/**
 * A small column chart of a trend (oldest first), each column labelled with
 * its month (`label`) underneath. `noData` is the word for a missing value.
 */
export function renderSparkline(points: readonly Bar[], max: number | null, title: string, noData: string): string {
  const w = 188;
  const plot = 34;
  const h = plot + 14;
  const gap = 4;
  const n = Math.max(points.length, 1);
  const bw = (w - gap * (n - 1)) / n;
  const top = max ?? Math.max(1, ...points.map((p) => p.value ?? 0));
  const parts = points.map((p, i) => {
    const x = i * (bw + gap);
    const cx = (x + bw / 2).toFixed(1);
    const tip = `<title>${escapeXml(p.label)}: ${escapeXml(p.value === null ? noData : p.text)}</title>`;
    const label = `<text x="${cx}" y="${h - 2}" text-anchor="middle" class="c-month">${escapeXml(p.label)}</text>`;
    if (p.value === null) {
      return `<g>${tip}<rect x="${(x + 0.5).toFixed(1)}" y="${(plot - 12).toFixed(1)}" width="${(bw - 1).toFixed(1)}" height="12" class="c-nodata"/><text x="${cx}" y="${plot - 3}" text-anchor="middle" class="c-dash">–</text>${label}</g>`;
    }
    if (p.value === 0) {
      return `<g>${tip}<rect x="${x.toFixed(1)}" y="${plot - 3}" width="${bw.toFixed(1)}" height="3" class="c-zero"/><text x="${cx}" y="${plot - 6}" text-anchor="middle" class="c-zero-text">0</text>${label}</g>`;
    }
    const bh = Math.max(3, (p.value / (top || 1)) * (plot - 2));
    const cls = i === points.length - 1 ? 'c-now' : 'c-past';
    return `<g>${tip}<rect x="${x.toFixed(1)}" y="${(plot - bh).toFixed(1)}" width="${bw.toFixed(1)}" height="${bh.toFixed(1)}" class="${cls}"/>${label}</g>`;
  });
  return `<svg class="spark" role="img" aria-label="${escapeXml(title)}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

/** Horizontal bars with labels, e.g. compliance by environment (max 100) or counts by type. */
export function renderBars(rows: readonly Bar[], max: number | null, title: string): string {
  const rowH = 20;
  const labelW = 150;
  const barW = 380;
  const w = labelW + barW + 130;
  const h = Math.max(rowH, rows.length * rowH);
  const top = max ?? Math.max(1, ...rows.map((r) => r.value ?? 0));
  const body = rows
    .map((r, i) => {
      const y = i * rowH;
      const label = `<text x="${labelW - 6}" y="${y + 14}" text-anchor="end" class="c-label">${escapeXml(truncate(r.label, 22))}</text>`;
      const track = `<rect x="${labelW}" y="${y + 3}" width="${barW}" height="${rowH - 6}" class="c-track"/>`;
      const text = `<text x="${labelW + barW + 6}" y="${y + 14}" class="c-value">${escapeXml(r.text)}</text>`;
      if (r.value === null) return label + `<rect x="${labelW + 0.5}" y="${y + 3.5}" width="${barW - 1}" height="${rowH - 7}" class="c-nodata"/>` + text;
      // Zero is a visible red stub, not an empty track.
      const len = r.value === 0 ? 4 : Math.max(2, (r.value / (top || 1)) * barW);
      const cls = r.value === 0 ? 'c-zero' : max === 100 && r.value < 80 ? 'c-bad' : max === 100 && r.value < 95 ? 'c-warn' : 'c-good';
      return label + track + `<rect x="${labelW}" y="${y + 3}" width="${len.toFixed(1)}" height="${rowH - 6}" class="${cls}"/>` + text;
    })
    .join('');
  return `<svg class="bars" role="img" aria-label="${escapeXml(title)}" viewBox="0 0 ${w} ${h}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">${body}</svg>`;
}

function truncate(s: string, n: number): string {
  return [...s].length > n ? [...s].slice(0, n - 1).join('') + '…' : s;
}
