import { LineCounter, parseDocument } from 'yaml';
import { diagnostic, type Diagnostic } from '../model/diagnostic.ts';
import type { HostDocument, SlaDocument } from '../model/documents.generated.ts';

/**
 * Prometheus Alertmanager webhook payloads (version "4"), read as untrusted
 * data: size-capped, shape-checked, every value a bounded printable string,
 * every problem a diagnostic located in the payload file. Pure.
 *
 * { version: "4", groupKey, truncatedAlerts, status: firing|resolved, receiver,
 *   groupLabels, commonLabels, commonAnnotations, externalURL,
 *   alerts: [{ status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint }] }
 */
export interface Alert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
  fingerprint: string;
}

export interface AlertPayload {
  version: '4';
  groupKey: string;
  status: 'firing' | 'resolved';
  receiver: string;
  alerts: Alert[];
}

export const ALERT_LIMITS = { maxBytes: 1024 * 1024, maxAlerts: 500, maxLabels: 64, maxValue: 200, maxAnnotation: 4000 };

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
/** Alertmanager's zero time, sent as endsAt while an alert fires. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

export function parseAlertPayload(text: string, file: string): { payload?: AlertPayload; diagnostics: Diagnostic[] } {
  const out: Diagnostic[] = [];
  let locator: ((pointer: string) => { line: number; col: number }) | undefined;
  const locate = (pointer: string) => (locator ??= payloadLocator(text))(pointer);
  const fail = (pointer: string, code: string, message: string, hint: string) => out.push(diagnostic(code, { file, ...locate(pointer) }, message, { pointer, hint }));
  if (Buffer.byteLength(text) > ALERT_LIMITS.maxBytes) {
    out.push(
      diagnostic('alert.too-large', { file, line: 1, col: 1 }, `payload is ${Buffer.byteLength(text)} bytes; at most ${ALERT_LIMITS.maxBytes} are read`, {
        hint: 'Alertmanager caps alerts per message with max_alerts in webhook_config',
      }),
    );
    return { diagnostics: out };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    out.push(diagnostic('alert.json', { file, ...jsonErrorAt(text, e as Error) }, 'the payload is not JSON', { hint: 'pass the body Alertmanager POSTed to its webhook receiver' }));
    return { diagnostics: out };
  }
  const o = data as Record<string, unknown>;
  if (!o || typeof o !== 'object' || Array.isArray(o)) {
    out.push(diagnostic('alert.shape', { file, line: 1, col: 1 }, 'the payload is not a JSON object', { hint: 'expected the Alertmanager webhook body: {"version":"4","alerts":[…],…}' }));
    return { diagnostics: out };
  }
  if (o.version !== '4')
    fail('/version', 'alert.version', `version is ${JSON.stringify(o.version)}; only Alertmanager webhook payload version "4" is understood`, 'upgrade Alertmanager, or convert the payload');
  const status = o.status === 'resolved' ? 'resolved' : 'firing';
  if (!Array.isArray(o.alerts) || o.alerts.length === 0) {
    fail('/alerts', 'alert.shape', 'alerts is missing or empty', 'expected alerts: [{status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint}]');
    return { diagnostics: out };
  }
  if (o.alerts.length > ALERT_LIMITS.maxAlerts) fail('/alerts', 'alert.too-many', `${o.alerts.length} alerts; at most ${ALERT_LIMITS.maxAlerts} are read`, 'set max_alerts in the webhook_config');
  const alerts: Alert[] = [];
  (o.alerts as unknown[]).slice(0, ALERT_LIMITS.maxAlerts).forEach((raw, i) => {
    const p = `/alerts/${i}`;
    const a = raw as Record<string, unknown>;
    if (!a || typeof a !== 'object' || Array.isArray(a)) return void fail(p, 'alert.shape', 'an alert is not an object', 'each alert is {status, labels, …}');
    const labels = stringMap(a.labels, `${p}/labels`, ALERT_LIMITS.maxValue, fail);
    const annotations = stringMap(a.annotations ?? {}, `${p}/annotations`, ALERT_LIMITS.maxAnnotation, fail);
    if (a.status !== 'firing' && a.status !== 'resolved') fail(`${p}/status`, 'alert.shape', `status is ${JSON.stringify(a.status)}`, 'expected "firing" or "resolved"');
    if (typeof a.startsAt !== 'string' || !RFC3339.test(a.startsAt) || Number.isNaN(Date.parse(a.startsAt)))
      fail(`${p}/startsAt`, 'alert.time', `startsAt ${JSON.stringify(a.startsAt)} is not an RFC 3339 time`, 'Alertmanager sends e.g. 2026-11-11T00:11:30.123+08:00');
    const endsAt = typeof a.endsAt === 'string' && a.endsAt !== ZERO_TIME && RFC3339.test(a.endsAt) ? a.endsAt : undefined;
    if (typeof a.fingerprint !== 'string' || !/^[0-9a-f]{1,64}$/.test(a.fingerprint))
      fail(`${p}/fingerprint`, 'alert.fingerprint', `fingerprint ${JSON.stringify(a.fingerprint)} is not a hex string`, "Alertmanager ≥ 0.19 sends each alert's fingerprint");
    const gen = typeof a.generatorURL === 'string' ? a.generatorURL : undefined;
    if (gen !== undefined && (gen.length > 2000 || CONTROL.test(gen)))
      fail(`${p}/generatorURL`, 'alert.value', 'generatorURL is longer than 2000 characters or has control characters', 'check the Prometheus external URL');
    if (labels && annotations && (a.status === 'firing' || a.status === 'resolved') && typeof a.startsAt === 'string' && typeof a.fingerprint === 'string') {
      alerts.push({ status: a.status, labels, annotations, startsAt: a.startsAt, ...(endsAt ? { endsAt } : {}), ...(gen ? { generatorURL: gen } : {}), fingerprint: a.fingerprint });
    }
  });
  if (out.length) return { diagnostics: out };
  return { payload: { version: '4', groupKey: typeof o.groupKey === 'string' ? o.groupKey : '', status, receiver: typeof o.receiver === 'string' ? o.receiver : '', alerts }, diagnostics: out };
}

function stringMap(v: unknown, pointer: string, maxLen: number, fail: (p: string, c: string, m: string, h: string) => void): Record<string, string> | undefined {
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    fail(pointer, 'alert.shape', `${pointer.split('/').pop()} is not an object of strings`, 'labels and annotations map names to strings');
    return undefined;
  }
  const entries = Object.entries(v as Record<string, unknown>);
  if (entries.length > ALERT_LIMITS.maxLabels)
    fail(pointer, 'alert.too-many', `${entries.length} entries; at most ${ALERT_LIMITS.maxLabels}`, 'drop high-cardinality labels with alert_relabel_configs');
  let ok = true;
  for (const [k, val] of entries.slice(0, ALERT_LIMITS.maxLabels)) {
    const p = `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,99}$/.test(k)) {
      fail(pointer, 'alert.label-name', `label name ${JSON.stringify(k.slice(0, 60))} is not a Prometheus label name`, 'names match [a-zA-Z_][a-zA-Z0-9_]*');
      ok = false;
      continue;
    }
    if (typeof val !== 'string') {
      fail(p, 'alert.shape', `${k} is not a string`, 'label and annotation values are strings');
      ok = false;
      continue;
    }
    if (val.length > maxLen) {
      fail(p, 'alert.value-too-long', `${k} is ${val.length} characters; at most ${maxLen}`, 'shorten the label or annotation in the alerting rule');
      ok = false;
      continue;
    }
    if (CONTROL.test(val)) {
      fail(p, 'alert.control-character', `${k} contains control or bidirectional-override characters`, "remove them from the alerting rule's labels and annotations");
      ok = false;
    }
  }
  return ok ? Object.fromEntries(entries.slice(0, ALERT_LIMITS.maxLabels) as [string, string][]) : undefined;
}

/** Where JSON.parse stopped: its position when the message has one, else the YAML parser's first error (JSON is YAML). */
function jsonErrorAt(text: string, e: Error): { line: number; col: number } {
  const m = /position (\d+)/.exec(e.message);
  if (m) {
    const before = text.slice(0, Number(m[1])).split('\n');
    return { line: before.length, col: before.at(-1)!.length + 1 };
  }
  try {
    const lc = new LineCounter();
    const err = parseDocument(text, { lineCounter: lc }).errors[0];
    if (err) {
      const p = lc.linePos(err.pos[0]);
      return { line: p.line, col: p.col };
    }
  } catch {
    // fall through
  }
  return { line: 1, col: 1 };
}

/** Line and column of a JSON pointer in the payload text, through the yaml parser (JSON is YAML). */
export function payloadLocator(text: string): (pointer: string) => { line: number; col: number } {
  const lc = new LineCounter();
  let doc: ReturnType<typeof parseDocument>;
  try {
    doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false });
  } catch {
    return () => ({ line: 1, col: 1 });
  }
  return (pointer) => {
    const parts = pointer
      .split('/')
      .slice(1)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    let node = doc.contents as unknown;
    let best = 0;
    for (const part of parts) {
      const n = node as { items?: unknown[]; range?: number[] } | null;
      if (!n?.items) break;
      const item =
        /^\d+$/.test(part) && !('key' in ((n.items[0] as object) ?? {}))
          ? n.items[Number(part)]
          : (n.items as { key?: { value?: unknown; range?: number[] }; value?: unknown }[]).find((it) => it.key?.value === part);
      if (!item) break;
      const kv = item as { key?: { range?: number[] }; value?: { range?: number[] } };
      best = kv.key?.range?.[0] ?? (item as { range?: number[] }).range?.[0] ?? best;
      node = 'value' in (item as object) ? kv.value : item;
    }
    const p = lc.linePos(best);
    return { line: p.line, col: p.col };
  };
}

/** The host an `instance` label names: `host:port`, `[v6]:port`, an id, an address or a FQDN whose first label is an id. */
export function matchInstance(instance: string, hosts: readonly { id: string; data: Pick<HostDocument, 'address'> }[]): string | undefined {
  const bare = instance.startsWith('[') ? instance.slice(1, instance.indexOf(']')) : instance.replace(/:\d+$/, '');
  const lower = bare.toLowerCase();
  return hosts.find((h) => h.id === lower)?.id ?? hosts.find((h) => h.data.address.toLowerCase() === lower)?.id ?? hosts.find((h) => lower.split('.')[0] === h.id)?.id;
}

/** The incident level for an alert under the policy's mapping. */
export function levelOfAlert(alert: Alert, mapping: NonNullable<SlaDocument['alerts']>): { level: number; reason: string } {
  const v = alert.labels[mapping.level_label];
  if (v !== undefined && mapping.levels[v] !== undefined) return { level: mapping.levels[v]!, reason: `${mapping.level_label}=${v}` };
  return { level: mapping.default_level, reason: v === undefined ? `no ${mapping.level_label} label: default` : `${mapping.level_label}=${v} is not mapped: default` };
}
