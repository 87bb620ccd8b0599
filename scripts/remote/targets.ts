import type { HostDocument } from '../model/documents.generated.ts';
import { bareAddress } from '../ssh/address.ts';
import type { SshTarget } from '../ssh/types.ts';

/** Inventory host documents → SSH targets (with their jump hosts). Pure. */
export function toSshTargets(hosts: ReadonlyArray<{ id: string; data: HostDocument }>, all: ReadonlyArray<{ id: string; data: HostDocument }>): SshTarget[] {
  const byId = new Map(all.map((h) => [h.id, h]));
  const build = (h: { id: string; data: HostDocument }, depth: number): SshTarget => {
    const t: SshTarget = { id: h.id, address: bareAddress(h.data.address), port: h.data.port ?? 22, user: h.data.user, hostKeys: [...h.data.host_keys] };
    if (h.data.proxy_command) t.proxyCommand = [...h.data.proxy_command];
    const jump = h.data.jump_host ? byId.get(h.data.jump_host) : undefined;
    if (jump && depth < 4) t.jumpHost = build(jump, depth + 1);
    return t;
  };
  return hosts.map((h) => build(h, 0));
}
