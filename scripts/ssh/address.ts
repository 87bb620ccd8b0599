import { isIPv6 } from 'node:net';

/**
 * Host addresses as the inventory may write them and as messages show them. An IPv6 literal may be written bare
 * (`fd00::2`) or in brackets (`[fd00::2]`, as in `known_hosts` and URLs); sockets, proxy commands (`%h`) and jump
 * hosts take it bare. Shown with a port it is bracketed (`[fd00::2]:22`), so the port cannot be read as part of the
 * address. Pure.
 */
export function bareAddress(address: string): string {
  const m = /^\[([^\]]+)\]$/.exec(address);
  return m && isIPv6(m[1]!.replace(/%.*$/, '')) ? m[1]! : address;
}

/** `host:port`, `[v6]:port`. */
export function hostPort(address: string, port: number): string {
  const a = bareAddress(address);
  return isIPv6(a.replace(/%.*$/, '')) ? `[${a}]:${port}` : `${a}:${port}`;
}
