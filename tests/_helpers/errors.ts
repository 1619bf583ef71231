/**
 * Assertions on refusals that check the message too: node's `assert.throws(fn, Class, text)`
 * and `assert.rejects(fn, Class, text)` take `text` as their own failure message, not as the
 * error's, so they pass on any error of the class.
 *
 * @module
 */

import assert from "node:assert/strict";

type ErrorClass = new (...args: never[]) => Error;

function check(error: unknown, type: ErrorClass, text: string): void {
  assert.ok(error instanceof type, `expected a ${type.name}, got ${String(error)}`);
  assert.ok(
    error.message.includes(text),
    `${JSON.stringify(error.message)} does not hold ${JSON.stringify(text)}`,
  );
}

/**
 * Asserts that `run` throws a `type` whose message holds `text`.
 *
 * @param run The call.
 * @param type The error's class.
 * @param text A part of its message (the whole message, or its start, when a test pins it).
 */
export function throwsWith(run: () => unknown, type: ErrorClass, text: string): void {
  let error: unknown = null;
  try {
    run();
  } catch (e) {
    error = e;
  }
  assert.ok(error !== null, `expected a ${type.name} holding ${JSON.stringify(text)}; none thrown`);
  check(error, type, text);
}

/**
 * Asserts that `run` rejects with a `type` whose message holds `text`.
 *
 * @param run The call.
 * @param type The error's class.
 * @param text A part of its message.
 */
export async function rejectsWith(
  run: () => Promise<unknown>,
  type: ErrorClass,
  text: string,
): Promise<void> {
  let error: unknown = null;
  try {
    await run();
  } catch (e) {
    error = e;
  }
  assert.ok(error !== null, `expected a ${type.name} holding ${JSON.stringify(text)}; none thrown`);
  check(error, type, text);
}
