import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import type { Located } from '../repo/parse-yaml.ts';
import type { Doc } from '../repo/parse-document.ts';
import type { RepoModel } from '../repo/repo-model.ts';
import { blockingFreezes, calendarMemo, containingWindow, windowAppliesTo, type CalendarMemo } from './calendar.ts';
import { deriveRisk, deriveRiskLevel, renderRiskDerivation, riskRank } from './risk.ts';
import { at, type RuleInput } from './rule-context.ts';
import { parseInstant } from '../model/instant.ts';

type ChangeDoc = Doc<'change'>;
type ChangeStep = NonNullable<ChangeDoc['data']['prechecks']>[number] | ChangeDoc['data']['steps'][number];

/** Governance rules for change requests (窗口、冻结、紧急变更、回退方案、风险). Pure. */
export function checkChanges({ repo, existingFiles, refusedFiles }: RuleInput): Diagnostic[] {
  const out: Diagnostic[] = [];
  const changes = repo.all('change');
  // Each change's hosts, resolved once for both checks.
  const hostsOf = changes.map((doc) => repo.resolveTargets(doc.data.targets));
  const calendar = repo.one('calendar');
  const memo = calendar ? calendarMemo(calendar.data) : undefined;
  // Each window's times, parsed once for both checks.
  const starts = changes.map((doc) => parseInstant(doc.data.window.start));
  const ends = changes.map((doc) => parseInstant(doc.data.window.end));
  for (let i = 0; i < changes.length; i++) {
    const found = checkOneChange(changes[i]!, hostsOf[i]!, starts[i]!, ends[i]!, repo, memo, existingFiles, refusedFiles);
    for (const d of found) out.push(d);
  }
  for (const d of checkConflicts(changes, hostsOf, starts, ends)) out.push(d);
  return out;
}

function checkOneChange(
  doc: ChangeDoc,
  hosts: Doc<'host'>[],
  start: number,
  end: number,
  repo: RepoModel,
  memo: CalendarMemo | undefined,
  existingFiles: ReadonlySet<string>,
  refusedFiles: ReadonlyMap<string, string> = new Map(),
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const c = doc.data;
  if (!(end > start)) out.push(at(doc, '/window/end', 'change.window-order', `window ends (${c.window.end}) before or when it starts (${c.window.start})`, 'set window.end after window.start'));

  if (c.type === 'emergency' && !c.emergency) {
    out.push(
      at(
        doc,
        '/type',
        'change.emergency-justification',
        'an emergency change must carry `emergency:` with a justification and a retro_review_due time',
        'add emergency: { justification: ..., retro_review_due: 2026-12-01T18:00:00+08:00 }',
      ),
    );
  }
  if (c.type !== 'emergency' && c.emergency) {
    out.push(
      at(doc, '/emergency', 'change.emergency-not-emergency', `only emergency changes carry \`emergency:\`; this one is ${c.type}`, 'set type: emergency, or remove the emergency block', 'warning'),
    );
  }
  if (riskRank(c.risk) >= riskRank('medium')) {
    const missing = (['rollback', 'verification', 'test_evidence'] as const).filter((k) => !c[k] || (Array.isArray(c[k]) && (c[k] as unknown[]).length === 0));
    for (const k of missing) {
      // Located where the key belongs, so the author sees where to write it.
      const place = whereKeyBelongs(doc, k);
      const what =
        k === 'test_evidence'
          ? 'what was tested where, e.g. test_evidence: { summary: tested on staging }'
          : k === 'rollback'
            ? 'steps that undo the change, e.g. rollback: [{ id: undo, kind: run, argv: [...] }]'
            : 'checks that prove it worked, e.g. verification: [{ id: up, argv: [...] }]';
      out.push(diagnostic('change.missing-safeguard', { file: doc.file, ...place.at }, `a ${c.risk}-risk change must have ${k}`, { pointer: `/${k}`, hint: `add \`${k}:\` ${place.where}: ${what}` }));
    }
  }

  if (holdsPlaceholderText(c)) out.push(...checkPlaceholders(doc));
  if (!c.targets.hosts?.length && !c.targets.groups?.length) {
    out.push(
      at(
        doc,
        '/targets',
        'change.no-targets',
        'the change names no host and no group to change',
        'list host ids under targets.hosts (inventory/hosts/) and/or group ids under targets.groups (inventory/groups/)',
      ),
    );
  } else if (hosts.length === 0) {
    out.push(at(doc, '/targets', 'change.no-hosts', 'the targets resolve to no host', 'name hosts, or groups that have members'));
  }
  // The level alone first; the factors (and their words) only for a change that declares less.
  if (riskRank(c.risk) < riskRank(deriveRiskLevel(c, hosts))) {
    const derived = deriveRisk(c, hosts);
    out.push(at(doc, '/risk', 'change.risk-too-low', `declared risk ${c.risk} is below the derived risk ${renderRiskDerivation(derived)}`, `declare risk: ${derived.level} or higher`));
  }

  const calendar = repo.one('calendar');
  if (calendar && end > start && !c.closure) {
    if (c.type !== 'emergency') {
      // Hosts to which the same windows apply share one answer: compute it once per window set.
      // Hosts to which the same windows apply share one finding that names them all.
      const outside = new Map<string, { inside: boolean; hosts: typeof hosts }>();
      const windows = calendar.data.maintenance_windows;
      for (const h of hosts) {
        // Which windows apply, as a key ('101'); a change of one host needs no key.
        let key = '';
        if (hosts.length > 1) for (const w of windows) key += windowAppliesTo(w, h) ? '1' : '0';
        let group = outside.get(key);
        if (!group) outside.set(key, (group = { inside: Boolean(containingWindow(calendar.data, h, start, end, memo)), hosts: [] }));
        group.hosts.push(h);
      }
      for (const g of outside.values()) {
        if (g.inside) continue;
        out.push(
          at(
            doc,
            '/window',
            'change.outside-maintenance-window',
            `the window ${c.window.start} – ${c.window.end} is not inside a maintenance window of ${nameHosts(g.hosts.map((h) => h.id))}`,
            `move it into one of: ${describeWindows(calendar, g.hosts[0]!)}`,
          ),
        );
      }
    }
    for (const f of blockingFreezes(calendar.data, c.type, start, end, memo)) {
      out.push(
        at(
          doc,
          '/window',
          'change.in-freeze',
          `the window overlaps freeze '${f.id}' (${f.title}, ${f.start} – ${f.end}), which allows only ${f.allow_types.join(', ') || 'nothing'}`,
          'move the change after the freeze, or, if it cannot wait, make it an emergency change',
        ),
      );
    }
  }

  // Every step and check in document order; a pointer is built only for a step that is reported.
  const stepIds = new Set<string>();
  const visit = (list: 'prechecks' | 'steps' | 'verification' | 'rollback', steps: readonly ChangeStep[] | undefined) => {
    if (!steps) return;
    for (let i = 0; i < steps.length; i++) {
      const s = steps[i]!;
      if (stepIds.has(s.id)) out.push(at(doc, `/${list}/${i}/id`, 'change.duplicate-step-id', `step id '${s.id}' is used twice`, 'give every step and check its own id'));
      stepIds.add(s.id);
      const kind = 'kind' in s ? s.kind : undefined;
      if (kind === 'run' && ((s as { argv?: unknown }).argv === undefined) === ((s as { script?: unknown }).script === undefined)) {
        out.push(at(doc, `/${list}/${i}`, 'change.run-argv-or-script', 'a run step needs exactly one of argv or script', 'use argv: [command, arg, ...] for a command, or script: path/in/repo.sh'));
      }
      const argv = 'argv' in s ? s.argv : undefined;
      if (argv && argv[0]!.startsWith('-'))
        out.push(at(doc, `/${list}/${i}/argv/0`, 'change.argv-option-first', `the command '${argv[0]}' starts with '-'`, 'the first argv item is the program to run'));
      // repoPathsOf(s), without its array: an upload's source or a run step's script.
      const field = kind === 'upload' ? 'source' : kind === 'run' ? 'script' : undefined;
      const repoPath = field && (s as { source?: string; script?: string })[field];
      if (repoPath) {
        const refused = refusedFiles.get(repoPath);
        if (refused) out.push(at(doc, `/${list}/${i}/${field}`, 'change.linked-file', refused, 'opsgate never follows links: commit the file itself, inside the repository'));
        else if (!existingFiles.has(repoPath))
          out.push(
            at(doc, `/${list}/${i}/${field}`, 'change.missing-file', `${repoPath} does not exist inside the repository`, 'commit the file, and reference it by its path from the repository root'),
          );
      }
      if (kind === 'converge' && (s as { target?: string }).target === 'baseline' && !(s as { baseline?: string }).baseline) {
        out.push(at(doc, `/${list}/${i}`, 'change.converge-baseline', 'a baseline converge step must name the baseline', 'add baseline: <id from policies/baselines/>'));
      }
    }
  };
  visit('prechecks', c.prechecks);
  visit('steps', c.steps);
  visit('verification', c.verification);
  visit('rollback', c.rollback);
  return out;
}

const MAX_HOSTS_NAMED = 8;

/** `web-01, web-02 and web-03`; past MAX_HOSTS_NAMED, `… and N more hosts`. Pure. */
/** The marker `opsgate new change` leaves where a person must write something (scaffold/templates.ts). */
const PLACEHOLDER = /\bTODO\b/;

/**
 * Whether any string value contains "TODO": the cheap test that lets most changes skip
 * checkPlaceholders, which builds pointers. for-in may also visit inherited keys; that
 * can only send a change to the full check, never skip one that needs it.
 */
export function holdsPlaceholderText(v: object): boolean {
  // A value is tested where it is met: most values are strings, and a call per string cost more than the test.
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (typeof x === 'string') {
        if (x.includes('TODO')) return true;
      } else if (typeof x === 'object' && x !== null && holdsPlaceholderText(x)) return true;
    }
    return false;
  }
  for (const k in v) {
    const x: unknown = (v as Record<string, unknown>)[k];
    if (typeof x === 'string') {
      if (x.includes('TODO')) return true;
    } else if (typeof x === 'object' && x !== null && holdsPlaceholderText(x)) return true;
  }
  return false;
}

/** Every string value still holding the template's placeholder: one error each, at the value. */
function checkPlaceholders(doc: ChangeDoc): Diagnostic[] {
  const out: Diagnostic[] = [];
  // The pointer is built only for a value that holds the placeholder (rare): building it for every value cost more than the test.
  const path: (string | number)[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') {
      if (v.includes('TODO') && PLACEHOLDER.test(v)) {
        const pointer = path.map((k) => `/${typeof k === 'number' ? k : k.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
        out.push(
          at(
            doc,
            pointer,
            'change.placeholder',
            `${pointer.slice(1).replace(/\//g, '.')} still holds the template's placeholder: ${JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)}`,
            'write the real value in place of TODO (opsgate new change leaves TODO wherever a person must decide)',
          ),
        );
      }
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        walk(v[i]);
        path.pop();
      }
    } else if (v && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        path.push(k);
        walk((v as Record<string, unknown>)[k]);
        path.pop();
      }
    }
  };
  walk(doc.data);
  return out;
}

export function nameHosts(ids: readonly string[]): string {
  const [sole] = ids;
  if (ids.length === 1) return `host ${sole}`;
  if (ids.length <= MAX_HOSTS_NAMED) return `${ids.length} hosts: ${ids.slice(0, -1).join(', ')} and ${ids[ids.length - 1]}`;
  return `${ids.length} hosts: ${ids.slice(0, MAX_HOSTS_NAMED).join(', ')} and ${ids.length - MAX_HOSTS_NAMED} more`;
}

/** The keys of a change around its safeguards, in the schema's order. */
const SAFEGUARD_ORDER = ['prechecks', 'steps', 'verification', 'rollback', 'rollout', 'test_evidence'] as const;

/**
 * Where a missing top-level key belongs: just before the key that follows its schema
 * predecessor in the document, or on the line after that predecessor's last value. Pure.
 */
export function whereKeyBelongs(doc: ChangeDoc, key: (typeof SAFEGUARD_ORDER)[number]): { at: Located; where: string } {
  const keys = Object.keys(doc.data);
  const before = SAFEGUARD_ORDER.slice(0, SAFEGUARD_ORDER.indexOf(key))
    .reverse()
    .find((k) => keys.includes(k));
  if (!before) return { at: doc.locate('', { key: true }), where: 'to the document' };
  const next = keys[keys.indexOf(before) + 1];
  if (next) return { at: { ...doc.locate(`/${next}`, { key: true }), col: 1 }, where: `here, after \`${before}:\` and before \`${next}:\`` };
  const last = doc.locate(lastLeaf((doc.data as unknown as Record<string, unknown>)[before], `/${before}`));
  return { at: { line: last.line + 1, col: 1 }, where: `here, after \`${before}:\`` };
}

function lastLeaf(v: unknown, pointer: string): string {
  if (Array.isArray(v) && v.length) return lastLeaf(v[v.length - 1], `${pointer}/${v.length - 1}`);
  if (v !== null && typeof v === 'object' && Object.keys(v).length) {
    const k = Object.keys(v).at(-1)!;
    return lastLeaf((v as Record<string, unknown>)[k], `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
  }
  return pointer;
}

/** Repository paths a step reads (upload sources, scripts). Pure. */
export function repoPathsOf(step: object): { field: string; path: string }[] {
  const s = step as { kind?: string; source?: string; script?: string };
  const out: { field: string; path: string }[] = [];
  if (s.kind === 'upload' && s.source) out.push({ field: 'source', path: s.source });
  if (s.kind === 'run' && s.script) out.push({ field: 'script', path: s.script });
  return out;
}

function describeWindows({ data: calendar, file }: Doc<'calendar'>, host: Parameters<typeof containingWindow>[1]): string {
  const ws = calendar.maintenance_windows.filter(
    (w) => !w.applies_to || w.applies_to.envs?.includes(host.data.env) || w.applies_to.hosts?.includes(host.id) || w.applies_to.groups?.some((g) => host.data.groups.includes(g)),
  );
  return ws.length ? ws.map((w) => `${w.id} (${w.days.join('/')} ${w.start}–${w.end} ${calendar.timezone})`).join(', ') : `none applies to this host: add one to ${file}`;
}

const MAX_CONFLICTS_LISTED = 3;

/**
 * Open changes whose windows overlap on a shared host. Per host, a sweep by
 * start time with a min-heap of end times, so even thousands of overlapping
 * changes cost O(n log n); each change names at most a few partners and
 * counts the rest. Pure.
 */
function checkConflicts(changes: readonly ChangeDoc[], hostsOf: readonly Doc<'host'>[][], starts: readonly number[], ends: readonly number[]): Diagnostic[] {
  const spans: { doc: ChangeDoc; start: number; end: number; hosts: Doc<'host'>[] }[] = [];
  changes.forEach((c, i) => {
    if (!c.data.closure) spans.push({ doc: c, start: starts[i]!, end: ends[i]!, hosts: hostsOf[i]! });
  });
  const byHost = new Map<string, number[]>();
  spans.forEach((s, i) => {
    if (!(s.end > s.start)) return;
    for (const h of s.hosts) {
      const list = byHost.get(h.id);
      if (list) list.push(i);
      else byHost.set(h.id, [i]);
    }
  });
  const found = new Map<number, { partners: Map<number, string[]>; total: number }>();
  for (const [host, idxs] of byHost) {
    if (idxs.length < 2) continue; // one change on the host overlaps nothing there
    idxs.sort((a, b) => spans[a]!.start - spans[b]!.start || a - b);
    const heap = new MinHeap<number>((a, b) => spans[a]!.end - spans[b]!.end);
    for (const i of idxs) {
      while (heap.size && spans[heap.peek()!]!.end <= spans[i]!.start) heap.pop();
      if (heap.size) {
        const f = found.get(i) ?? { partners: new Map<number, string[]>(), total: 0 };
        f.total += heap.size;
        for (const j of heap.items.slice(0, MAX_CONFLICTS_LISTED)) f.partners.set(j, [...(f.partners.get(j) ?? []), host]);
        found.set(i, f);
      }
      heap.push(i);
    }
  }
  const out: Diagnostic[] = [];
  for (const [i, f] of [...found].sort((a, b) => a[0] - b[0])) {
    const listed = [...f.partners].slice(0, MAX_CONFLICTS_LISTED);
    const names = listed.map(([j, hosts]) => `${spans[j]!.doc.id} (${spans[j]!.doc.file}) on ${hosts.slice(0, 3).join(', ')}`);
    const more = f.total - listed.reduce((n, [, hosts]) => n + hosts.length, 0);
    out.push(at(spans[i]!.doc, '/window', 'change.conflict', `window overlaps ${names.join('; ')}${more > 0 ? `; and ${more} more overlap(s)` : ''}`, 'move one of the changes, or merge them'));
  }
  return out;
}

/** A small binary min-heap. */
class MinHeap<T> {
  readonly items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => number) {}
  get size(): number {
    return this.items.length;
  }
  peek(): T | undefined {
    return this.items[0];
  }
  push(v: T): void {
    const a = this.items;
    a.push(v);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (this.less(a[i]!, a[p]!) >= 0) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length && last !== undefined) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l]!, a[m]!) < 0) m = l;
        if (r < a.length && this.less(a[r]!, a[m]!) < 0) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}
