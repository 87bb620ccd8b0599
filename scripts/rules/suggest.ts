/** Up to two known ids closest to a misspelt one (edit distance ≤ 2, or ≤ 3 for ids of 9 characters or more). Pure. */
export function suggest(wrong: string, known: readonly string[]): string[] {
  // A non-string (a number id from YAML) has no length: nothing is close to it, as before.
  if (typeof wrong !== 'string') return [];
  const max = Math.max(2, Math.min(3, Math.floor(wrong.length / 3)));
  const near: { k: string; d: number }[] = [];
  for (const k of known) {
    // The distance is at least the difference in length: most ids are ruled out without the table.
    if (typeof k !== 'string' || Math.abs(k.length - wrong.length) > max) continue;
    const d = distanceWithin(wrong, k, max);
    if (d <= max) near.push({ k, d });
  }
  return near
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, 2)
    .map((x) => x.k);
}

/**
 * Memoised suggest over the ids of one list each, for a rule that reports many unknown
 * references into the same few kinds: the candidate list is built once per key, and the
 * answer once per misspelt id. Pure (the memo lives as long as the caller keeps it).
 */
export function suggester<K>(candidates: (key: K) => readonly string[]): (wrong: string, key: K) => string[] {
  const lists = new Map<K, readonly string[]>();
  const answers = new Map<K, Map<string, string[]>>();
  return (wrong, key) => {
    let byWrong = answers.get(key);
    if (!byWrong) answers.set(key, (byWrong = new Map()));
    let near = byWrong.get(wrong);
    if (!near) {
      let list = lists.get(key);
      if (!list) lists.set(key, (list = candidates(key)));
      byWrong.set(wrong, (near = suggest(wrong, list)));
    }
    // A copy: a caller may keep or change its answer.
    return [...near];
  };
}

let row = new Int32Array(64);

/** Levenshtein distance of a and b when it is at most `max`; otherwise some number above `max`. */
function distanceWithin(a: string, b: string, max: number): number {
  const n = b.length;
  if (row.length < n + 1) row = new Int32Array(2 * (n + 1));
  const prev = row;
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const c = a.charCodeAt(i - 1);
    let diag = prev[0]!;
    prev[0] = i;
    let least = i;
    for (let j = 1; j <= n; j++) {
      const above = prev[j]!;
      const v = Math.min(above + 1, prev[j - 1]! + 1, diag + (c === b.charCodeAt(j - 1) ? 0 : 1));
      prev[j] = v;
      diag = above;
      if (v < least) least = v;
    }
    // Row minima never decrease: once every cell of a row is past max, so is the answer.
    if (least > max) return max + 1;
  }
  return prev[n]!;
}
