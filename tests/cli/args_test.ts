/**
 * Option parsing of the `lrc` commands, against a small option table: the ways a value can be
 * written, and the values a typed getter refuses.
 */
import assert from "node:assert/strict";
import { type Command, parseCommandArgs, UsageError } from "../../lib/cli/args.ts";

const command: Command = {
  name: "demo",
  summary: "A command for the parser's tests.",
  options: {
    count: { type: "string", help: "a whole number" },
    rate: { type: "string", help: "a number", default: "0.5" },
    quiet: { type: "boolean", help: "a flag" },
  },
  run: () => Promise.resolve(0),
};

Deno.test("an integer option refuses a value with a fraction and takes whole numbers however written", () => {
  // The integer check was the only one no CLI test reached (mutation audit: dropping it from
  // ParsedArgs.number survived every test of tests/cli).
  for (const raw of ["2.5", "0.1", "1e-1", "-0.5"]) {
    const args = parseCommandArgs(command, [`--count=${raw}`]);
    assert.throws(
      () => args.number("count", -10, 10, true),
      (e: Error) =>
        e instanceof UsageError &&
        e.message === `Cannot parse arguments of 'demo': --count must be an integer in ` +
            `[-10, 10], got '${raw}'`,
      raw,
    );
    // Not an integer option: the same value is a number.
    assert.equal(args.number("count", -10, 10), Number(raw));
  }
  for (const [raw, value] of [["2", 2], ["2.0", 2], ["1e1", 10], ["-3", -3], ["+4", 4]] as const) {
    assert.equal(
      parseCommandArgs(command, [`--count=${raw}`]).number("count", -10, 10, true),
      value,
    );
  }
});

Deno.test("--x=value and --x value are the same option; a negative value needs the '=' form", () => {
  const spaced = parseCommandArgs(command, ["--count", "3", "--rate", "0.25"]);
  const joined = parseCommandArgs(command, ["--count=3", "--rate=0.25"]);
  for (const args of [spaced, joined]) {
    assert.equal(args.number("count", 0, 10, true), 3);
    assert.equal(args.number("rate", 0, 1), 0.25);
    assert.ok(args.given("rate"));
  }
  assert.equal(parseCommandArgs(command, ["--rate=-0.25"]).number("rate", -1, 1), -0.25);
  assert.throws(
    () => parseCommandArgs(command, ["--rate", "-0.25"]),
    /^UsageError: Cannot parse arguments of 'demo': the value of --rate starts with '-': write it as --rate=VALUE$/,
  );
  // A default is used, not given.
  const none = parseCommandArgs(command, []);
  assert.equal(none.number("rate", 0, 1), 0.5);
  assert.equal(none.given("rate"), false);
  assert.equal(none.number("count", 0, 10, true), undefined);
});

Deno.test("an option given twice, in either form, and anything after -- are refused", () => {
  for (const argv of [["--count=1", "--count", "2"], ["--quiet", "--quiet"]]) {
    assert.throws(
      () => parseCommandArgs(command, argv),
      /--(count|quiet) is given more than once/,
      argv.join(" "),
    );
  }
  // After "--" an option is an argument, which this command does not take.
  assert.throws(
    () => parseCommandArgs(command, ["--", "--count=1"]),
    /^UsageError: Cannot parse arguments of 'demo': unexpected argument '--count=1'/,
  );
});
