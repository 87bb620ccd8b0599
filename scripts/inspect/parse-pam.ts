import { parseFramed } from './parse-framed.ts';

/**
 * sshd's PAM configuration as Linux-PAM reads it, and what its stacks decide. Pure.
 *
 * The probe frames /etc/pam.d/sshd (or /etc/pam.d/other when sshd has none: Linux-PAM's fallback) and every file it
 * pulls in (`@include`, `include`, `substack`), and marks the umask its own SSH session started with (`<B> umask
 * 0022`, taken by the login shell before sudo: scripts/inspect/probe.ts) and the listening sshd's (`<B> sshd-umask`). A stack is its lines in order with includes
 * expanded in place. `runStack` plays a stack the way libpam does (required, requisite, sufficient, optional and the
 * `[value=action]` syntax with jumps), given what each module returns, so a question such as "does an expired
 * account get through sshd's account stack" is answered from the host's own files, not assumed.
 */
export type PamType = 'account' | 'auth' | 'password' | 'session';
export interface PamEntry {
  type: PamType;
  /** required | requisite | sufficient | optional, or the bracket's `value=action` pairs. */
  control: string | Record<string, string>;
  /** Module file name without directory (pam_unix.so). */
  module: string;
  args: string[];
  file: string;
  line: number;
}
export interface PamFacts {
  /** The service file PAM reads for sshd (/etc/pam.d/sshd, or /etc/pam.d/other). */
  service: string;
  files: Map<string, string>;
  /** The umask the probe's own SSH session started with, as `umask` printed it (e.g. 0022); undefined when not measured. */
  sessionUmask?: string;
  /** The listening sshd's own umask (/proc/PID/status), what a session keeps when PAM sets none. */
  sshdUmask?: string;
}

export function parsePamSection(text: string, boundary: string): PamFacts {
  const framed = parseFramed(text, boundary);
  const files = new Map<string, string>();
  for (const f of framed.files) if (f.status === 0) files.set(f.label, f.content);
  const um = framed.markers.find((m) => m.word === 'umask')?.rest.trim();
  const service = framed.markers.find((m) => m.word === 'service')?.rest.trim() ?? '/etc/pam.d/sshd';
  const dm = framed.markers.find((m) => m.word === 'sshd-umask')?.rest.trim();
  const ok = (v: string | undefined): v is string => !!v && /^0?[0-7]{3,4}$/.test(v);
  return { service, files, ...(ok(um) ? { sessionUmask: um.padStart(4, '0') } : {}), ...(ok(dm) ? { sshdUmask: dm.padStart(4, '0') } : {}) };
}

const TYPES = new Set(['account', 'auth', 'password', 'session']);

/** The lines of one type, includes and substacks expanded in place (a file included twice on one path is read once). */
export function pamStack(p: PamFacts, type: PamType, file = p.service, seen: ReadonlySet<string> = new Set()): PamEntry[] {
  const text = p.files.get(file);
  if (text === undefined || seen.has(file)) return [];
  const inner = new Set([...seen, file]);
  const out: PamEntry[] = [];
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  lines.forEach((raw, i) => {
    const l = raw.replace(/#.*$/, '').trim();
    if (!l) return;
    if (l.startsWith('@include')) {
      const name = l.split(/\s+/)[1];
      if (name) out.push(...pamStack(p, type, `/etc/pam.d/${name}`, inner));
      return;
    }
    const m = /^-?(\S+)\s+(\[[^\]]*\]|\S+)\s+(\S+)\s*(.*)$/.exec(l);
    if (!m || !TYPES.has(m[1]!.toLowerCase()) || m[1]!.toLowerCase() !== type) return;
    const [ctl, mod, rest] = [m[2]!, m[3]!, m[4]!];
    if (ctl === 'include' || ctl === 'substack') {
      out.push(...pamStack(p, type, mod.startsWith('/') ? mod : `/etc/pam.d/${mod}`, inner));
      return;
    }
    const control = ctl.startsWith('[')
      ? Object.fromEntries(
          ctl
            .slice(1, -1)
            .trim()
            .split(/\s+/)
            .filter(Boolean)
            .map((kv) => kv.split('=') as [string, string])
            .map(([k, v]) => [k.toLowerCase(), (v ?? '').toLowerCase()]),
        )
      : ctl.toLowerCase();
    out.push({ type, control, module: mod.split('/').pop()!, args: rest ? rest.split(/\s+/) : [], file, line: i + 1 });
  });
  return out;
}

/** What the old keywords mean in the bracket syntax (pam.conf(5)). */
const KEYWORD: Record<string, Record<string, string>> = {
  required: { success: 'ok', new_authtok_reqd: 'ok', ignore: 'ignore', default: 'bad' },
  requisite: { success: 'ok', new_authtok_reqd: 'ok', ignore: 'ignore', default: 'die' },
  sufficient: { success: 'done', new_authtok_reqd: 'done', default: 'ignore' },
  optional: { success: 'ok', new_authtok_reqd: 'ok', default: 'ignore' },
};

/**
 * Plays a stack: `result(entry)` is the return code a module gives (success, acct_expired, authtok_expired,
 * new_authtok_reqd, perm_denied, …). 'allow' when the stack ends in success, 'deny' otherwise (a stack nothing
 * decided fails, as libpam's does).
 */
export function runStack(stack: readonly PamEntry[], result: (e: PamEntry) => string): 'allow' | 'deny' {
  let state: 'none' | 'ok' | 'bad' = 'none';
  for (let i = 0; i < stack.length; i++) {
    const e = stack[i]!;
    const code = result(e);
    const table = typeof e.control === 'string' ? KEYWORD[e.control] : e.control;
    if (!table) continue; // an unknown control: libpam refuses the line
    const action = table[code] ?? table.default ?? (typeof e.control === 'string' ? 'ignore' : 'bad');
    if (action === 'ignore') continue;
    if (action === 'ok') {
      if (state !== 'bad') state = 'ok';
    } else if (action === 'done') {
      if (state !== 'bad') return 'allow'; // done after a failure does not end the stack (libpam's _pam_dispatch_aux)
    } else if (action === 'bad') state = 'bad';
    else if (action === 'die') return 'deny';
    else if (action === 'reset') state = 'none';
    else if (/^\d+$/.test(action)) {
      if (state !== 'bad') state = 'ok';
      i += Number(action);
    }
  }
  return state === 'ok' ? 'allow' : 'deny';
}

/** Modules whose answer is known in the questions inspection asks; every other module may answer anything. */
const KNOWN: Record<string, string> = { 'pam_deny.so': 'perm_denied', 'pam_permit.so': 'success' };
/** Answers an unknown module is tried with (a failure, a success, PAM_IGNORE). */
const ANSWERS = ['success', 'perm_denied', 'ignore'];
/** Above this many unknown modules in a stack the question is not answered (no refusal is assumed). */
const MAX_UNKNOWN = 8;

/**
 * Whether sshd's PAM account stack refuses an account pam_unix answers `code` for (acct_expired, authtok_expired).
 * Every other module may answer success, failure or ignore (pam_succeed_if, pam_access, pam_localuser… decide per
 * account): the account counts as refused only when the stack denies it whatever they answer, and some answers let an
 * account pam_unix accepts through (a stack that lets no one in is not read as a refusal of this one).
 */
export function accountStackRefuses(p: PamFacts, code: string): boolean {
  const stack = pamStack(p, 'account');
  const unknown = stack.filter((e) => e.module !== 'pam_unix.so' && !(e.module in KNOWN));
  if (unknown.length > MAX_UNKNOWN) return false;
  let someoneGetsIn = false;
  for (let n = 0; n < ANSWERS.length ** unknown.length; n++) {
    const answer = new Map(unknown.map((e, i) => [e, ANSWERS[Math.floor(n / ANSWERS.length ** i) % ANSWERS.length]!]));
    const play = (unix: string) => runStack(stack, (e) => (e.module === 'pam_unix.so' ? unix : (KNOWN[e.module] ?? answer.get(e)!)));
    if (play(code) === 'allow') return false;
    if (play('success') === 'allow') someoneGetsIn = true;
  }
  return someoneGetsIn;
}
