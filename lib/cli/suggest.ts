// "Did you mean" for names the parser does not know itself (presets, subcommand arguments):
// the closest known names by optimal-string-alignment distance.

/** Edit distance with adjacent transpositions (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}

/** Known names within a distance of about 40% of the word's length (at least 1), closest first. */
export function closest(word: string, known: readonly string[]): string[] {
  const limit = Math.max(1, Math.floor(word.length * 0.4));
  return known
    .map((k) => ({ k, d: k.startsWith(word) && word.length >= 3 ? 0.5 : editDistance(word.toLowerCase(), k.toLowerCase()) }))
    .filter((x) => x.d <= limit)
    .sort((x, y) => x.d - y.d)
    .map((x) => x.k);
}

/** " (did you mean X?)" or "" when nothing is close. */
export function didYouMean(word: string, known: readonly string[]): string {
  const c = closest(word, known);
  return c.length ? ` (did you mean ${c.slice(0, 3).join(', ')}?)` : '';
}
