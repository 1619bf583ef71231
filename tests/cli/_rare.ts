/**
 * A small CSV with rare positives, for the tests of the notes on lost classes.
 *
 * @module
 */

/**
 * 400 rows, 12 of them "yes" (3 %), told apart by a; b is noise.
 *
 * @returns The CSV text, header `a,b,label`.
 */
export function rarePositives(): string {
  const lines = ["a,b,label"];
  for (let i = 0; i < 400; i++) {
    const yes = i % 33 === 7 && i < 400 - 4;
    const a = (yes ? 3 : 0) + ((i * 7919) % 17) / 10 - 0.8;
    const b = ((i * 104729) % 23) / 10;
    lines.push(`${a},${b},${yes ? "yes" : "no"}`);
  }
  return lines.join("\n") + "\n";
}
