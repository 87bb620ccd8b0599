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
  const byAddress = new Map<string, number[]>();
  const byKey = new Map<string, number[]>();
  // Each host's address key and distinct key material, computed once (not again per lookup or per pair).
  const addressOf: (string | undefined)[] = [];
  const keysOf: string[][] = [];
  const push = (m: Map<string, number[]>, k: string, i: number): void => {
    const list = m.get(k);
    if (list) list.push(i);
    else m.set(k, [i]);
  };
  hosts.forEach((h, i) => {
    const keys = h.host_keys?.length ? [...new Set(h.host_keys.map(keyMaterial))] : [];
    keysOf.push(keys);
    const address = h.address ? addressKey(h) : undefined;
    addressOf.push(address);
    if (address !== undefined) push(byAddress, address, i);
    for (const k of keys) push(byKey, k, i);
  });
  const out: DuplicateHost[] = [];
  hosts.forEach((h, i) => {
    if (!check.has(h.id)) return;
    const atAddress = addressOf[i] === undefined ? undefined : byAddress.get(addressOf[i]!);
    const keys = keysOf[i]!;
    // Alone at its address and with each of its keys (the usual case): nothing to compare.
    if ((!atAddress || atAddress.length === 1) && keys.every((k) => byKey.get(k)!.length === 1)) return;
    const mine = new Set(keys);
    const sameAddress = new Set(atAddress);
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
  });
  return out;
}

/** Same address, port and route: the same machine. */
function addressKey(h: HostIdentity): string {
  return JSON.stringify([h.address?.toLowerCase(), h.port ?? 22, h.route ?? '']);
}

export function hostIdentity(id: string, file: string, d: Record<string, unknown>): HostIdentity {
  return {
    id,
    file,
    ...(typeof d.address === 'string' ? { address: d.address } : {}),
    ...(typeof d.port === 'number' ? { port: d.port } : {}),
    ...(Array.isArray(d.host_keys) ? { host_keys: d.host_keys.filter((k): k is string => typeof k === 'string') } : {}),
    ...(d.proxy_command !== undefined || d.jump_host !== undefined ? { route: JSON.stringify([d.jump_host ?? null, d.proxy_command ?? null]) } : {}),
  };
}
