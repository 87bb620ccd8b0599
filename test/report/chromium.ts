/**
 * Starts Debian's real Chromium headless with a fresh profile and connects
 * playwright-core to it over CDP; the test owns the process and stops it by
 * its PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface RunningChromium {
  browser: Browser;
  pid: number;
  stop: () => Promise<void>;
}

export async function startChromium(): Promise<RunningChromium> {
  const profile = mkdtempSync(path.join(tmpdir(), 'og-chromium-'));
  const child: ChildProcess = spawn(CHROMIUM, [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const ws = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start: ${buf}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => reject(new Error(`chromium exited with ${code}: ${buf}`)));
  });
  const browser = await chromium.connectOverCDP(ws);
  return {
    browser,
    pid: child.pid!,
    stop: async () => {
      await browser.close().catch(() => {});
      if (child.exitCode === null) {
        process.kill(child.pid!, 'SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      // Chromium's helper processes may still be closing files in the profile for a moment after the browser exits.
      rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    },
  };
}

/** Runs `chromium --print-to-pdf` on a file and waits for the process (stopped by PID on timeout). */
export async function printToPdf(htmlFile: string, pdfFile: string): Promise<void> {
  const profile = mkdtempSync(path.join(tmpdir(), 'og-chromium-'));
  const child = spawn(CHROMIUM, [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, '--no-pdf-header-footer', `--print-to-pdf=${pdfFile}`, `file://${htmlFile}`], { stdio: 'ignore' });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        process.kill(child.pid!, 'SIGKILL');
        reject(new Error('chromium --print-to-pdf timed out'));
      }, 60_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`chromium --print-to-pdf exited with ${code}`));
      });
    });
  } finally {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    rmSync(profile, { recursive: true, force: true });
  }
}
