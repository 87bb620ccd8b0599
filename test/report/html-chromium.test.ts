/**
 * The HTML reports in real headless Chromium, the reference renderer for
 * print: no console error, no request but the file itself, every link lands;
 * `chromium --print-to-pdf` gives A4 pages with page numbers and the running
 * header, no page under a fifth full except where a section ends, and no
 * table cell that breaks a CJK word one character per line. Screenshots and
 * PDFs are kept under .tmp/artifacts/ (CI uploads them).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { printToPdf, startChromium, type RunningChromium } from './chromium.ts';
import { pageFill, pagesText, singleCjkLines } from './print-layout.ts';

const REPO = path.resolve(import.meta.dirname, '../..');
/** Kept for people and for CI to upload (README: "Tests"). */
const ARTIFACTS = path.join(REPO, '.tmp/artifacts');

/** Runs in the page: the ids no element carries. */
const MISSING_IDS = (ids: string[]): string[] => {
  const doc = (globalThis as unknown as { document: { getElementById(id: string): unknown } }).document;
  return ids.filter((id) => !doc.getElementById(id));
};

let out: string;
let chrome: RunningChromium;
const REPORTS = [
  ['audit', 'zh-CN'],
  ['audit', 'en'],
  ['monthly', 'zh-CN'],
] as const;

beforeAll(async () => {
  out = mkdtempSync(path.join(tmpdir(), 'og-report-html-'));
  // The sample organisation's own November: the richest real content there is.
  for (const [kind, lang] of REPORTS) {
    const code = await runCli(['--root', REPO, 'report', kind, '--period', '2026-11', '--lang', lang, '--format', 'html', '--out', out, '--at', '2026-12-01T00:00:00+08:00'], {
      env: { PATH: process.env.PATH },
      stdout: new PassThrough(),
      stderr: new PassThrough(),
      cwd: REPO,
    });
    if (code > 1) throw new Error(`report ${kind} ${lang} failed with ${code}`);
  }
  chrome = await startChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 180_000);

afterAll(async () => {
  await chrome?.stop();
  if (out) rmSync(out, { recursive: true, force: true });
});

describe.each(REPORTS)('the %s %s HTML report in real headless Chromium', (kind, lang) => {
  const name = `${kind}-2026-11.${lang}`;
  const file = () => path.join(out, `${name}.html`);

  it('loads with no console errors and no network requests, every link lands; a screenshot is kept', async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 1100, height: 1400 } });
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${file()}`, { waitUntil: 'load' });
    expect(errors).toEqual([]);
    expect(requests).toEqual([`file://${file()}`]);
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('.kpi svg').count()).toBe(8);
    const links = await page.locator('a[href^="#"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!.slice(1)));
    expect(links.length).toBeGreaterThan(100);
    expect(await page.evaluate(MISSING_IDS, [...new Set(links)])).toEqual([]);
    const shot = path.join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    expect(statSync(shot).size).toBeGreaterThan(50_000);
    await context.close();
  }, 90_000);

  it('no table cell breaks a CJK word one character per line, at print width', async () => {
    const context = await chrome.browser.newContext({ viewport: { width: 688, height: 1000 } });
    const page = await context.newPage();
    await page.goto(`file://${file()}`, { waitUntil: 'load' });
    await page.emulateMedia({ media: 'print' });
    const broken = await page.evaluate(singleCjkLines);
    expect(broken).toEqual([]);
    // Sections flow on in print: no section forces a page break before it (only the cover ends its page).
    const forced = await page.evaluate(() => {
      const g = globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<unknown> }; getComputedStyle(e: unknown): { breakBefore: string } };
      return Array.from(g.document.querySelectorAll('section h2, section'))
        .map((e) => g.getComputedStyle(e).breakBefore)
        .filter((b) => b === 'page' || b === 'always');
    });
    expect(forced).toEqual([]);
    await context.close();
  }, 90_000);

  it('chromium --print-to-pdf: A4, page numbers and running header, no page under a fifth full except at a section end', async () => {
    const pdf = path.join(ARTIFACTS, `${name}.pdf`);
    await printToPdf(file(), pdf);
    const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
    expect(info).toMatch(/Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)/);
    const pages = pagesText(pdf);
    expect(pages.length).toBeGreaterThan(5);
    pages.forEach((text, i) => expect(text, `page ${i + 1}`).toContain(`${i + 1} / ${pages.length}`));
    for (const text of pages.slice(1)) expect(text).toContain('2026-11');
    expect(pages.slice(1).every((t) => t.includes(lang === 'zh-CN' ? '杭州云帆科技有限公司' : '杭州云帆科技有限公司'))).toBe(true);
    const fills = pageFill(pdf);
    const headings = /^(\d+\. |附录|Appendix|证据完整性|Evidence integrity)/;
    const thin = fills.flatMap((f, i) =>
      f.fill < 0.2 && i < fills.length - 1 && !headings.test(fills[i + 1]!.firstLine) ? [`page ${i + 1}: ${(f.fill * 100).toFixed(0)}% full, next starts "${fills[i + 1]!.firstLine}"`] : [],
    );
    expect(thin).toEqual([]);
    // Section ends may be short when what follows cannot start lower down; they stay the exception.
    expect(fills.filter((f) => f.fill < 0.2).length).toBeLessThanOrEqual(3);
  }, 120_000);
});
