/**
 * Finding Debian's Python with scikit-learn, the reference implementation of the tests.
 *
 * @module
 */

/**
 * The path of a Python that imports scikit-learn, or `null` (tests then skip or use fixtures).
 * `LRC_PYTHON` overrides the default `/usr/bin/python3`.
 *
 * @returns The interpreter path or `null`.
 */
export async function pythonWithSklearn(): Promise<string | null> {
  const python = Deno.env.get("LRC_PYTHON") ?? "/usr/bin/python3";
  try {
    const r = await new Deno.Command(python, {
      args: ["-c", "import sklearn, numpy"],
      stdout: "null",
      stderr: "null",
    }).output();
    return r.success ? python : null;
  } catch {
    return null;
  }
}
