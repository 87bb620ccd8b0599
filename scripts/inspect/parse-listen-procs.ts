/**
 * Parser of the `listen-procs` probe section (listenProcsBody in scripts/inspect/probe-services.ts):
 * TCP listeners with the processes that hold them (`ss -Hltnp`), each process's state and
 * executable, and the outcome of one connection from the host to each port a check names. Pure.
 */
export interface TcpListener {
  address: string;
  port: number;
  /** Processes holding the socket ([] when ss could not name them: another user's socket without root). */
  procs: Array<{ name: string; pid: number }>;
}
export interface ListenProc {
  /** /proc/PID/stat state: R S D running or sleeping; T t stopped; Z X dead. */
  state: string;
  exe: string;
}
export interface ConnectResult {
  /** The address the probe connected to; absent when nothing listened on the port. */
  address?: string;
  /** Exit status of the client (0 connected); undefined when the host has neither bash nor nc. */
  status?: number;
  via: string;
}
export interface ListenProcsFacts {
  listeners: TcpListener[];
  procs: Map<number, ListenProc>;
  connects: Map<number, ConnectResult>;
}

export function parseListenProcs(text: string, boundary: string): ListenProcsFacts {
  const f: ListenProcsFacts = { listeners: [], procs: new Map(), connects: new Map() };
  const head = `${boundary} `;
  let ss = false;
  for (const line of text.split('\n')) {
    if (line.startsWith(head)) {
      const w = line.slice(head.length).split(' ');
      if (w[0] === 'ss') {
        if (w[1] !== '0') throw new Error(`ss -Hltnp failed with exit ${w[1]}`);
        ss = true;
      } else if (w[0] === 'connect' && w.length >= 5) {
        const port = Number(w[1]);
        f.connects.set(port, w[2] === '-' ? { via: w[4]! } : { address: w[2]!, ...(/^\d+$/.test(w[3]!) ? { status: Number(w[3]) } : {}), via: w[4]! });
      } else if (w[0] === 'proc' && /^\d+$/.test(w[1] ?? '')) f.procs.set(Number(w[1]), { state: w[2] ?? '', exe: w.slice(3).join(' ') });
      continue;
    }
    if (!ss || line.trim() === '') continue;
    // State Recv-Q Send-Q Local:Port Peer:Port [users:(("name",pid=N,fd=M),…)]
    const cols = line.trim().split(/\s+/);
    const local = cols[3] ?? '';
    const i = local.lastIndexOf(':');
    const port = Number(local.slice(i + 1));
    if (cols[0] !== 'LISTEN' || i < 0 || !Number.isInteger(port)) throw new Error(`ss line '${line.slice(0, 80)}' is not understood`);
    const procs = [...line.matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+),fd=\d+\)/g)].map((m) => ({ name: m[1]!, pid: Number(m[2]) }));
    f.listeners.push({
      address: local
        .slice(0, i)
        .replace(/^\[|\]$/g, '')
        .replace(/%.*$/, ''),
      port,
      procs,
    });
  }
  if (!ss) throw new Error('no ss output in the section');
  return f;
}
