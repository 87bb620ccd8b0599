/**
 * Reading GitHub's JSON without trusting its shape. GitHub documents many fields as nullable
 * (a deleted account's `user`, a commit `author` whose e-mail maps to no account, a deleted
 * fork's `head.repo`), and a server that is not GitHub may send anything. Each accessor either
 * returns the value with the type the gate relies on, or throws a PayloadError that names the
 * item and the field; scm.ts turns it into a GitHubApiError, so the gate fails closed with that
 * message instead of crashing. Pure.
 */
export class PayloadError extends Error {
  override readonly name = 'PayloadError';
}

export type Json = Record<string, unknown>;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'missing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

/** An object (`where` names it in the error, e.g. `review 3 of the list`). */
export function obj(v: unknown, where: string): Json {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new PayloadError(`${where} is ${describe(v)}, not an object`);
  return v as Json;
}

/** An object or nothing: null and absent both give undefined (GitHub's nullable objects). */
export function optObj(o: Json, key: string, where: string): Json | undefined {
  const v = o[key];
  return v === null || v === undefined ? undefined : obj(v, `${where}.${key}`);
}

export function list(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw new PayloadError(`${where} is ${describe(v)}, not a list`);
  return v;
}

/** A non-empty string. */
export function str(o: Json, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new PayloadError(`${where}.${key} is ${v === '' ? 'empty' : describe(v)}, not a non-empty string`);
  return v;
}

/** A string, or undefined when null or absent; any other type is an error. */
export function optStr(o: Json, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'string') throw new PayloadError(`${where}.${key} is ${describe(v)}, not a string`);
  return v;
}

/** A positive whole number (ids, pull request numbers). */
export function id(o: Json, key: string, where: string): number {
  const v = optId(o, key);
  if (v === undefined) throw new PayloadError(`${where}.${key} is ${describe(o[key])}, not a positive whole number`);
  return v;
}

/** An id GitHub may or may not send: a positive whole number, else undefined. */
export function optId(o: Json, key: string): number | undefined {
  const v = o[key];
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 ? v : undefined;
}

/** A count GitHub may or may not send (e.g. a pull request's `changed_files`): undefined when absent or not a whole number. */
export function optCount(o: Json, key: string): number | undefined {
  const v = o[key];
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

/** A count GitHub always sends (a pull request's `commits`, `changed_files`): a whole number ≥ 0, else an error naming `why`. */
export function count(o: Json, key: string, where: string, why = ''): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new PayloadError(`${where}.${key} is ${describe(v)}, not a whole number${why}`);
  return v;
}

/**
 * A git object id in git's own spelling: 40 (SHA-1) or 64 (SHA-256) hex digits, lowercase. GitHub writes them so;
 * another case names the same object and is lowered here, at the edge, so that every comparison after it is exact.
 * A prefix, a longer string, spaces or a non-hex digit are no id (undefined): they never name an object.
 */
export function canonicalSha(v: string): string | undefined {
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i.test(v) ? v.toLowerCase() : undefined;
}

/** A git object id (40 or 64 hex digits), canonical (lowercase). */
export function sha(o: Json, key: string, where: string): string {
  const v = str(o, key, where);
  const id = canonicalSha(v);
  if (id === undefined) throw new PayloadError(`${where}.${key} is ${describe(v)}, not a git object id`);
  return id;
}

/** The login of a nullable user object: undefined for null (a deleted account, or an e-mail linked to no account). */
export function loginOf(o: Json, key: string, where: string): { login: string; type: string; id?: number } | undefined {
  const u = optObj(o, key, where);
  if (!u) return undefined;
  const login = str(u, 'login', `${where}.${key}`);
  // GitHub logins are ASCII (letters, digits, `-`; `_` for managed users; `[bot]` for apps). Anything else would be
  // matched to people case-insensitively, and toLowerCase folds some non-ASCII letters to ASCII (U+212A → k).
  if (!/^[A-Za-z0-9_.-]+(?:\[bot\])?$/.test(login))
    throw new PayloadError(`${where}.${key}.login ${JSON.stringify(login)} is not a GitHub login (ASCII letters, digits, - and _); a lookalike is never matched to a person`);
  // The immutable account id, when it is one (a person pinned by github_id is matched by it; anything else is no id).
  const uid = typeof u.id === 'number' && Number.isSafeInteger(u.id) && u.id > 0 ? u.id : undefined;
  // GitHub always names the account type; without one the account is not shown to be a person's (`User`): '' never is.
  return { login, type: optStr(u, 'type', `${where}.${key}`) ?? '', ...(uid !== undefined ? { id: uid } : {}) };
}

/**
 * Items of a paginated list, each checked by `read`, and repeats dropped: GitHub's pages can
 * overlap when the list changes while it is read. The same key with different contents is an error.
 */
export function readList<T>(items: unknown, what: string, read: (item: Json, where: string) => T, key: (t: T) => string): T[] {
  const out = new Map<string, { t: T; json: string }>();
  list(items, `the ${what} list`).forEach((raw, i) => {
    const where = `${what} ${i + 1} of the list`;
    const t = read(obj(raw, where), where);
    const k = key(t);
    const json = JSON.stringify(t);
    const seen = out.get(k);
    if (seen && seen.json !== json) throw new PayloadError(`${what} ${k} is listed twice with different contents; the list changed while it was read`);
    if (!seen) out.set(k, { t, json });
  });
  return [...out.values()].map((x) => x.t);
}
