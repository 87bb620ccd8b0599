import { markerBlocks, parseFramed } from './parse-framed.ts';
import { parseSshdT } from './parse-system.ts';

/**
 * The probe's sshd section (scripts/inspect/probe-bodies.ts): `sshd -T` as the running daemon's
 * config file gives it, then per Match context (`sshd -T -C user=…,host=…,addr=…`, only the lines
 * that differ from the global view), the config files with their mtimes, and the daemon's start. Pure.
 */
export interface SshdContext {
  /** `user=deploy,host=203.0.113.10,addr=203.0.113.10` as passed to `sshd -T -C`. */
  label: string;
  user: string;
  /** The settings that differ from the global view in this context. */
  settings: Record<string, string[]>;
  status: number;
}

/** A file sshd reads when it (re)loads: its mtime and ctime (inode change: cannot be set back), ms since the epoch. */
export interface SshdLoadedFile {
  path: string;
  mtime: number;
  ctime: number;
}

export interface SshdRuntime {
  /** The config file and every file it Includes. */
  configFiles: SshdLoadedFile[];
  /** HostKey and HostCertificate files. */
  keyFiles?: SshdLoadedFile[];
  /**
   * The PidFile sshd -T names (`none`: none): its mtime (absent when it could not be read) and the pid written in it.
   * sshd rewrites it after each start and each SIGHUP reload, when it listens again.
   */
  pidFile?: { path: 'none' } | { path: string; mtime?: number; pid?: number };
  /** Match criteria no `sshd -T -C` parameter can stand for (a newer sshd's), where they are written. */
  unevaluated?: Array<{ file: string; line: number; criterion: string }>;
  /** The listening daemon this session descends from, started at `startedAt` (ms since the epoch). */
  daemon?: { pid: number; startedAt: number };
}

export interface SshdSection {
  global: Record<string, string[]>;
  contexts: SshdContext[];
  runtime: SshdRuntime;
}

export function parseSshdSection(text: string, boundary: string): SshdSection {
  const framed = parseFramed(text, boundary);
  const ctxStart = text.indexOf(`${boundary} ctx `);
  const global = parseSshdT((ctxStart < 0 ? framed.loose : parseFramed(text.slice(0, ctxStart), boundary).loose).join('\n'));
  const contexts = markerBlocks(text, boundary, 'ctx', 'eoc').map((b) => {
    const settings: Record<string, string[]> = {};
    for (const l of b.lines) {
      const m = /^([a-z0-9]+)\s+(.*)$/.exec(l.trim());
      if (m) (settings[m[1]!] ??= []).push(m[2]!.trim());
    }
    return { label: b.label, user: /(?:^|,)user=([^,]*)/.exec(b.label)?.[1] ?? '', settings, status: b.status };
  });
  const runtime: SshdRuntime = { configFiles: [] };
  let ticks: { ticks: number; hz: number } | undefined;
  let clock: { now: number; uptime: number } | undefined;
  for (const m of framed.markers) {
    if (m.word === 'cfg' || m.word === 'key') {
      // `MTIME CTIME PATH` (seconds, with nanoseconds); older probes sent `MTIME PATH`.
      const c = /^(\d+(?:\.\d+)?) (?:(\d+(?:\.\d+)?) )?(.+)$/.exec(m.rest);
      if (!c) continue;
      const file = { path: c[3]!, mtime: Number(c[1]) * 1000, ctime: Number(c[2] ?? c[1]) * 1000 };
      if (m.word === 'cfg') runtime.configFiles.push(file);
      else (runtime.keyFiles ??= []).push(file);
    } else if (m.word === 'clock') {
      const [now, uptime] = m.rest.split(' ').map(Number);
      if (now && uptime) clock = { now: now * 1000, uptime: uptime * 1000 };
    } else if (m.word === 'pidfile') {
      const x = /^(\S+) (\S+) (.+)$/.exec(m.rest);
      if (m.rest === 'none') runtime.pidFile = { path: 'none' };
      else if (x) runtime.pidFile = { path: x[3]!, ...(/^\d+(\.\d+)?$/.test(x[1]!) ? { mtime: Number(x[1]) * 1000 } : {}), ...(/^\d+$/.test(x[2]!) ? { pid: Number(x[2]) } : {}) };
    } else if (m.word === 'matchx') {
      const x = /^(.+):(\d+) (\S+)$/.exec(m.rest);
      if (x) (runtime.unevaluated ??= []).push({ file: x[1]!, line: Number(x[2]), criterion: x[3]! });
    } else if (m.word === 'daemon') {
      const [pid, t, hz, btime] = m.rest.split(' ').map(Number);
      if (pid && t !== undefined && hz && btime) {
        runtime.daemon = { pid, startedAt: Math.round((btime + t / hz) * 1000) };
        ticks = { ticks: t, hz };
      }
    }
  }
  // The wall clock now minus the time since boot, both read together, places the start more exactly than btime (whole
  // seconds, and stale once the clock was stepped since boot).
  if (runtime.daemon && ticks && clock) runtime.daemon.startedAt = clock.now - clock.uptime + (ticks.ticks / ticks.hz) * 1000;
  return { global, contexts, runtime };
}

/**
 * The value of a setting in a context: what `sshd -T -C` printed differently, else the global one.
 * Keywords that may repeat (several lines) are taken whole from whichever view has them.
 */
export function settingIn(section: Pick<SshdSection, 'global'>, ctx: SshdContext | undefined, option: string): string[] | undefined {
  return ctx?.settings[option] ?? section.global[option];
}
