import { describe, expect, it } from 'vitest';
import { findDuplicateHosts, keyMaterial, type DuplicateHost, type HostIdentity } from '../../scripts/gate/host-identity.ts';
import { changeStarts, incidentSpans, openAt, openingIn } from '../../scripts/handover/boundaries.ts';
import { evaluateDuties, evaluateDutiesSummarisingUpdates, evaluateMissedDuties, type DutyInput, type SlaLevel } from '../../scripts/incident/duties.ts';
import { deriveIncidentLevel, deriveIncidentRank } from '../../scripts/incident/levels.ts';
import type { CalendarDocument, ChangeDocument, HostDocument, IncidentDocument } from '../../scripts/model/documents.generated.ts';
import { parseInstant } from '../../scripts/model/instant.ts';
import { calendarMemo, containingWindow, windowAppliesTo, windowOccurrences } from '../../scripts/rules/calendar.ts';
import { holdsPlaceholderText } from '../../scripts/rules/change-rules.ts';
import { compareDiagnostics, type Diagnostic } from '../../scripts/model/diagnostic.ts';
import { sortByPlace } from '../../scripts/rules/index.ts';
import { deriveRisk, deriveRiskLevel } from '../../scripts/rules/risk.ts';
import { openAtIndex, openingInIndex } from '../../scripts/rules/span-index.ts';
import { suggest, suggester } from '../../scripts/rules/suggest.ts';

/**
 * Lint's rules take shortcuts on their hot paths (issue 9, item 14): a level without its
 * reasons, only the missed duties, sorted spans, a bounded edit distance. Each shortcut must
 * answer exactly what the general function answers; these tests compare them on corpora
 * built to reach every branch, edges included.
 */

let seed = 11;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

describe('suggest', () => {
  /** The unbounded implementation the rules used before: the oracle. */
  function oracle(wrong: string, known: readonly string[]): string[] {
    const distance = (a: string, b: string) => {
      if (Math.abs(a.length - b.length) > 3) return 99;
      const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
      for (let i = 1; i <= a.length; i++) {
        let diag = prev[0]!;
        prev[0] = i;
        for (let j = 1; j <= b.length; j++) {
          const tmp = prev[j]!;
          prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
          diag = tmp;
        }
      }
      return prev[b.length]!;
    };
    return known
      .map((k) => ({ k, d: distance(wrong, k) }))
      .filter((x) => x.d <= Math.max(2, Math.min(3, Math.floor(wrong.length / 3))))
      .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
      .slice(0, 2)
      .map((x) => x.k);
  }
  const word = () => Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => pick(['a', 'b', 'c', '-', '0', '1', 'é', 'x'])).join('');
  const known = [...Array.from({ length: 300 }, word), 'h-00001', 'h-00010', 'h-00100', 'web-01', 'web-02', 'db-01', 'bastion-01', 'p-00000', 'p-00001'];
  const misspelt = (k: string) => {
    const i = Math.floor(rnd() * (k.length + 1));
    const op = pick(['drop', 'add', 'swap', 'change']);
    if (op === 'drop') return k.slice(0, i) + k.slice(i + 1);
    if (op === 'add') return k.slice(0, i) + pick(['a', '0', '-']) + k.slice(i);
    if (op === 'swap') return k.slice(0, i) + k.slice(i + 1, i + 2) + k.slice(i, i + 1) + k.slice(i + 2);
    return k.slice(0, i) + pick(['z', '9']) + k.slice(i + 1);
  };

  it('finds what the unbounded distance finds, near misses and far ones alike', () => {
    let found = 0;
    const wrongs = [...Array.from({ length: 400 }, () => misspelt(misspelt(pick(known)))), ...Array.from({ length: 200 }, word), '', 'h-0001', 'bastion-09', 'p-0000'];
    for (const wrong of wrongs) {
      const answer = suggest(wrong, known);
      expect(answer, wrong).toEqual(oracle(wrong, known));
      if (answer.length) found++;
    }
    expect(found).toBeGreaterThan(200);
  });

  it('remembers answers without sharing them: a caller may change its copy', () => {
    let listed = 0;
    const near = suggester((kind: string) => {
      listed++;
      return kind === 'host' ? ['h-00001', 'h-00010'] : ['p-00000'];
    });
    const first = near('h-0001', 'host');
    expect(first).toEqual(oracle('h-0001', ['h-00001', 'h-00010']));
    first.push('changed');
    expect(near('h-0001', 'host')).toEqual(oracle('h-0001', ['h-00001', 'h-00010']));
    expect(near('h-0001', 'person')).toEqual(oracle('h-0001', ['p-00000']));
    expect(listed).toBe(2);
  });
});

describe('levels without their reasons', () => {
  const envs = ['prod', 'staging', 'dev'] as const;
  const crits = ['critical', 'high', 'medium', 'low'] as const;
  const hostsOf = (n: number) => {
    const prodShare = pick([0, 0.3, 1]);
    return Array.from({ length: n }, (_, i) => ({ id: `h-${i}`, data: { env: rnd() < prodShare ? 'prod' : pick(envs), criticality: pick(crits), groups: [] } as unknown as HostDocument }));
  };

  it('deriveRiskLevel is the level of deriveRisk', () => {
    const counts = new Map<string, number>();
    for (let n = 0; n < 3000; n++) {
      const hosts = hostsOf(pick([0, 1, 2, 4, 5, 6, 19, 20, 25]));
      const change = { steps: rnd() < 0.3 ? [{ id: 'c', kind: 'converge' }] : [{ id: 'r', kind: 'run' }] } as unknown as ChangeDocument;
      const level = deriveRiskLevel(change, hosts);
      expect(level).toBe(deriveRisk(change, hosts).level);
      counts.set(level, (counts.get(level) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['critical', 'high', 'low', 'medium']);
  });

  it('deriveIncidentRank is the rank of deriveIncidentLevel', () => {
    const counts = new Map<number, number>();
    for (let n = 0; n < 3000; n++) {
      const hosts = hostsOf(pick([0, 1, 2, 3]));
      const impact =
        rnd() < 0.1
          ? undefined
          : { availability: pick(['outage', 'degraded', 'none', undefined]), users: pick(['all', 'many', 'few', undefined]), data: pick(['loss', 'leak', 'at_risk', 'none', undefined]) };
      const incident = (impact ? { impact } : {}) as Pick<IncidentDocument, 'impact'>;
      const rank = deriveIncidentRank(incident, hosts);
      expect(rank).toBe(deriveIncidentLevel(incident, hosts, pick([1, 4])).rank);
      counts.set(rank, (counts.get(rank) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([1, 2, 3, 4]);
  });
});

describe('evaluateMissedDuties', () => {
  const T0 = Date.parse('2026-11-28T10:00:00+08:00');
  const at = (min: number) => new Date(T0 + min * 60_000).toISOString();
  const LEVEL = {
    level: 2,
    acknowledge_minutes: 10,
    resolve_minutes: 240,
    escalate_after_minutes: 60,
    update_every_minutes: 30,
    report_due_hours: 24,
    report_to_supervisor_minutes: 15,
    leadership_minutes: 30,
    escalate_to: ['p-tech'],
    postmortem: 'required',
  } as SlaLevel;
  const sla: DutyInput['sla'] = { supervisors: ['p-boss'], leadership: ['p-lead'] };

  function incident(n: number): IncidentDocument {
    const resolved = rnd() < 0.5 ? undefined : Math.floor(rnd() * 600);
    const acked = rnd() < 0.7 ? Math.floor(rnd() * 20) : undefined;
    const escalations = Array.from({ length: Math.floor(rnd() * 4) }, () => ({
      at: at(Math.floor(rnd() * 90)),
      by: 'p-ops',
      role: pick(['supervisor', 'leadership', 'technical', 'other']),
      to: [pick(['p-boss', 'p-lead', 'p-tech', 'p-x'])],
      channel: pick(['phone', 'in_person', 'dingtalk']),
    }));
    const notifications = Array.from({ length: Math.floor(rnd() * 8) }, () => ({ duty: pick(['update', 'feedback']), at: at(Math.floor(rnd() * 700)), by: 'p-ops', to: ['g'], channel: 'dingtalk' }));
    return {
      id: `INC-2026-${String(n).padStart(4, '0')}`,
      level: 2,
      status: resolved === undefined ? 'open' : pick(['resolved', 'closed']),
      detected_at: at(0),
      ...(rnd() < 0.8 ? { reported_at: at(Math.floor(rnd() * 5)) } : {}),
      ...(acked !== undefined ? { acknowledged_at: at(acked) } : {}),
      ...(resolved !== undefined ? { resolved_at: at(resolved) } : {}),
      ...(resolved !== undefined && rnd() < 0.6 ? { verification: { at: at(resolved + Math.floor(rnd() * 2000)), by: 'p-ops', note: 'ok' } } : {}),
      ...(resolved !== undefined && rnd() < 0.6 ? { feedback: { at: at(resolved + Math.floor(rnd() * 2000)), by: 'p-ops', to: ['p-user'], channel: 'phone' } } : {}),
      ...(resolved !== undefined && rnd() < 0.6 ? { report: { submitted_at: at(resolved + Math.floor(rnd() * 3000)), by: 'p-ops' } } : {}),
      handler: 'p-ops',
      reporter: 'p-user',
      ...(escalations.length || rnd() < 0.5 ? { escalations } : {}),
      ...(notifications.length || rnd() < 0.5 ? { notifications } : {}),
      ...(rnd() < 0.3 ? { deviations: [{ duty: pick(['acknowledge', 'leadership', 'report', 'postmortem', 'update']), reason: 'night shift', approved_by: 'p-boss' }] } : {}),
      postmortem: { status: pick(['not_required', 'pending', 'done']) },
    } as unknown as IncidentDocument;
  }

  it('lists exactly the late and overdue duties of evaluateDutiesSummarisingUpdates, with the same summary', () => {
    const states = new Map<string, number>();
    for (let n = 0; n < 600; n++) {
      const i = incident(n);
      for (const now of [T0 - 60_000, T0 + 45 * 60_000, T0 + 300 * 60_000, T0 + 5 * 86_400_000]) {
        for (const level of [LEVEL, { ...LEVEL, leadership_by: ['dingtalk'] } as SlaLevel, undefined]) {
          const input = { incident: i, level, sla, now };
          const all = evaluateDutiesSummarisingUpdates(input);
          const missed = evaluateMissedDuties(input);
          expect(missed.duties).toEqual(all.duties.filter((d) => d.state === 'late' || d.state === 'overdue'));
          expect(JSON.stringify(missed.duties)).toBe(JSON.stringify(all.duties.filter((d) => d.state === 'late' || d.state === 'overdue')));
          expect(missed.updates).toEqual(all.updates);
          for (const d of all.duties) states.set(`${d.kind} ${d.state}`, (states.get(`${d.kind} ${d.state}`) ?? 0) + 1);
        }
      }
    }
    // Every kind of duty is met, late and overdue somewhere in the corpus.
    for (const kind of ['acknowledge', 'supervisor', 'leadership', 'escalation', 'verification', 'feedback', 'report'])
      for (const state of ['met', 'late', 'overdue']) expect(states.get(`${kind} ${state}`), `${kind} ${state}`).toBeGreaterThan(0);
  });

  it('takes the feedback as done at the earliest feedback, without building the list of times', () => {
    /** minOf over the feedback and every feedback notification, as the list was built before: the oracle. */
    const oracle = (i: IncidentDocument) => {
      let best: number | undefined;
      for (const v of [i.feedback?.at ? Date.parse(i.feedback.at) : undefined, ...(i.notifications ?? []).filter((n) => n.duty === 'feedback').map((n) => Date.parse(n.at))])
        if (v !== undefined && !Number.isNaN(v) && (best === undefined || v < best)) best = v;
      return best;
    };
    let both = 0;
    for (let n = 0; n < 600; n++) {
      const i = incident(n);
      // Sometimes an unreadable time, which never counts.
      if (i.notifications?.length && rnd() < 0.2) i.notifications[0]!.at = 'not a time';
      const feedback = evaluateDuties({ incident: i, level: LEVEL, sla, now: T0 + 5 * 86_400_000 }).find((d) => d.kind === 'feedback');
      if (!feedback) continue;
      expect(feedback.doneAt, i.id).toBe(oracle(i));
      if (i.feedback && i.notifications?.filter((x) => x.duty === 'feedback').length) both++;
    }
    expect(both).toBeGreaterThan(50);
  });
});

describe('spans asked at many moments', () => {
  const T0 = Date.parse('2026-11-01T00:00:00Z');
  const H = 3_600_000;
  const time = () => (rnd() < 0.03 ? 'not a time' : new Date(T0 + Math.floor(rnd() * 400) * H).toISOString());

  it('openAtIndex answers as openAt, in the same order', () => {
    const incidents = Array.from({ length: 300 }, (_, n) => {
      const r = rnd();
      return { id: `i${n}`, data: { detected_at: time(), ...(r < 0.5 ? { resolved_at: time() } : r < 0.7 ? { closed_at: time() } : {}) } as unknown as IncidentDocument };
    });
    const spans = incidentSpans(incidents);
    const index = openAtIndex(spans);
    let open = 0;
    for (const moment of [...Array.from({ length: 300 }, () => T0 + Math.floor(rnd() * 420) * H), NaN, spans[0]!.from, spans[1]!.end ?? T0]) {
      const answer = index(moment);
      expect(answer).toEqual(openAt(spans, moment));
      open += answer.length;
    }
    expect(open).toBeGreaterThan(1000);
  });

  it('openingInIndex answers as openingIn, in the same order', () => {
    const changes = Array.from({ length: 300 }, (_, n) => ({ id: `c${n}`, data: { window: { start: time(), end: time() } } as unknown as ChangeDocument }));
    const starts = changeStarts(changes);
    const index = openingInIndex(starts);
    let opening = 0;
    for (let k = 0; k < 300; k++) {
      const from = T0 + Math.floor(rnd() * 420) * H;
      const to = from + Math.floor(rnd() * 48) * H;
      const answer = index(from, to);
      expect(answer).toEqual(openingIn(starts, from, to));
      opening += answer.length;
    }
    for (const [from, to] of [
      [NaN, T0 + 100 * H],
      [T0, NaN],
      [starts[0]!.start, starts[0]!.start],
      [starts[0]!.start, starts[0]!.start + 1],
    ] as const)
      expect(index(from, to)).toEqual(openingIn(starts, from, to));
    expect(opening).toBeGreaterThan(300);
  });
});

describe('containingWindow', () => {
  const calendar = {
    id: 'calendar',
    timezone: 'Asia/Shanghai',
    maintenance_windows: [
      { id: 'night', title: 'n', days: ['tue', 'thu'], start: '22:00', end: '02:00', workdays_only: true, applies_to: { envs: ['prod'] } },
      { id: 'day', title: 'd', days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00', applies_to: { envs: ['staging'], hosts: ['h-special'] } },
      { id: 'sat', title: 's', days: ['sat'], start: '01:00', end: '05:00' },
    ],
    holidays: [{ date: '2026-12-01', name: 'h' }],
  } as unknown as CalendarDocument;
  const hosts = ['prod', 'staging', 'dev'].flatMap((env) => ['h-1', 'h-special'].map((id) => ({ id, data: { env, groups: [] } as unknown as HostDocument })));

  it('finds the occurrence windowOccurrences(...).find finds, with and without the memo', () => {
    const memo = calendarMemo(calendar);
    const T0 = Date.parse('2026-11-28T00:00:00+08:00');
    let inside = 0;
    for (let k = 0; k < 1500; k++) {
      const start = T0 + Math.floor(rnd() * 24 * 20) * 30 * 60_000;
      const end = start + Math.floor(rnd() * 12) * 30 * 60_000;
      const host = pick(hosts);
      let expected: ReturnType<typeof containingWindow>;
      for (const w of calendar.maintenance_windows) {
        if (!windowAppliesTo(w, host)) continue;
        expected = windowOccurrences(w, calendar, start, end).find((o) => o.start <= start && o.end >= end);
        if (expected) break;
      }
      expect(containingWindow(calendar, host, start, end, memo)).toEqual(expected);
      expect(containingWindow(calendar, host, start, end)).toEqual(expected);
      if (expected) inside++;
    }
    expect(inside).toBeGreaterThan(100);
  });
});

describe('findDuplicateHosts', () => {
  /** The implementation before the shortcut (every host compared through sets): the oracle. */
  function oracle(hosts: readonly HostIdentity[], check: ReadonlySet<string>): DuplicateHost[] {
    const key = (h: HostIdentity) => JSON.stringify([h.address?.toLowerCase(), h.port ?? 22, h.route ?? '']);
    const out: DuplicateHost[] = [];
    hosts.forEach((h) => {
      if (!check.has(h.id)) return;
      const keys = new Set((h.host_keys ?? []).map(keyMaterial));
      hosts.forEach((o, j) => {
        if (o.id === h.id) return;
        if (h.address && o.address && key(h) === key(o))
          out.push({ id: h.id, file: h.file, other: o.id, what: 'address', message: `host ${h.id} has the address ${h.address}:${h.port ?? 22} of host ${o.id}; one machine is one host` });
        const shared = (o.host_keys ?? []).map(keyMaterial).filter((k) => keys.has(k));
        if (shared.length)
          out.push({ id: h.id, file: h.file, other: o.id, what: 'host key', message: `host ${h.id} pins a host key of host ${o.id} (${shared[0]!.split(' ')[0]}); one machine is one host` });
        void j;
      });
    });
    return out;
  }

  it('reports what comparing every pair reports, in the same order', () => {
    const hosts: HostIdentity[] = Array.from({ length: 200 }, (_, n) => ({
      id: rnd() < 0.05 ? 'h-dup' : `h-${n}`,
      file: `inventory/hosts/h-${n}.yaml`,
      ...(rnd() < 0.9 ? { address: pick(['10.0.0.1', '10.0.0.1', 'DB.example', 'db.example', ...Array.from({ length: 40 }, (_, i) => `10.1.0.${i}`)]) } : {}),
      ...(rnd() < 0.5 ? { port: pick([22, 2222]) } : {}),
      ...(rnd() < 0.8
        ? {
            host_keys: Array.from(
              { length: Math.floor(rnd() * 3) },
              () => `${pick(['ssh-ed25519', 'ecdsa'])} ${pick(['AAAA', 'BBBB', ...Array.from({ length: 60 }, (_, i) => `K${i}`)])} ${pick(['', 'c1', 'c2'])}`,
            ),
          }
        : {}),
      ...(rnd() < 0.2 ? { route: pick(['["b1",null]', '[null,"nc"]']) } : {}),
    }));
    // Two hosts sharing two keys, listed in opposite orders: the finding names the other host's first.
    hosts.push({ id: 'two-a', file: 'inventory/hosts/two-a.yaml', host_keys: ['ecdsa KA x', 'ssh-ed25519 KB y', 'ecdsa KA z'] });
    hosts.push({ id: 'two-b', file: 'inventory/hosts/two-b.yaml', host_keys: ['ssh-ed25519 KB', 'ecdsa KA'] });
    const check = new Set([...hosts.filter(() => rnd() < 0.7).map((h) => h.id), 'two-a', 'two-b']);
    const found = findDuplicateHosts(hosts, check);
    expect(found).toEqual(oracle(hosts, check));
    expect(found.filter((d) => d.what === 'address').length).toBeGreaterThan(20);
    expect(found.filter((d) => d.what === 'host key').length).toBeGreaterThan(20);
  });
});

describe('holdsPlaceholderText', () => {
  /** The walk before values were tested in place: the oracle. */
  function oracle(v: unknown): boolean {
    if (typeof v === 'string') return v.includes('TODO');
    if (typeof v !== 'object' || v === null) return false;
    if (Array.isArray(v)) return v.some(oracle);
    for (const k in v) if (oracle((v as Record<string, unknown>)[k])) return true;
    return false;
  }
  const value = (depth: number): unknown => {
    const r = rnd();
    if (depth > 3 || r < 0.4) return pick(['restart', 'TODO: why', 'xTODOx', 'todo', 7, true, null, undefined, '']);
    if (r < 0.7) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 4) }, (_, i) => [pick(['TODO', 'k']) + i, value(depth + 1)]));
  };

  it('answers as the recursive walk, for values at every depth', () => {
    let holding = 0;
    for (let n = 0; n < 3000; n++) {
      const v = { data: value(0), steps: [value(1), value(1)] };
      expect(holdsPlaceholderText(v)).toBe(oracle(v));
      if (oracle(v)) holding++;
    }
    expect(holding).toBeGreaterThan(300);
    expect(holding).toBeLessThan(2700);
  });
});

describe('parseInstant', () => {
  const two = () => pick(['00', '01', '09', '10', '12', '13', '23', '24', '28', '29', '30', '31', '32', '59', '60', '99', '0a', ' 1', String(Math.floor(rnd() * 100)).padStart(2, '0')]);
  const year = () => pick(['2026', '2024', '2100', '2000', '1900', '1970', '1969', '0000', '0001', '9999', '20x6', '+002026', String(Math.floor(rnd() * 10000)).padStart(4, '0')]);
  const valid = (): string => {
    const t = new Date(Date.UTC(1900 + Math.floor(rnd() * 300), 0, 1) + Math.floor(rnd() * 300 * 365) * 86_400_000 + Math.floor(rnd() * 86_400_000));
    const iso = t.toISOString();
    const offset = pick(['Z', '+08:00', '-05:30', '+00:00', '-00:00', '+23:59', '-23:59', '+05:45']);
    const shape = pick(['min', 'sec', 'ms1', 'ms2', 'ms3']);
    const body = shape === 'min' ? iso.slice(0, 16) : shape === 'sec' ? iso.slice(0, 19) : iso.slice(0, 20 + Number(shape.slice(2)));
    return body + offset;
  };
  /** A valid timestamp with one part changed: every other part stays valid, so the changed one decides. */
  const odd = (): string => {
    const v = valid();
    const at = (i: number, len: number, x: string) => v.slice(0, i) + x + v.slice(i + len);
    const tail = v.slice(16).search(/[Z+-]/) + 16;
    switch (pick(['year', 'month', 'day', 'T', 'hour', 'minute', 'second', 'fraction', 'offset', 'cut', 'append'])) {
      case 'year':
        return at(0, 4, year());
      case 'month':
        return at(5, 2, two());
      case 'day':
        return at(8, 2, two());
      case 'T':
        return at(10, 1, pick(['t', ' ', '_', 'TT']));
      case 'hour':
        return at(11, 2, two());
      case 'minute':
        return at(14, 2, two());
      case 'second':
        return v.slice(0, 16) + ':' + two() + v.slice(tail);
      case 'fraction':
        return v.slice(0, 16) + ':' + pick(['00', '59']) + '.' + pick(['', '5', '05', '123', '1234', '9', 'x', '12a']) + v.slice(tail);
      case 'offset':
        return v.slice(0, tail) + pick(['Z', 'z', '+08:00', '+24:00', '-00:00', '+0800', '', '+08', '+08:00 ', '+8:00', '+08:60', '+08:0x', 'Zx', '+23:59', '-23:60']);
      case 'cut':
        return v.slice(0, Math.floor(rnd() * v.length));
      default:
        return v + pick(['x', ' ', 'Z', '0', ':00']);
    }
  };

  it('answers as Date.parse, for the form documents write and every near miss', () => {
    let parsed = 0;
    const wrong: string[] = [];
    const edges = [
      '2026-02-29T00:00Z',
      '2024-02-29T00:00Z',
      '2026-02-30T10:00+08:00',
      '2026-04-31T00:00:00Z',
      '2026-01-10T24:00Z',
      '2026-01-10T23:59:59.999-23:59',
      '1969-12-31T23:59:59.999Z',
      '0000-03-01T00:00Z',
      '2026-11-30',
      '',
      'now',
    ];
    for (const s of [...edges, ...Array.from({ length: 20_000 }, valid), ...Array.from({ length: 40_000 }, odd)]) {
      const expected = Date.parse(s);
      if (!Object.is(parseInstant(s), expected)) wrong.push(`${s}: ${parseInstant(s)}, Date.parse ${expected}`);
      if (!Number.isNaN(expected)) parsed++;
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(parsed).toBeGreaterThan(35_000);
    // A value that is not a string is coerced, as Date.parse coerces it.
    expect(parseInstant(0 as unknown as string)).toBe(Date.parse(0 as unknown as string));
    expect(parseInstant(undefined as unknown as string)).toBeNaN();
  });
});

describe('sortByPlace', () => {
  // Names where collation and code-unit order disagree: case, '_' against '-' and '.', accents, NFC against NFD (equal to localeCompare).
  const files = ['a.yaml', 'A.yaml', 'b.yaml', 'a_b.yaml', 'a-b.yaml', 'a.b.yaml', 'ab.yaml', 'é.yaml', 'e\u0301.yaml', 'z.yaml', 'Z/a.yaml', 'z/A.yaml', '变更.yaml', '10.yaml', '9.yaml', '.'];
  const codes = ['schema.enum', 'Schema.enum', 'schema_enum', 'schema-enum', 'change.placeholder', 'change.conflict', 'e\u0301', 'é'];

  it('orders as sort(compareDiagnostics), ties in their original order', () => {
    for (let n = 0; n < 300; n++) {
      const ds: Diagnostic[] = Array.from({ length: Math.floor(rnd() * 120) }, (_, k) => ({
        code: pick(codes),
        severity: 'error',
        file: pick(files),
        line: pick([1, 1, 2, 10]),
        col: pick([1, 3]),
        message: `m${k}`,
      }));
      const expected = [...ds].sort(compareDiagnostics);
      const got = sortByPlace([...ds]);
      expect(got.map((d) => d.message)).toEqual(expected.map((d) => d.message));
    }
  });
});
