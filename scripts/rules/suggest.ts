/** Up to two known ids closest to a misspelt one (edit distance ≤ 3). Pure. */
export function suggest(wrong: string, known: readonly string[]): string[] {
  return known
    .map((k) => ({ k, d: distance(wrong, k) }))
    .filter((x) => x.d <= Math.max(2, Math.min(3, Math.floor(wrong.length / 3))))
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, 2)
    .map((x) => x.k);
}

function distance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 3) return 99;
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}
