/**
 * The part of GitHub Actions' expression language our workflows use, evaluated
 * the way GitHub documents it: `||`/`&&` return an operand, `==` compares
 * strings case-insensitively and coerces other types to numbers, a missing
 * property is null, context property names are case-insensitive, and a status
 * function (`always()`, `success()`, …) decides an `if:`, defaulting to
 * `success() && …`. Used only to run our workflows' steps in tests.
 */
export type Value = null | boolean | number | string | Value[] | { [k: string]: Value };

type Token = { t: 'num' | 'str' | 'id' | 'op'; v: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'") {
      let s = '';
      i++;
      for (;;) {
        if (i >= src.length) throw new Error(`unterminated string in ${src}`);
        if (src[i] === "'" && src[i + 1] === "'") {
          s += "'";
          i += 2;
          continue;
        }
        if (src[i] === "'") {
          i++;
          break;
        }
        s += src[i++];
      }
      out.push({ t: 'str', v: s });
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '<=', '>=', '&&', '||'].includes(two)) {
      out.push({ t: 'op', v: two });
      i += 2;
      continue;
    }
    if ('()[].,!<>*'.includes(c)) {
      out.push({ t: 'op', v: c });
      i++;
      continue;
    }
    const num = /^-?(0x[0-9a-f]+|\d+(\.\d+)?(e[+-]?\d+)?)/i.exec(src.slice(i));
    if (num && (out.length === 0 || out[out.length - 1]!.t === 'op') && !(c === '-' && out.at(-1)?.v === ')')) {
      out.push({ t: 'num', v: num[0] });
      i += num[0].length;
      continue;
    }
    const id = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i));
    if (id) {
      out.push({ t: 'id', v: id[0] });
      i += id[0].length;
      continue;
    }
    throw new Error(`cannot read '${src.slice(i)}' in ${src}`);
  }
  return out;
}

export interface Scope {
  contexts: Record<string, Value>;
  /** The job's state for the status functions. */
  status?: { failed: boolean; cancelled?: boolean };
}

const truthy = (v: Value): boolean => !(v === null || v === false || v === 0 || v === '' || (typeof v === 'number' && Number.isNaN(v)));

const toNumber = (v: Value): number => {
  if (v === null) return 0;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return v.trim() === '' ? 0 : Number(v);
  return NaN;
};

export function toText(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean' || typeof v === 'number') return String(v);
  return JSON.stringify(v, null, 2);
}

function equal(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (a === null && b === null) return true;
  if (typeof a === 'object' || typeof b === 'object') return a === b;
  return toNumber(a) === toNumber(b);
}

function property(obj: Value, key: Value): Value {
  if (obj === null || typeof obj !== 'object') return null;
  if (Array.isArray(obj)) {
    if (key === '*') return obj;
    const n = toNumber(key);
    return Number.isInteger(n) && n >= 0 && n < obj.length ? obj[n]! : null;
  }
  const k = toText(key).toLowerCase();
  const hit = Object.keys(obj).find((x) => x.toLowerCase() === k);
  return hit === undefined ? null : obj[hit]!;
}

export function evaluate(src: string, scope: Scope): Value {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const take = (v?: string) => {
    const t = toks[p++];
    if (!t || (v !== undefined && t.v !== v)) throw new Error(`expected ${v ?? 'a token'} in ${src}`);
    return t;
  };
  const isOp = (v: string) => peek()?.t === 'op' && peek()!.v === v;
  // `a && b` and `a || b` short-circuit as on GitHub: the operand not taken is parsed, not evaluated.
  let dead = 0;
  const skip = <T>(f: () => T): void => {
    dead++;
    try {
      f();
    } finally {
      dead--;
    }
  };

  const primary = (): Value => {
    const t = take();
    if (t.t === 'num') return Number(t.v);
    if (t.t === 'str') return t.v;
    if (t.t === 'op' && t.v === '(') {
      const v = or();
      take(')');
      return v;
    }
    if (t.t === 'op' && t.v === '!') return !truthy(postfixOf(primary()));
    if (t.t === 'id') {
      const name = t.v;
      if (name === 'true') return true;
      if (name === 'false') return false;
      if (name === 'null') return null;
      if (isOp('(')) {
        take('(');
        const args: Value[] = [];
        while (!isOp(')')) {
          args.push(or());
          if (isOp(',')) take(',');
        }
        take(')');
        return call(name, args);
      }
      const key = Object.keys(scope.contexts).find((k) => k.toLowerCase() === name.toLowerCase());
      if (key === undefined) {
        if (dead) return null;
        throw new Error(`unknown context '${name}' in ${src}`);
      }
      return scope.contexts[key]!;
    }
    throw new Error(`unexpected '${t.v}' in ${src}`);
  };
  const postfixOf = (v: Value): Value => {
    for (;;) {
      if (isOp('.')) {
        take('.');
        if (isOp('*')) {
          take('*');
          v = Array.isArray(v) ? v : v && typeof v === 'object' ? Object.values(v) : [];
          continue;
        }
        v = property(v, take().v);
      } else if (isOp('[')) {
        take('[');
        const k = or();
        take(']');
        v = property(v, k);
      } else return v;
    }
  };
  const unary = (): Value => {
    if (isOp('!')) {
      take('!');
      return !truthy(unary());
    }
    return postfixOf(primary());
  };
  const cmp = (): Value => {
    let l = unary();
    while (peek()?.t === 'op' && ['==', '!=', '<', '>', '<=', '>='].includes(peek()!.v)) {
      const op = take().v;
      const r = unary();
      if (op === '==') l = equal(l, r);
      else if (op === '!=') l = !equal(l, r);
      else {
        const [a, b] = typeof l === 'string' && typeof r === 'string' ? [l.toLowerCase(), r.toLowerCase()] : [toNumber(l), toNumber(r)];
        l = op === '<' ? a < b : op === '>' ? a > b : op === '<=' ? a <= b : a >= b;
      }
    }
    return l;
  };
  const and = (): Value => {
    let l = cmp();
    while (isOp('&&')) {
      take('&&');
      if (truthy(l)) l = cmp();
      else skip(cmp);
    }
    return l;
  };
  const or = (): Value => {
    let l = and();
    while (isOp('||')) {
      take('||');
      if (truthy(l)) skip(and);
      else l = and();
    }
    return l;
  };
  const call = (name: string, a: Value[]): Value => {
    if (dead) return null;
    const s = (v: Value) => toText(v).toLowerCase();
    switch (name.toLowerCase()) {
      case 'always':
        return true;
      case 'success':
        return !scope.status?.failed && !scope.status?.cancelled;
      case 'failure':
        return Boolean(scope.status?.failed);
      case 'cancelled':
        return Boolean(scope.status?.cancelled);
      case 'startswith':
        return s(a[0]!).startsWith(s(a[1]!));
      case 'endswith':
        return s(a[0]!).endsWith(s(a[1]!));
      case 'contains':
        return Array.isArray(a[0]) ? a[0].some((x) => equal(x, a[1]!)) : s(a[0]!).includes(s(a[1]!));
      case 'fromjson':
        return JSON.parse(toText(a[0]!)) as Value;
      case 'tojson':
        return JSON.stringify(a[0], null, 2);
      case 'format':
        return toText(a[0]!).replace(/\{(\d+)\}/g, (_m, i: string) => toText(a[Number(i) + 1] ?? null));
      case 'join':
        return Array.isArray(a[0]) ? a[0].map(toText).join(a[1] === undefined ? ',' : toText(a[1])) : toText(a[0]!);
      default:
        throw new Error(`unknown function ${name}() in ${src}`);
    }
  };
  const v = or();
  if (p !== toks.length) throw new Error(`unexpected '${toks[p]!.v}' in ${src}`);
  return v;
}

/** A value with `${{ }}` inside: one whole expression keeps its type, text around expressions makes a string. */
export function interpolate(value: unknown, scope: Scope): Value {
  if (typeof value !== 'string') return (value ?? null) as Value;
  const whole = /^\$\{\{([\s\S]*)\}\}$/.exec(value.trim());
  if (whole && !whole[1]!.includes('}}')) return evaluate(whole[1]!, scope);
  return value.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m, e: string) => toText(evaluate(e, scope)));
}

/** An `if:` condition: without a status function it means `success() && (…)`. */
export function condition(src: string | undefined, scope: Scope): boolean {
  if (src === undefined || src === '') return !scope.status?.failed;
  const text = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(src)?.[1] ?? src;
  const v = truthy(evaluate(text, scope));
  return /\b(always|success|failure|cancelled)\s*\(/.test(text) ? v : v && !scope.status?.failed;
}

export { truthy };
