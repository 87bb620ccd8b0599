import { parseFramed } from './parse-framed.ts';

/**
 * sudoers as sudo reads it, from the probe's framed files (scripts/inspect/probe-bodies.ts), and
 * `sudo -l -U` listings. Pure.
 *
 * Order: /etc/sudoers, each @include/#include inlined where it stands, @includedir/#includedir
 * as the directory's files in lexical order, skipping names that contain a '.' or end in '~'
 * (as sudo does). Relative include paths are relative to the including file's directory.
 * A loop or more than MAX_DEPTH levels is a problem, as sudo refuses it too.
 * Aliases (User_Alias, Runas_Alias, Cmnd_Alias/Cmd_Alias) are expanded; `%group`, `#uid` and
 * `ALL` are kept as tokens for the check to resolve against passwd and group.
 */
export interface SudoRule {
  file: string;
  line: number;
  /** The user list as written. */
  who: string;
  /** User tokens with aliases expanded (`name`, `%group`, `%#gid`, `#uid`, `ALL`; `!x` negates). */
  users: string[];
  runas: string;
  nopasswd: boolean;
  commands: string[];
}
/** A `Defaults` entry that sets `authenticate` (`!authenticate` turns passwords off). */
export interface SudoAuthDefault {
  file: string;
  line: number;
  scope: 'all' | 'user' | 'host' | 'runas' | 'cmnd';
  list: string[];
  authenticate: boolean;
}
export interface SudoersFacts {
  rules: SudoRule[];
  authDefaults: SudoAuthDefault[];
  unparsed: Array<{ file: string; line: number; text: string }>;
  /** Files in the order sudo reads them. */
  files: string[];
  /** Files an includedir holds that sudo skips. */
  skipped: string[];
  /** Rules and Defaults whose host list cannot match this host (`file:line`): sudo ignores them here. */
  elsewhere?: string[];
  /** Include loops, too deep nesting, missing files. */
  problems: string[];
  /** Owner and mode of every file sudo reads, of each includedir and of each directory holding a file it reads. */
  modes?: SudoersMode[];
}
export interface SudoersMode {
  path: string;
  /** Permission bits as stat %a gives them, read as octal. */
  mode: number;
  uid: number;
  user: string;
  group: string;
  kind: 'file' | 'includedir' | 'directory';
}

export const MAX_DEPTH = 8;
const ALIAS = /^(User_Alias|Runas_Alias|Host_Alias|Cmnd_Alias|Cmd_Alias)\s+(.*)$/;
const TAG = /^(NO)?(PASSWD|SETENV|EXEC|NOEXEC|LOG_INPUT|LOG_OUTPUT|MAIL|FOLLOW|INTERCEPT|CWD|CHROOT)\s*:\s*/;

/** Splits on commas not escaped with a backslash. */
function splitList(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      cur += ch + text[i + 1];
      i++;
      continue;
    }
    if (ch === ',') {
      out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out.filter(Boolean);
}

interface Line {
  file: string;
  line: number;
  text: string;
}

/** Logical lines of one file: comments dropped (not #include), continuation lines joined. */
/**
 * The items of one command specification list, each with the Runas list and PASSWD tag in force:
 * both carry over to the items after the one that sets them, as sudo reads them.
 */
function specItems(spec: string): { runas: string; nopasswd: boolean; command: string }[] {
  const items: { runas: string; nopasswd: boolean; command: string }[] = [];
  let runas = 'root';
  let nopasswd = false;
  for (let item of splitList(spec)) {
    const ra = /^\(([^)]*)\)\s*/.exec(item);
    if (ra) {
      runas = ra[1]!.split(':')[0]!.trim() || 'root';
      item = item.slice(ra[0].length);
    }
    let t: RegExpExecArray | null;
    while ((t = TAG.exec(item))) {
      if (t[2] === 'PASSWD') nopasswd = Boolean(t[1]);
      item = item.slice(t[0].length);
    }
    items.push({ runas, nopasswd, command: item.trim() });
  }
  return items;
}

function logicalLines(file: string, content: string): Line[] {
  const out: Line[] = [];
  let pending = '';
  let start = 0;
  content.split('\n').forEach((raw, i) => {
    if (pending === '') start = i + 1;
    if (raw.endsWith('\\')) {
      pending += raw.slice(0, -1) + ' ';
      return;
    }
    let text = (pending + raw).trim();
    pending = '';
    if (!/^#include(dir)?\s/.test(text)) text = text.replace(/(^|\s)#(?!\d).*$/, '').trim();
    if (text) out.push({ file, line: start, text });
  });
  return out;
}

export function parseSudoersSection(text: string, boundary: string): SudoersFacts {
  const framed = parseFramed(text, boundary);
  const contents = new Map(framed.files.map((f) => [f.label, f.content]));
  const dirs = new Map<string, string[]>();
  const missing = new Set(framed.markers.filter((m) => m.word === 'missing').map((m) => m.rest));
  // Directory listings: `<B> dir PATH`, one entry per loose line, `<B> eod`.
  let currentDir: string | undefined;
  for (const l of text.split('\n')) {
    if (l.startsWith(`${boundary} dir `)) {
      currentDir = l.slice(boundary.length + 5);
      dirs.set(currentDir, []);
      continue;
    }
    if (l === `${boundary} eod`) {
      currentDir = undefined;
      continue;
    }
    if (currentDir !== undefined) dirs.get(currentDir)!.push(l);
  }
  const host = framed.markers.find((m) => m.word === 'host')?.rest ?? '';
  const modes: SudoersMode[] = [];
  for (const m of framed.markers.filter((x) => x.word === 'stat')) {
    const st = /^([0-7]{1,4}) (\d+) (\d+) (\S+) (\S+) ([^\t]+)\t(\/.*)$/.exec(m.rest);
    if (!st) continue;
    const type = st[6]!;
    const kind = dirs.has(st[7]!) ? 'includedir' : type === 'directory' ? 'directory' : 'file';
    modes.push({ path: st[7]!, mode: Number.parseInt(st[1]!, 8), uid: Number(st[2]), user: st[4]!, group: st[5]!, kind });
  }
  const facts: SudoersFacts = { rules: [], authDefaults: [], unparsed: [], files: [], skipped: [], elsewhere: [], problems: [], modes };
  const lines: Line[] = [];
  const visit = (file: string, stack: string[]) => {
    if (stack.includes(file)) {
      facts.problems.push(`include loop: ${[...stack, file].join(' → ')}`);
      return;
    }
    if (stack.length >= MAX_DEPTH) {
      facts.problems.push(`includes nested deeper than ${MAX_DEPTH} levels at ${file}`);
      return;
    }
    const content = contents.get(file);
    if (content === undefined) {
      if (missing.has(file) || stack.length === 0) facts.problems.push(`${file} is included but does not exist`);
      return;
    }
    facts.files.push(file);
    const dir = file.slice(0, file.lastIndexOf('/')) || '/';
    for (const l of logicalLines(file, content)) {
      const inc = /^[@#]include(dir)?\s+(.+)$/.exec(l.text);
      if (!inc) {
        lines.push(l);
        continue;
      }
      let target = inc[2]!
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .replace(/%h/g, host);
      if (!target.startsWith('/')) target = `${dir}/${target}`;
      if (!inc[1]) {
        visit(target, [...stack, file]);
        continue;
      }
      const entries = [...(dirs.get(target) ?? [])].sort();
      for (const name of entries) {
        const path = `${target}/${name}`;
        if (name.includes('.') || name.endsWith('~')) {
          facts.skipped.push(path);
          continue;
        }
        if (contents.has(path)) visit(path, [...stack, file]);
      }
    }
  };
  visit('/etc/sudoers', []);
  parseLines(lines, facts, host);
  return facts;
}

/**
 * Whether a sudoers host list can match this host, as sudo decides it: the last item that matches wins (a negated one
 * excludes); ALL, names and shell-style patterns are compared with the short host name (sudo's default, no fqdn).
 * Addresses, networks and netgroups are not known here: such a list counts as matching, so the rule is still judged.
 */
export function hostListMatches(items: string[], host: string): boolean {
  if (!host) return true;
  const short = host.split('.')[0]!.toLowerCase();
  for (const raw of [...items].reverse()) {
    const neg = /^!+/.exec(raw)?.[0].length ?? 0;
    const x = raw.slice(neg).trim();
    if (x === 'ALL') return neg % 2 === 0;
    if (x.startsWith('+') || /^[0-9.]+(\/\S+)?$/.test(x) || x.includes(':') || x.includes('/')) return true;
    const re = new RegExp(
      `^${x
        .toLowerCase()
        .replace(/[.+^${}()|\\]/g, '\\$&')
        .replace(/\*/g, '.*')
        .replace(/\?/g, '.')}$`,
    );
    if (re.test(short) || re.test(host.toLowerCase())) return neg % 2 === 0;
  }
  return false;
}

function parseLines(lines: Line[], facts: SudoersFacts, host: string): void {
  const aliases = { User_Alias: new Map<string, string[]>(), Runas_Alias: new Map<string, string[]>(), Cmnd_Alias: new Map<string, string[]>(), Host_Alias: new Map<string, string[]>() };
  const expand = (map: Map<string, string[]>, items: string[], depth = 0): string[] =>
    items.flatMap((raw) => {
      const neg = raw.startsWith('!');
      const name = neg ? raw.slice(1).trim() : raw;
      const hit = depth < 16 ? map.get(name) : undefined;
      if (!hit) return [raw];
      const inner = expand(map, hit, depth + 1);
      return neg ? inner.map((x) => (x.startsWith('!') ? x.slice(1) : `!${x}`)) : inner;
    });
  for (const l of lines) {
    const a = ALIAS.exec(l.text);
    if (a) {
      const kind = a[1] === 'Cmd_Alias' ? 'Cmnd_Alias' : (a[1] as keyof typeof aliases);
      for (const def of a[2]!.split(/\s*:\s*(?=[A-Z][A-Z0-9_]*\s*=)/)) {
        const m = /^([A-Z][A-Z0-9_]*)\s*=\s*(.*)$/.exec(def.trim());
        if (m) aliases[kind].set(m[1]!, splitList(m[2]!));
        else facts.unparsed.push({ file: l.file, line: l.line, text: l.text });
      }
    }
  }
  for (const l of lines) {
    if (ALIAS.test(l.text)) continue;
    const d = /^Defaults(?:([:@!>])\s*(\S+))?\s+(.*)$/.exec(l.text);
    if (d) {
      for (const p of splitList(d[3]!)) {
        const m = /^(!*)\s*authenticate$/.exec(p);
        if (!m) continue;
        const scope = ({ ':': 'user', '@': 'host', '>': 'runas', '!': 'cmnd' } as const)[(d[1] ?? '') as ':' | '@' | '>' | '!'] ?? 'all';
        const list = d[2] ? splitList(d[2]) : [];
        if (scope === 'host' && !hostListMatches(expand(aliases.Host_Alias, list), host)) {
          (facts.elsewhere ??= []).push(`${l.file}:${l.line}`);
          continue;
        }
        facts.authDefaults.push({
          file: l.file,
          line: l.line,
          scope,
          list: scope === 'user' ? expand(aliases.User_Alias, list) : scope === 'runas' ? expand(aliases.Runas_Alias, list) : scope === 'cmnd' ? expand(aliases.Cmnd_Alias, list) : list,
          authenticate: m[1]!.length % 2 === 0,
        });
      }
      continue;
    }
    const r = /^((?:[^\s,=]+\s*,\s*)*[^\s,=]+)\s+((?:[^\s,=]+\s*,\s*)*[^\s,=]+)\s*=\s*(.*)$/.exec(l.text);
    if (!r) {
      facts.unparsed.push({ file: l.file, line: l.line, text: l.text });
      continue;
    }
    const users = expand(aliases.User_Alias, splitList(r[1]!));
    // `users hosts = specs [: hosts = specs]…`: each group of specs applies only where its host list matches.
    const parts = r[3]!.split(/\s+:\s*((?:[^\s,=]+\s*,\s*)*[^\s,=]+)\s*=\s*/);
    const specs: string[] = [];
    for (let i = 0; i < parts.length; i += 2) {
      const hosts = i === 0 ? r[2]! : parts[i - 1]!;
      if (hostListMatches(expand(aliases.Host_Alias, splitList(hosts)), host)) specs.push(parts[i]!);
      else if (!(facts.elsewhere ??= []).includes(`${l.file}:${l.line}`)) facts.elsewhere.push(`${l.file}:${l.line}`);
    }
    for (const spec of specs) {
      for (const { runas, nopasswd, command } of specItems(spec)) {
        const runasList = expand(aliases.Runas_Alias, [runas]);
        const commands = expand(aliases.Cmnd_Alias, [command]).filter((c) => c && !c.startsWith('!'));
        for (const ru of runasList) facts.rules.push({ file: l.file, line: l.line, who: r[1]!.replace(/\s+/g, ''), users, runas: ru, nopasswd, commands });
      }
    }
  }
  // One rule per (location, runas, tags) with its commands together, as written.
  const merged: SudoRule[] = [];
  for (const rule of facts.rules) {
    const prev = merged.find((m) => m.file === rule.file && m.line === rule.line && m.runas === rule.runas && m.nopasswd === rule.nopasswd);
    if (prev) prev.commands.push(...rule.commands.filter((c) => !prev.commands.includes(c)));
    else merged.push({ ...rule, commands: [...rule.commands] });
  }
  facts.rules = merged;
}

/** One account's `sudo -l -U` answer. */
export interface SudoListing {
  account: string;
  /** sudo -l exit status (1 with "not allowed" is a normal "no rules"). */
  status: number;
  allowed: Array<{ runas: string; nopasswd: boolean; command: string }>;
  /** `!authenticate` among the matching Defaults: every entry is passwordless. */
  authenticateOff: boolean;
  /** sudo refused to read its policy (syntax error) or printed something unreadable. */
  error?: string;
}

export function parseSudoList(text: string, boundary: string): SudoListing[] {
  const out: SudoListing[] = [];
  const blocks = text.split(`${boundary} user `).slice(1);
  for (const b of blocks) {
    const nl = b.indexOf('\n');
    const account = b.slice(0, nl);
    const endAt = b.lastIndexOf(`\n${boundary} eou `);
    const body = b.slice(nl + 1, endAt < 0 ? b.length : endAt);
    const status =
      endAt < 0
        ? -1
        : Number(
            b
              .slice(endAt + boundary.length + 6)
              .trim()
              .split('\n')[0],
          );
    const listing: SudoListing = { account, status, allowed: [], authenticateOff: false };
    const lines = body.split('\n');
    let mode: 'none' | 'defaults' | 'rules' = 'none';
    const entries: string[] = [];
    const defaults: string[] = [];
    for (const l of lines) {
      if (/^Matching Defaults entries for /.test(l) || /^Runas and Command-specific defaults for /.test(l)) {
        mode = 'defaults';
        continue;
      }
      if (/^User \S+ may run the following commands on /.test(l)) {
        mode = 'rules';
        continue;
      }
      if (/^User \S+ is not allowed to run sudo on /.test(l)) {
        mode = 'none';
        continue;
      }
      if (!l.trim()) continue;
      if (!/^\s/.test(l)) {
        if (/parse error|syntax error|unable to|no valid sudoers|sudo: /i.test(l)) listing.error = l.trim().slice(0, 200);
        mode = 'none';
        continue;
      }
      if (mode === 'defaults') defaults.push(l.trim());
      else if (mode === 'rules') {
        if (/^\s+\(/.test(l) || entries.length === 0) entries.push(l.trim());
        else entries[entries.length - 1] += ' ' + l.trim();
      }
    }
    listing.authenticateOff = splitList(defaults.join(' ')).some((d) => /^(!!)*!\s*authenticate$/.test(d));
    for (const e of entries) {
      for (const { runas, nopasswd, command } of specItems(e)) {
        if (command && !command.startsWith('!')) listing.allowed.push({ runas, nopasswd: nopasswd || listing.authenticateOff, command });
      }
    }
    if (status > 1 && !listing.error) listing.error = `sudo -l -U ${account} exited ${status}`;
    out.push(listing);
  }
  return out;
}
