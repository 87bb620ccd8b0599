/**
 * A host is its address and port and its pinned host keys, not its file
 * name: a new "app-09" whose address and port or whose key is production
 * db-01's is db-01, and must not pass as a staging host. Used by the gate
 * (over base and head inventory) and by lint. Pure.
 */

export interface HostIdentity {
  id: string;
  file: string;
  address?: string;
  port?: number;
  host_keys?: string[];
  /** How the address is reached: the same address behind another bastion or proxy command is another machine. */
  route?: string;
}

export interface DuplicateHost {
  id: string;
  file: string;
  other: string;
  what: 'address' | 'host key';
  message: string;
}

/** The key material of an OpenSSH public key line ("type base64 [comment]"): the comment does not make it another key. */
export function keyMaterial(line: string): string {
  const [type, blob] = line.trim().split(/\s+/);
  return `${type ?? ''} ${blob ?? ''}`;
}

/**
 * Duplicates among `hosts`. Only hosts in `check` are reported (the new or
 * changed ones); each is compared with every other host. Hosts are indexed by
 * address and by key material first, so a 50k-host inventory costs one pass,
 * not a comparison of every pair; the findings come in the order of `hosts`.
 */
export function findDuplicateHosts(hosts: readonly HostIdentity[], check: ReadonlySet<string>): DuplicateHost[] {
  // Hosts by lowercased address, and by key material. The full address key (port, route) is built only
  // for an address two hosts share: lint indexes every host of the inventory, and a JSON key per host
  // cost more than the comparisons.
  const byAddress = new Map<string, number[]>();
  const byKey = new Map<string, number[]>();
  const keysOf: string[][] = [];
  const push = (m: Map<string, number[]>, k: string, i: number): void => {
    const list = m.get(k);
    if (list) list.push(i);
    else m.set(k, [i]);
  };
  for (let i = 0; i < hosts.length; i++) {
    const h = hosts[i]!;
    const listed = h.host_keys;
    // A host's distinct key material, in the order of its keys.
    const keys = !listed?.length ? NO_KEYS : listed.length === 1 ? [keyMaterial(listed[0]!)] : [...new Set(listed.map(keyMaterial))];
    keysOf.push(keys);
    if (h.address) push(byAddress, h.address.toLowerCase(), i);
    for (let k = 0; k < keys.length; k++) push(byKey, keys[k]!, i);
  }
  const addressKeys: (string | undefined)[] = [];
  const addressKeyOf = (j: number) => (addressKeys[j] ??= addressKey(hosts[j]!));
  const out: DuplicateHost[] = [];
  for (let i = 0; i < hosts.length; i++) {
    const h = hosts[i]!;
    if (!check.has(h.id)) continue;
    const atLowered = h.address ? byAddress.get(h.address.toLowerCase())! : undefined;
    const keys = keysOf[i]!;
    // Alone at its address and with each of its keys (the usual case): nothing to compare.
    if ((!atLowered || atLowered.length === 1) && keys.every((k) => byKey.get(k)!.length === 1)) continue;
    // The hosts at the same address, port and route (this one among them).
    const sameAddress = new Set(!atLowered ? [] : atLowered.length === 1 ? atLowered : atLowered.filter((j) => addressKeyOf(j) === addressKeyOf(i)));
    const mine = new Set(keys);
    const candidates = new Set<number>(sameAddress);
    for (const k of keys) for (const j of byKey.get(k)!) candidates.add(j);
    for (const j of [...candidates].sort((a, b) => a - b)) {
      const o = hosts[j]!;
      if (o.id === h.id) continue;
      if (sameAddress.has(j)) {
        out.push({ id: h.id, file: h.file, other: o.id, what: 'address', message: `host ${h.id} has the address ${h.address}:${h.port ?? 22} of host ${o.id}; one machine is one host` });
      }
      // The first of the other host's keys that is also this host's (its distinct keys keep their order).
      const shared = keysOf[j]!.find((k) => mine.has(k));
      if (shared !== undefined)
        out.push({ id: h.id, file: h.file, other: o.id, what: 'host key', message: `host ${h.id} pins a host key of host ${o.id} (${shared.split(' ')[0]}); one machine is one host` });
    }
  }
  return out;
}

const NO_KEYS: string[] = [];

/** Same address, port and route: the same machine. */
function addressKey(h: HostIdentity): string {
  return JSON.stringify([h.address?.toLowerCase(), h.port ?? 22, h.route ?? '']);
}

export function hostIdentity(id: string, file: string, d: Record<string, unknown>): HostIdentity {
  // Field by field, in this order (not spreads: lint builds one per host).
  const h: HostIdentity = { id, file };
  if (typeof d.address === 'string') h.address = d.address;
  if (typeof d.port === 'number') h.port = d.port;
  if (Array.isArray(d.host_keys)) h.host_keys = d.host_keys.filter((k): k is string => typeof k === 'string');
  if (d.proxy_command !== undefined || d.jump_host !== undefined) h.route = JSON.stringify([d.jump_host ?? null, d.proxy_command ?? null]);
  return h;
}
