/**
 * Access entitlement: the one rule of who may hold which unix account on which host, when.
 * converge access, inspect, lint and report all ask this module instead of re-deciding it,
 * so a grant that starts next month is "pending" everywhere and "active" nowhere. Pure:
 * `now` and the organisation's time zone (policies/calendar.yaml) are parameters.
 *
 * Domain types are picks of the generated document types (schemas/ stay the source of truth).
 */
import { DateTime } from 'luxon';
import { DEFAULT_ZONE } from '../calendar/zone.ts';
import type { GrantDocument, PersonDocument, RoleDocument } from '../model/documents.generated.ts';

export type Grant = Pick<GrantDocument, 'id' | 'person' | 'role' | 'groups' | 'hosts' | 'granted_on' | 'expires'>;
export type Person = Pick<PersonDocument, 'id' | 'status' | 'left_on' | 'ssh_keys'>;
export type PersonKey = NonNullable<PersonDocument['ssh_keys']>[number];
export type Role = Pick<RoleDocument, 'id' | 'unix_account' | 'sudo'>;
export type SudoGrant = NonNullable<RoleDocument['sudo']>[number];
/** What coverage needs of a host: its id and inventory groups. */
export interface HostRef {
  id: string;
  groups: readonly string[];
}

export interface AccessDocuments {
  people: readonly Person[];
  roles: readonly Role[];
  grants: readonly Grant[];
}

/** The clock every entitlement answer is relative to. */
export interface EntitlementClock {
  now: Date;
  /** IANA zone in which a date-only `granted_on` starts (the calendar's `timezone`); default UTC. */
  timezone?: string;
}

export type GrantState = 'pending' | 'active' | 'expired';

/** When a grant starts: 00:00 of `granted_on` in the organisation's zone (a full timestamp is taken as written). */
export function grantStartsAt(g: Pick<Grant, 'granted_on'>, timezone = DEFAULT_ZONE): number {
  // Remembered per value and zone (grants are granted in batches; each luxon zone conversion is slow).
  const key = `${timezone}\u0000${g.granted_on}`;
  let ms = startMemo.get(key);
  if (ms === undefined) {
    const dt = /^\d{4}-\d{2}-\d{2}$/.test(g.granted_on) ? DateTime.fromISO(g.granted_on, { zone: timezone }) : DateTime.fromISO(g.granted_on, { setZone: true });
    ms = dt.isValid ? dt.toMillis() : Number.NaN;
    if (startMemo.size > 10_000) startMemo.clear();
    startMemo.set(key, ms);
  }
  return ms;
}
const startMemo = new Map<string, number>();

/** pending before `granted_on`, active until `expires` (exclusive), expired from then on. Unreadable dates are never active. */
export function grantState(g: Pick<Grant, 'granted_on' | 'expires'>, clock: EntitlementClock): GrantState {
  const t = clock.now.getTime();
  const end = Date.parse(g.expires);
  if (!(end > t)) return 'expired';
  const start = grantStartsAt(g, clock.timezone);
  if (Number.isNaN(start) || start > t) return 'pending';
  return 'active';
}

export function grantCoversHost(g: Pick<Grant, 'groups' | 'hosts'>, host: HostRef): boolean {
  return Boolean(g.hosts?.includes(host.id) || g.groups?.some((x) => host.groups.includes(x)));
}

/** A key is valid until its own `expires` (exclusive); without one, for as long as its owner's grants. */
export function keyValid(k: Pick<PersonKey, 'expires'>, clock: EntitlementClock): boolean {
  return !k.expires || Date.parse(k.expires) > clock.now.getTime();
}

export function personActive(p: Pick<Person, 'status'>): boolean {
  return p.status === 'active';
}

/** Why a person may not hold anything: "left on …" / "is suspended"; undefined for an active person. */
export function personInactiveReason(p: Pick<Person, 'status' | 'left_on'>): string | undefined {
  if (p.status === 'active') return undefined;
  return p.status === 'left' ? `left${p.left_on ? ` on ${p.left_on}` : ''}` : 'is suspended';
}

/** One grant on one host, with what stops it from counting (undefined: it counts now). */
export interface GrantOnHost {
  grant: Grant;
  role: Role | undefined;
  person: Person | undefined;
  state: GrantState;
  /** Why this grant confers nothing now; undefined when it does. */
  inactive?: string;
}

/** Every grant covering `host`, each with whether it confers access now and why not. Sorted by grant id. */
export function grantsOnHost(host: HostRef, docs: AccessDocuments, clock: EntitlementClock): GrantOnHost[] {
  const people = new Map(docs.people.map((p) => [p.id, p]));
  const roles = new Map(docs.roles.map((r) => [r.id, r]));
  return docs.grants
    .filter((g) => grantCoversHost(g, host))
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((grant) => {
      const role = roles.get(grant.role);
      const person = people.get(grant.person);
      const state = grantState(grant, clock);
      let inactive: string | undefined;
      if (!role) inactive = `role '${grant.role}' does not exist`;
      else if (!person) inactive = `person '${grant.person}' does not exist`;
      else if (state === 'expired') inactive = `grant expired ${grant.expires}`;
      else if (state === 'pending') inactive = `grant starts ${grant.granted_on}`;
      else if (!personActive(person)) inactive = `person is ${person.status}${person.left_on ? ` since ${person.left_on}` : ''}`;
      return { grant, role, person, state, ...(inactive ? { inactive } : {}) };
    });
}

/** Grants that confer access on `host` now. */
export function activeGrantsOnHost(host: HostRef, docs: AccessDocuments, clock: EntitlementClock): Array<{ grant: Grant; role: Role; person: Person }> {
  return grantsOnHost(host, docs, clock)
    .filter((x) => !x.inactive)
    .map((x) => ({ grant: x.grant, role: x.role!, person: x.person! }));
}

/** Unix accounts that a current grant declares on `host`. */
export function entitledAccounts(host: HostRef, docs: AccessDocuments, clock: EntitlementClock): Set<string> {
  return new Set(activeGrantsOnHost(host, docs, clock).map((x) => x.role.unix_account));
}

/** Sudo rules per unix account that current grants confer on `host`. */
export function entitledSudo(host: HostRef, docs: AccessDocuments, clock: EntitlementClock): Map<string, SudoGrant[]> {
  const out = new Map<string, SudoGrant[]>();
  for (const { role } of activeGrantsOnHost(host, docs, clock)) {
    const list = out.get(role.unix_account) ?? [];
    for (const s of role.sudo ?? []) if (!list.includes(s)) list.push(s);
    out.set(role.unix_account, list);
  }
  return out;
}

export type KeyVerdict = { ok: true; person: string; grant: string } | { ok: false; person?: string; reason: string };

/**
 * May the key with this fingerprint log in as `account` on `host` now? The reason names the first
 * thing that stops it: unknown key, owner left or suspended, key expired, no grant of that account
 * here, grant not started yet, or grant expired.
 */
export function keyEntitlement(fingerprint: string, account: string, host: HostRef, docs: AccessDocuments, clock: EntitlementClock): KeyVerdict {
  let owner: { person: Person; key: PersonKey } | undefined;
  for (const p of docs.people) for (const k of p.ssh_keys ?? []) if (k.fingerprint === fingerprint) owner = { person: p, key: k };
  if (!owner) return { ok: false, reason: 'is unknown' };
  const p = owner.person;
  const gone = personInactiveReason(p);
  if (gone) return { ok: false, person: p.id, reason: `belongs to ${p.id}, who ${gone}` };
  if (!keyValid(owner.key, clock)) return { ok: false, person: p.id, reason: `of ${p.id} expired at ${owner.key.expires}` };
  const forAccount = grantsOnHost(host, docs, clock).filter((x) => x.grant.person === p.id && x.role?.unix_account === account);
  const live = forAccount.find((x) => !x.inactive);
  if (live) return { ok: true, person: p.id, grant: live.grant.id };
  if (forAccount.length === 0) return { ok: false, person: p.id, reason: `of ${p.id}: no grant of account ${account} on this host` };
  const pending = forAccount.filter((x) => x.state === 'pending');
  if (pending.length) return { ok: false, person: p.id, reason: `of ${p.id}: grant ${pending.map((x) => x.grant.id).join(', ')} starts ${pending[0]!.grant.granted_on}` };
  return { ok: false, person: p.id, reason: `of ${p.id}: grant ${forAccount.map((x) => x.grant.id).join(', ')} expired` };
}
