/**
 * NumPy's outputs for the article's code: computed live by tests/fixtures/make_article_fixture.py
 * when /usr/bin/python3 has NumPy, else read from the committed copy it produced.
 *
 * @module
 */

/** What the script writes. */
export interface ArticleReference {
  readonly source: string;
  readonly weights: number[];
  readonly pruned: number[];
  readonly quantized8: number[];
  readonly quantized3: number[];
  readonly halves: number[];
  readonly roundedHalves: number[];
  readonly sigmoidZ: number[];
  readonly sigmoid: number[];
  readonly train: {
    readonly x: number[];
    readonly y: number[];
    readonly rows: number;
    readonly cols: number;
    readonly init: number[];
    readonly epochs: number;
    readonly learningRate: number;
    readonly alpha: number;
    readonly weights: number[];
    readonly bias: number[];
    readonly losses: number[];
  };
}

const script = new URL("../fixtures/make_article_fixture.py", import.meta.url).pathname;
/** The committed copy of the script's output, read where NumPy is absent. */
export const fixture = new URL("../fixtures/article_numpy.json", import.meta.url);

/** NumPy's reference and where it came from (`live` or `fixture`). */
export async function articleReference(): Promise<{ ref: ArticleReference; origin: string }> {
  try {
    const out = await new Deno.Command("/usr/bin/python3", { args: [script], stderr: "null" })
      .output();
    if (out.success) {
      return { ref: JSON.parse(new TextDecoder().decode(out.stdout)), origin: "numpy, live" };
    }
  } catch {
    // no python: fall back to the committed copy
  }
  return {
    ref: JSON.parse(await Deno.readTextFile(fixture)),
    origin: "numpy, committed fixture (python3 with numpy not found)",
  };
}
