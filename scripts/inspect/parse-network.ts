import type { ListeningSocket } from './facts.ts';
import { ParseError } from './parse-system.ts';

/** Listening sockets from `ss -Hlntu` (marker `#ss`) or /proc/net tables (markers `#proc tcp` …). Pure. */
export function parseListen(text: string): ListeningSocket[] {
  const rows = text.split('\n').filter((l) => l.trim() !== '');
  if (rows[0] === '#ss') return dedupe(rows.slice(1).map(parseSsLine));
  const out: ListeningSocket[] = [];
  let table = '';
  for (const l of rows) {
    const marker = /^#proc (tcp6?|udp6?)$/.exec(l);
    if (marker) {
      table = marker[1]!;
      continue;
    }
    if (!table || /^\s*sl\s/.test(l)) continue;
    const f = l.trim().split(/\s+/);
    const [addrHex, portHex] = (f[1] ?? '').split(':');
    const state = f[3];
    if (!addrHex || !portHex) throw new ParseError(`/proc/net/${table} line '${l.slice(0, 60)}' is not understood`);
    const tcp = table.startsWith('tcp');
    if (tcp && state !== '0A') continue; // 0A = LISTEN
    if (!tcp && state !== '07') continue; // 07 = unconnected UDP
    out.push({ proto: tcp ? 'tcp' : 'udp', address: hexAddress(addrHex), port: parseInt(portHex, 16) });
  }
  return dedupe(out);
}

function parseSsLine(l: string): ListeningSocket {
  // Netid State Recv-Q Send-Q Local:Port Peer:Port [Process]
  const f = l.trim().split(/\s+/);
  const proto = f[0];
  const local = f[4];
  if ((proto !== 'tcp' && proto !== 'udp') || !local) throw new ParseError(`ss line '${l.slice(0, 80)}' is not understood`);
  const i = local.lastIndexOf(':');
  const port = Number(local.slice(i + 1));
  if (i < 0 || !Number.isInteger(port)) throw new ParseError(`ss local address '${local}' has no port`);
  return {
    proto,
    // A socket bound to a device carries it after the address, outside the brackets of an IPv6 one (`[::1]%lo:8080`,
    // `127.0.0.1%lo:8081`); a link-local scope sits inside them (`[fe80::1%eth0]:22`). Either goes before the brackets do.
    address: local
      .slice(0, i)
      .replace(/%[^\]]*/, '')
      .replace(/^\[|\]$/g, ''),
    port,
  };
}

function hexAddress(hex: string): string {
  if (hex.length === 8) return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
  const words: string[] = [];
  for (let w = 0; w < 4; w++) {
    const chunk = hex.slice(w * 8, w * 8 + 8);
    const le = chunk.match(/../g)!.reverse().join('');
    words.push(le.slice(0, 4), le.slice(4));
  }
  return words
    .map((x) => x.replace(/^0+(?=.)/, '').toLowerCase())
    .join(':')
    .replace(/(^|:)0(:0)+(:|$)/, '::');
}

function dedupe(list: ListeningSocket[]): ListeningSocket[] {
  const seen = new Set<string>();
  return list.filter((s) => {
    const k = `${s.proto}/${s.address}/${s.port}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** True for 127.0.0.0/8 and ::1. */
export function isLoopback(address: string): boolean {
  return address.startsWith('127.') || address === '::1' || address === 'localhost';
}
