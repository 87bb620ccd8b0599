import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli } from '../../scripts/bin/run-cli.ts';
import { printToPdf, startChromium, type RunningChromium } from './chromium.ts';
import { createFixtureRepo } from './fixture-repo.ts';
import { requireMachine } from '../helpers/needs.ts';
import { NEEDS } from '../system/needs.ts';

/** Where screenshots and PDFs are kept for a person to look at: inside this checkout (gitignored), so users and worktrees never share it. */
const ARTIFACTS = path.resolve(import.meta.dirname, '../../.tmp/report-artifacts');

/** Runs in the page: the ids no element carries. */
const MISSING_IDS = (ids: string[]): string[] => {
  const doc = (globalThis as unknown as { document: { getElementById(id: string): unknown } }).document;
  return ids.filter((id) => !doc.getElementById(id));
};

let root: string;
let chrome: RunningChromium;

const MACHINE = requireMachine(NEEDS.chromium);

beforeAll(async () => {
  if (!MACHINE.runs) return;
  root = (await createFixtureRepo()).root;
  for (const lang of ['zh-CN', 'en']) {
    const code = await runCli(['--root', root, 'report', 'audit', '--period', '2026-11', '--lang', lang, '--format', 'html', '--out', 'out'], { env: {}, stdout: new PassThrough(), stderr: new PassThrough(), cwd: root });
    if (code !== 0) throw new Error(`report failed with ${code}`);
  }
  chrome = await startChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await chrome?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

function pdfPages(file: string): number {
  const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  return Number(/^Pages:\s+(\d+)/m.exec(info)![1]);
}

for (const lang of ['zh-CN', 'en']) MACHINE.describe(`the ${lang} HTML report in real headless Chromium`, () => {
  const file = () => path.join(root, 'out', `audit-2026-11.${lang}.html`);

  it('loads with no console errors and no network requests; a screenshot is taken', async () => {
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
    // The charts are inline SVG and every figure links to its evidence row.
    expect(await page.locator('.kpi svg').count()).toBe(8);
    const links = await page.locator('a[href^="#f-"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!.slice(1)));
    const missing = await page.evaluate(MISSING_IDS, [...new Set(links)]);
    expect(links.length).toBeGreaterThan(50);
    expect(missing).toEqual([]);
    const evidenceLinks = await page.locator('#figures a[href^="#E"]').evaluateAll((as) => as.map((a) => a.getAttribute('href')!.slice(1)));
    const missingEvidence = await page.evaluate(MISSING_IDS, [...new Set(evidenceLinks)]);
    expect(evidenceLinks.length).toBeGreaterThan(10);
    expect(missingEvidence).toEqual([]);
    const shot = path.join(ARTIFACTS, `audit-2026-11.${lang}.png`);
    await page.screenshot({ path: shot, fullPage: false });
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    const pdf = path.join(ARTIFACTS, `audit-2026-11.${lang}.page.pdf`);
    await page.pdf({ path: pdf, format: 'A4', printBackground: true });
    expect(pdfPages(pdf)).toBeGreaterThanOrEqual(11);
    await context.close();
  }, 60_000);

  it('--print-to-pdf gives an A4 PDF with one page per section at least, its text (Chinese too) extractable', async () => {
    const pdf = path.join(ARTIFACTS, `audit-2026-11.${lang}.pdf`);
    await printToPdf(file(), pdf);
    const pages = pdfPages(pdf);
    // Cover + summary, 8 sections and 2 appendices each start a page; the fixture fits in fewer than 40.
    expect(pages).toBeGreaterThanOrEqual(11);
    expect(pages).toBeLessThan(40);
    const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
    expect(info).toMatch(/Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)/);
    // Glyphs came from a real font with a Unicode map: the organisation's Chinese name reads back.
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
    expect(text).toContain('测试科技有限公司');
    expect(text).toContain(lang === 'zh-CN' ? '运维服务质量审核报告' : 'Operations service quality audit report');
    if (lang === 'zh-CN') copyFileSync(pdf, path.join(ARTIFACTS, 'latest.pdf'));
  }, 90_000);
});
