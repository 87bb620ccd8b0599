/**
 * Parser of the `log-retention` probe section (scripts/inspect/probe-services.ts):
 * journald's effective configuration as systemd resolves journald.conf and its
 * drop-ins, the journal's disk usage, and logrotate's rules as logrotate reads
 * logrotate.conf and its includes. Pure.
 */
import { parseFramed, type FramedFile } from './parse-framed.ts';

export interface JournaldFacts {
  /** /var/log/journal exists (Storage=auto then keeps the journal on disk). */
  persistentDir: boolean;
  usageKb?: number;
  fsKb?: number;
  /** Unix seconds of the oldest entry in /var/log/journal. */
  oldest?: number;
  /** Effective [Journal] settings, each with the file:line that set it last. */
  settings: Map<string, { value: string; at: string }>;
  /** journald.conf or any drop-in was found. */
  configured: boolean;
}

export type Period = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';
export interface LogrotateRule {
  patterns: string[];
  at: string;
  rotate?: number;
  /** The last of the time criteria and `size` wins, as in logrotate. */
  criterion?: Period | 'size';
  size?: string;
  maxsize?: string;
  maxage?: number;
}
export interface LogrotateFacts {
  installed: boolean;
  /** /etc/logrotate.conf exists. */
  configured: boolean;
  rules: LogrotateRule[];
  /** Includes the probe did not read (deeper than logrotate.conf, or missing), and lines not understood. */
  notes: string[];
}
export interface LogRetentionFacts {
  journald: JournaldFacts;
  logrotate: LogrotateFacts;
}

const JOURNALD_MAIN = ['/etc/systemd/journald.conf', '/usr/lib/systemd/journald.conf'];
const DROPIN_DIRS = ['/etc/systemd/journald.conf.d/', '/run/systemd/journald.conf.d/', '/usr/local/lib/systemd/journald.conf.d/', '/usr/lib/systemd/journald.conf.d/'];

/** The main file (the first that exists), then drop-ins by file name, a name in an earlier directory masking the same name later. */
function journaldSettings(files: FramedFile[]): Map<string, { value: string; at: string }> {
  const out = new Map<string, { value: string; at: string }>();
  const main = JOURNALD_MAIN.map((p) => files.find((f) => f.label === p)).find(Boolean);
  const byName = new Map<string, FramedFile>();
  for (const dir of DROPIN_DIRS)
    for (const f of files.filter((x) => x.label.startsWith(dir))) {
      const name = f.label.slice(dir.length);
      if (!byName.has(name)) byName.set(name, f);
    }
  const ordered = [...(main ? [main] : []), ...[...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, f]) => f)];
  for (const f of ordered) {
    let section = '';
    f.content.split('\n').forEach((raw, i) => {
      const l = raw.trim();
      if (l === '' || l.startsWith('#') || l.startsWith(';')) return;
      const s = /^\[(.+)\]$/.exec(l);
      if (s) section = s[1]!;
      else if (section === 'Journal' && l.includes('=')) out.set(l.slice(0, l.indexOf('=')).trim(), { value: l.slice(l.indexOf('=') + 1).trim(), at: `${f.label}:${i + 1}` });
    });
  }
  return out;
}

const TABOO = [
  ',v',
  '.bak',
  '.cfsaved',
  '.disabled',
  '.dpkg-bak',
  '.dpkg-del',
  '.dpkg-dist',
  '.dpkg-new',
  '.dpkg-old',
  '.dpkg-tmp',
  '.rpmnew',
  '.rpmorig',
  '.rpmsave',
  '.swp',
  '.ucf-dist',
  '.ucf-new',
  '.ucf-old',
  '~',
];
const SCRIPTS = new Set(['postrotate', 'prerotate', 'firstaction', 'lastaction', 'preremove']);
const PERIODS = new Set(['hourly', 'daily', 'weekly', 'monthly', 'yearly']);

/** Splits a logrotate line into words; "double-quoted" words keep their blanks. */
const words = (l: string) => [...l.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);

function logrotateRules(files: FramedFile[], notes: string[]): LogrotateRule[] {
  const rules: LogrotateRule[] = [];
  const globals: Omit<LogrotateRule, 'patterns' | 'at'> = {};
  const byLabel = new Map(files.map((f) => [f.label, f]));
  const apply = (r: Omit<LogrotateRule, 'patterns' | 'at'>, w: string[], at: string) => {
    const [k, ...a] = w;
    const key = k!.replace(/=.*$/, '').toLowerCase();
    const arg = k!.includes('=') ? k!.slice(k!.indexOf('=') + 1) : a[0];
    if (PERIODS.has(key)) r.criterion = key as Period;
    else if (key === 'size') {
      r.criterion = 'size';
      r.size = arg ?? '?';
    } else if (key === 'maxsize') r.maxsize = arg ?? '?';
    else if (key === 'rotate' || key === 'maxage') {
      const n = Number(arg);
      if (!Number.isInteger(n)) notes.push(`${at}: '${key} ${arg ?? ''}' is not a number`);
      else if (key === 'rotate') r.rotate = n;
      else r.maxage = n;
    }
  };
  const read = (f: FramedFile, depth: number) => {
    let stanza: LogrotateRule | undefined;
    let pending: string[] = [];
    let script = false;
    f.content.split('\n').forEach((raw, i) => {
      const at = `${f.label}:${i + 1}`;
      const l = raw.trim();
      if (script) {
        if (l === 'endscript') script = false;
        return;
      }
      if (l === '' || l.startsWith('#')) return;
      if (stanza) {
        if (l === '}') {
          rules.push(stanza);
          stanza = undefined;
          return;
        }
        const w = words(l);
        if (SCRIPTS.has(w[0]!)) script = true;
        else apply(stanza, w, at);
        return;
      }
      const w = words(l);
      if (w[w.length - 1] === '{' || l.endsWith('{')) {
        const pats = [...pending, ...words(l.slice(0, l.lastIndexOf('{')))];
        pending = [];
        stanza = { ...globals, patterns: pats, at };
        return;
      }
      if (w[0]!.toLowerCase() === 'include') {
        const target = w[1] ?? '';
        if (depth > 0) {
          notes.push(`${at}: include ${target} not read (the probe reads includes of /etc/logrotate.conf only)`);
          return;
        }
        const inDir = files.filter((x) => x.label.startsWith(`${target.replace(/\/$/, '')}/`) && !TABOO.some((t) => x.label.endsWith(t)));
        const one = byLabel.get(target);
        if (one) read(one, depth + 1);
        else if (inDir.length) for (const x of inDir.sort((a, b) => (a.label < b.label ? -1 : 1))) read(x, depth + 1);
        else notes.push(`${at}: include ${target}: nothing there to read`);
        return;
      }
      if (w[0]!.startsWith('/') || w[0]!.startsWith('*')) {
        pending.push(...w);
        return;
      }
      apply(globals, w, at);
    });
    if (stanza) notes.push(`${stanza.at}: the rule for ${stanza.patterns.join(' ')} is not closed with '}'`);
  };
  const conf = byLabel.get('/etc/logrotate.conf');
  if (conf) read(conf, 0);
  return rules;
}

export function parseLogRetention(text: string, boundary: string): LogRetentionFacts {
  const j = text.indexOf(`${boundary} journald\n`);
  const r = text.indexOf(`${boundary} logrotate\n`);
  if (j < 0 || r < j) throw new Error('journald and logrotate parts missing');
  const jf = parseFramed(text.slice(j, r), boundary);
  const rf = parseFramed(text.slice(r), boundary);
  const facts = (loose: string[]) => new Map(loose.map((l) => l.trim().split(/\s+/)).map((w) => [w[0]!, w[1] ?? ''] as const));
  const jm = facts(jf.loose);
  const num = (v: string | undefined) => (v !== undefined && /^\d+(\.\d+)?$/.test(v) ? Number(v) : undefined);
  const journald: JournaldFacts = { persistentDir: jm.get('persistent-dir') === 'yes', settings: journaldSettings(jf.files), configured: jf.files.length > 0 };
  const usage = num(jm.get('usage-kb'));
  const fs = num(jm.get('fs-kb'));
  const oldest = num(jm.get('oldest'));
  if (usage !== undefined) journald.usageKb = usage;
  if (fs !== undefined) journald.fsKb = fs;
  if (oldest !== undefined) journald.oldest = oldest;
  const notes: string[] = [];
  for (const f of [...jf.files, ...rf.files]) if (f.status !== 0) notes.push(`${f.label} could not be read`);
  const logrotate: LogrotateFacts = {
    installed: facts(rf.loose).get('installed') === 'yes',
    configured: rf.files.some((f) => f.label === '/etc/logrotate.conf'),
    rules: logrotateRules(rf.files, notes),
    notes,
  };
  return { journald, logrotate };
}

const UNITS: Array<[RegExp, number]> = [
  [/^(us|usec|µs)$/, 1e-6],
  [/^(ms|msec)$/, 1e-3],
  [/^(s|sec|secs|second|seconds)$/, 1],
  [/^(m|min|mins|minute|minutes)$/, 60],
  [/^(h|hr|hrs|hour|hours)$/, 3600],
  [/^(d|day|days)$/, 86400],
  [/^(w|week|weeks)$/, 604800],
  [/^(M|month|months)$/, 2629800],
  [/^(y|year|years)$/, 31557600],
];

/** systemd's time span (`1month`, `6 months`, `180d`, `2w 3d`, plain seconds) in seconds; undefined when it does not parse. */
export function parseTimespan(v: string): number | undefined {
  const s = v.trim();
  if (s === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  let total = 0;
  let rest = s;
  while (rest !== '') {
    const m = /^(\d+(?:\.\d+)?)\s*([A-Za-zµ]+)\s*/.exec(rest);
    if (!m) return undefined;
    const unit = UNITS.find(([re]) => re.test(m[2]!));
    if (!unit) return undefined;
    total += Number(m[1]) * unit[1];
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** A size as journald and logrotate write it (`4G`, `500M`, `100k`, bytes), in KiB; undefined when it does not parse. */
export function parseSizeKb(v: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([KMGTPE]?)i?B?$/i.exec(v.trim());
  if (!m) return undefined;
  const exp = ['', 'K', 'M', 'G', 'T', 'P', 'E'].indexOf(m[2]!.toUpperCase());
  return (Number(m[1]) * 1024 ** exp) / 1024;
}

/** logrotate's globs as glob(3) expands them: `*` and `?` stop at '/', `[…]` and `[!…]` classes. */
export function globMatches(pattern: string, path: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let cls = pattern.slice(i + 1, end);
        if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  try {
    return new RegExp(`${re}$`).test(path);
  } catch {
    return pattern === path;
  }
}
