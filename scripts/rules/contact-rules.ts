import { DateTime } from 'luxon';
import type { Diagnostic } from '../model/diagnostic.ts';
import { at, type RuleInput } from './rule-context.ts';
import { calendarZone } from '../calendar/zone.ts';

/** Contracts that expire within this many days are reported. */
export const CONTRACT_WARN_DAYS = 60;

/**
 * The last millisecond of a calendar date in a time zone. Pure. Remembered per
 * date and zone: lint asks it for every incident that called a vendor, and each
 * luxon zone conversion costs tens of microseconds.
 */
export function endOfDay(date: string, zone: string): number {
  const key = `${zone}\u0000${date}`;
  let ms = endOfDayMemo.get(key);
  if (ms === undefined) {
    ms = DateTime.fromISO(date, { zone }).endOf('day').toMillis();
    if (endOfDayMemo.size > 10_000) endOfDayMemo.clear();
    endOfDayMemo.set(key, ms);
  }
  return ms;
}
const endOfDayMemo = new Map<string, number>();

/**
 * The vendors and contacts register (policies/contacts/): contracts that have
 * expired or expire soon, service hours that say when the hotline answers,
 * and the hosts and groups a contact covers exist. Pure.
 */
export function checkContacts({ repo, now }: RuleInput): Diagnostic[] {
  const out: Diagnostic[] = [];
  const zone = calendarZone(repo);
  const nowMs = now.getTime();
  for (const c of repo.all('contact')) {
    const d = c.data;
    const expires = d.contract?.expires;
    if (expires) {
      const end = endOfDay(expires, zone);
      const days = Math.ceil((end - nowMs) / 86_400_000);
      if (end < nowMs)
        out.push(
          at(
            c,
            '/contract/expires',
            'contact.contract-expired',
            `${d.name}'s contract expired on ${expires}: engineers on duty may call a vendor that no longer owes support`,
            'renew the contract and update contract.expires, or set type: team / remove the vendor',
          ),
        );
      else if (days <= CONTRACT_WARN_DAYS)
        out.push(
          at(
            c,
            '/contract/expires',
            'contact.contract-expiring',
            `${d.name}'s contract expires on ${expires}, in ${days} day(s)`,
            'start the renewal now; update contract.expires when it is signed',
            'warning',
          ),
        );
      if (d.contract?.starts && d.contract.starts > expires)
        out.push(at(c, '/contract/starts', 'contact.contract-order', `contract starts ${d.contract.starts}, after it expires ${expires}`, 'starts is the first covered day, expires the last'));
    }
    const h = d.service_hours;
    if (h && !h.always && !(h.days?.length && h.from && h.to)) {
      out.push(
        at(
          c,
          '/service_hours',
          'contact.service-hours',
          'service_hours says neither always: true nor days with from and to',
          'write always: true for 7x24, or days: [mon, …] with from: "09:00" and to: "18:00"',
        ),
      );
    }
    d.covers?.hosts?.forEach((id, i) => {
      if (!repo.get('host', id) && !repo.hasInvalid('host', id)) out.push(at(c, `/covers/hosts/${i}`, 'contact.unknown-target', `no host '${id}'`, 'use an id from inventory/hosts/'));
    });
    d.covers?.groups?.forEach((id, i) => {
      if (!repo.get('group', id) && !repo.hasInvalid('group', id)) out.push(at(c, `/covers/groups/${i}`, 'contact.unknown-target', `no group '${id}'`, 'use an id from inventory/groups/'));
    });
  }
  return out;
}
