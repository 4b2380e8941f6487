/**
 * The environment variables loopfast reads.
 *
 * @module
 */

/**
 * The kill switch: when set to a true value (`1`, `true`, `yes`, `on`), every fast-path request
 * is reported `disabled` and nothing is applied. Microsoft deprecated `SIO_LOOPBACK_FAST_PATH`
 * in 2019; this lets an operator turn it off without a code change.
 */
export const KILL_SWITCH_ENV = 'LOOPFAST_DISABLE';

/** Chooses the default backend by name (`napi` or `ffi`), overriding the built-in order. */
export const BACKEND_ENV = 'LOOPFAST_BACKEND';

const TRUE_VALUES = new Set(['1', 'true', 'yes', 'on']);

/** Whether the kill switch is on in `env` (the process environment by default). */
export function isKillSwitchOn(
  env: Readonly<Record<string, string | undefined>> = process.env,
): boolean {
  const value = env[KILL_SWITCH_ENV];
  return value !== undefined && TRUE_VALUES.has(value.trim().toLowerCase());
}
