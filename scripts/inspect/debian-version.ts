/**
 * Debian package version ordering, exactly as `dpkg --compare-versions` orders
 * (deb-version(7): epoch, upstream version, revision; '~' sorts before
 * everything, even the end of a part). test/inspect/patch-checks.test.ts holds
 * it against the host's own dpkg. Pure.
 */
function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function comparePart(a: string, b: string): number {
  let i = 0,
    j = 0;
  while (i < a.length || j < b.length) {
    let first = 0;
    while ((i < a.length && !/\d/.test(a[i]!)) || (j < b.length && !/\d/.test(b[j]!))) {
      const ac = i < a.length && !/\d/.test(a[i]!) ? a[i] : undefined;
      const bc = j < b.length && !/\d/.test(b[j]!) ? b[j] : undefined;
      const d = order(ac) - order(bc);
      if (d) return d < 0 ? -1 : 1;
      if (ac !== undefined) i++;
      if (bc !== undefined) j++;
    }
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    while (i < a.length && /\d/.test(a[i]!) && j < b.length && /\d/.test(b[j]!)) {
      if (!first) first = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && /\d/.test(a[i]!)) return 1;
    if (j < b.length && /\d/.test(b[j]!)) return -1;
    if (first) return first < 0 ? -1 : 1;
  }
  return 0;
}

function split(v: string): { epoch: number; upstream: string; revision: string } {
  const t = v.trim();
  const colon = t.indexOf(':');
  const epoch = colon > 0 ? Number(t.slice(0, colon)) : 0;
  const rest = colon > 0 ? t.slice(colon + 1) : t;
  const dash = rest.lastIndexOf('-');
  return { epoch: Number.isFinite(epoch) ? epoch : 0, upstream: dash >= 0 ? rest.slice(0, dash) : rest, revision: dash >= 0 ? rest.slice(dash + 1) : '' };
}

/** < 0 when a is older than b, 0 when equal, > 0 when newer. */
export function compareDebianVersions(a: string, b: string): number {
  const x = split(a),
    y = split(b);
  if (x.epoch !== y.epoch) return x.epoch < y.epoch ? -1 : 1;
  return comparePart(x.upstream, y.upstream) || comparePart(x.revision, y.revision);
}
