/**
 * Measuring printed pages: text per page and how full each page is (from
 * poppler's pdftotext -bbox-layout, the page margins excluded), and, in the
 * browser, table cells whose CJK text broke one character per line.
 */
import { execFileSync } from 'node:child_process';

/** The text of each page (pdftotext -layout), in order. */
export function pagesText(pdf: string): string[] {
  const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
  const pages = text.split('\f');
  if (pages[pages.length - 1]!.trim() === '') pages.pop();
  return pages;
}

/** The page margins of report.css (18 mm top and bottom), in points. */
const MARGIN_PT = (18 / 25.4) * 72;

/** How full each page's content area is (0..1, by the lowest text on it), and its first line of content. */
export function pageFill(pdf: string): { fill: number; firstLine: string }[] {
  const xml = execFileSync('pdftotext', ['-bbox-layout', pdf, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const out: { fill: number; firstLine: string }[] = [];
  for (const page of xml.split('<page ').slice(1)) {
    const height = Number(/height="([\d.]+)"/.exec(page)![1]);
    const lines: { yMin: number; yMax: number; text: string }[] = [];
    for (const m of page.matchAll(/<line xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([\s\S]*?)<\/line>/g)) {
      const text = [...m[3]!.matchAll(/<word[^>]*>([^<]*)<\/word>/g)].map((w) => w[1]).join(' ');
      const yMin = Number(m[1]);
      const yMax = Number(m[2]);
      if (yMin < MARGIN_PT - 2 || yMax > height - MARGIN_PT + 2) continue; // running header and page number
      lines.push({ yMin, yMax, text: decode(text) });
    }
    lines.sort((a, b) => a.yMin - b.yMin);
    const bottom = lines.reduce((m, l) => Math.max(m, l.yMax), MARGIN_PT);
    out.push({ fill: (bottom - MARGIN_PT) / (height - 2 * MARGIN_PT), firstLine: lines[0]?.text ?? '' });
  }
  return out;
}

function decode(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/**
 * Runs in the page: every table cell line that holds a single CJK character
 * next to another CJK character of the same text — a word such as 成功 broken
 * one character per line. Returns "cell text → line" for each.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- runs in the page, where the DOM types are not compiled in */
export const singleCjkLines = (): string[] => {
  const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;
  const doc = (globalThis as any).document;
  const bad: string[] = [];
  for (const cell of Array.from(doc.querySelectorAll('td, th')) as any[]) {
    const walker = doc.createTreeWalker(cell, 4);
    const chars: { ch: string; top: number; node: { data: string }; i: number }[] = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n as { data: string };
      for (let i = 0; i < text.data.length; i++) {
        const range = doc.createRange();
        range.setStart(text, i);
        range.setEnd(text, i + 1);
        const rect = range.getClientRects()[0];
        if (rect && rect.width > 0) chars.push({ ch: text.data[i]!, top: Math.round(rect.top), node: text, i });
      }
    }
    const lines = new Map<number, typeof chars>();
    for (const c of chars) lines.set(c.top, [...(lines.get(c.top) ?? []), c]);
    if (lines.size < 2) continue;
    for (const line of lines.values()) {
      const visible = line.filter((c) => c.ch.trim() !== '');
      if (visible.length !== 1 || !CJK.test(visible[0]!.ch)) continue;
      const { node, i } = visible[0]!;
      if (CJK.test(node.data[i - 1] ?? '') || CJK.test(node.data[i + 1] ?? '')) bad.push(`${(cell.textContent ?? '').trim().slice(0, 40)} → ${visible[0]!.ch}`);
    }
  }
  return bad;
};
