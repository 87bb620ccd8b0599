/**
 * Parsers of restic's own output (restic 0.14+ JSON) and of the restore test's
 * tree listings. Each throws on output it cannot read; the caller turns that into
 * an `error` with the reason. Pure.
 */
import type { ScoredCheckResult } from '../model/outcome.ts';

export interface Snapshot {
  id: string;
  shortId: string;
  /** ISO 8601 as restic wrote it. */
  time: string;
  host: string;
  paths: string[];
  tags: string[];
}

const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string') throw new Error(`${what} is not a string`);
  return v;
};
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function snapshotOf(s: unknown): Snapshot {
  if (!s || typeof s !== 'object') throw new Error('a snapshot is not an object');
  const o = s as Record<string, unknown>;
  const id = str(o.id, 'snapshot id');
  const time = str(o.time, `time of snapshot ${id.slice(0, 8)}`);
  if (Number.isNaN(Date.parse(time))) throw new Error(`time '${time}' of snapshot ${id.slice(0, 8)} is not a date`);
  return { id, shortId: typeof o.short_id === 'string' ? o.short_id : id.slice(0, 8), time, host: typeof o.hostname === 'string' ? o.hostname : '', paths: strings(o.paths), tags: strings(o.tags) };
}

/** `restic snapshots --json`: oldest first, as restic prints them. */
export function parseSnapshots(text: string): Snapshot[] {
  const data: unknown = JSON.parse(text.trim() || 'null');
  if (!Array.isArray(data)) throw new Error('restic snapshots --json did not print a list');
  return data.map(snapshotOf).sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

export interface ForgetGroup {
  host: string;
  tags: string[];
  paths: string[];
  keep: Snapshot[];
  remove: Snapshot[];
  /** Why each kept snapshot is kept (restic's words: "daily snapshot", "weekly snapshot", …), by snapshot id. */
  reasons: Map<string, string[]>;
}

/** `restic forget --dry-run --json`: one entry per group (host, paths, tags). */
export function parseForget(text: string): ForgetGroup[] {
  const data: unknown = JSON.parse(text.trim() || '[]');
  if (!Array.isArray(data)) throw new Error('restic forget --json did not print a list');
  return data.map((g) => {
    const o = (g ?? {}) as Record<string, unknown>;
    const keep = Array.isArray(o.keep) ? o.keep.map(snapshotOf) : [];
    const remove = Array.isArray(o.remove) ? o.remove.map(snapshotOf) : [];
    const reasons = new Map<string, string[]>();
    for (const r of Array.isArray(o.reasons) ? o.reasons : []) {
      const rr = (r ?? {}) as { snapshot?: { time?: unknown }; matches?: unknown };
      // restic's reasons name the snapshot without its id: match by time.
      const t = typeof rr.snapshot?.time === 'string' ? rr.snapshot.time : undefined;
      const kept = keep.find((k) => k.time === t);
      if (kept) reasons.set(kept.id, strings(rr.matches));
    }
    return { host: typeof o.host === 'string' ? o.host : '', tags: strings(o.tags), paths: strings(o.paths), keep, remove, reasons };
  });
}

export interface ListedNode {
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
}

/** `restic ls --json --recursive SNAPSHOT PATH…`: the snapshot line first, then one node per line. */
export function parseListing(text: string): { snapshot?: Snapshot; nodes: ListedNode[] } {
  const nodes: ListedNode[] = [];
  let snapshot: Snapshot | undefined;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const o = JSON.parse(line) as Record<string, unknown>;
    if (o.struct_type === 'snapshot') {
      snapshot = snapshotOf(o);
      continue;
    }
    if (o.struct_type !== 'node') continue;
    const type = o.type === 'file' || o.type === 'dir' || o.type === 'symlink' ? o.type : 'other';
    nodes.push({ path: str(o.path, 'node path'), type, size: typeof o.size === 'number' ? o.size : 0 });
  }
  return { ...(snapshot ? { snapshot } : {}), nodes };
}

export interface TreeEntry {
  path: string;
  type: ListedNode['type'];
  size: number;
}

/** The restore test's `find -printf '%y %s %P\0'` of a tree, paths made absolute (the tree's root is `/`). */
export function parseTree(text: string): TreeEntry[] {
  const out: TreeEntry[] = [];
  for (const rec of text.split('\0')) {
    if (!rec) continue;
    const m = /^(\S) (\d+) ([\s\S]+)$/.exec(rec);
    if (!m) throw new Error(`unreadable tree entry ${JSON.stringify(rec.slice(0, 80))}`);
    const t = m[1]!;
    out.push({ path: `/${m[3]!}`, type: t === 'f' ? 'file' : t === 'd' ? 'dir' : t === 'l' ? 'symlink' : 'other', size: Number(m[2]) });
  }
  return out;
}

/** `sha256sum --zero` of a tree (`HASH  ./path\0`…), paths made absolute. */
export function parseSha256(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const rec of text.split('\0')) {
    if (!rec.trim()) continue;
    const m = /^\\?([0-9a-f]{64}) [ *]\.\/([\s\S]+)$/.exec(rec.replace(/^\n/, ''));
    if (!m) throw new Error(`unreadable checksum line ${JSON.stringify(rec.slice(0, 80))}`);
    out.set(`/${m[2]!}`, m[1]!);
  }
  return out;
}

export interface CheckOutcome {
  status: ScoredCheckResult;
  /** The lines that say what is wrong (restic's own words), at most 20. */
  errors: string[];
}

/** Lines of `restic check` output that report damage in the repository (as opposed to not reaching it). */
const DAMAGE =
  /repository contains errors|error for tree|ciphertext verification failed|Pack ID does not match|pack [0-9a-f]+ contains \d+ errors|pack [0-9a-f]+: not referenced|size does not match|unexpected pack size|is damaged|not found in index|blob [0-9a-f]+ not found/i;

/** `restic check`: exit 0 is a pass; damage it reports is a fail; anything else (password, lock, unreachable) is an error. */
export function parseCheck(code: number | null, stdout: string, stderr: string): CheckOutcome {
  const lines = `${stderr}\n${stdout}`
    .split('\n')
    .map((l) => l.replace(/\r/g, '').trim())
    .filter((l) => l && !/^\[\d+:\d+\]|^(create|load|check|read|using|no errors were found)/i.test(l));
  if (code === 0) return { status: 'pass', errors: [] };
  const damage = lines.filter((l) => DAMAGE.test(l) || /^(error|pack|tree|blob)\b/i.test(l));
  if (lines.some((l) => DAMAGE.test(l))) return { status: 'fail', errors: damage.slice(0, 20) };
  return { status: 'error', errors: (lines.length ? lines : [`restic check exited ${code ?? 'by a signal'}`]).slice(0, 20) };
}
