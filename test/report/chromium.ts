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
import { signalChildGroup } from '../helpers/process-group.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface RunningChromium {
  browser: Browser;
  pid: number;
  stop: () => Promise<void>;
}

export async function startChromium(): Promise<RunningChromium> {
  const profile = mkdtempSync(path.join(tmpdir(), 'og-chromium-'));
  // Its own process group: the browser's helper processes (zygote, renderers, GPU) are stopped with it.
  const child: ChildProcess = spawn(CHROMIUM, [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, '--remote-debugging-port=0', 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
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
        signalChildGroup(child, 'SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      // The helper processes outlive the browser for a moment and keep writing into the profile:
      // wait until the whole group is gone (SIGKILL after 5 s), then remove the profile.
      await groupGone(child);
      rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    },
  };
}

async function groupGone(child: ChildProcess): Promise<void> {
  for (let i = 0; ; i++) {
    // Signal 0: does the group still have members (never a reused number: helpers/process-group.ts)?
    if (!signalChildGroup(child, 0)) return;
    if (i === 50) signalChildGroup(child, 'SIGKILL');
    if (i === 300) throw new Error(`chromium's process group ${child.pid} did not exit after SIGKILL`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs `chromium --print-to-pdf` on a file and waits for the process (stopped by PID on timeout). */
export async function printToPdf(htmlFile: string, pdfFile: string): Promise<void> {
  const profile = mkdtempSync(path.join(tmpdir(), 'og-chromium-'));
  const child = spawn(CHROMIUM, [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, '--no-pdf-header-footer', `--print-to-pdf=${pdfFile}`, `file://${htmlFile}`], { stdio: 'ignore', detached: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        signalChildGroup(child, 'SIGKILL');
        reject(new Error('chromium --print-to-pdf timed out'));
      }, 60_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`chromium --print-to-pdf exited with ${code}`));
      });
    });
  } finally {
    if (child.exitCode === null && child.signalCode === null) signalChildGroup(child, 'SIGKILL');
    await groupGone(child);
    rmSync(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
  }
}
