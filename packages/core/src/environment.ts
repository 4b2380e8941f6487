/**
 * The environment variables loopfast reads.
 *
 * @module
 */

/**
 * The kill switch: when set to one of {@link KILL_SWITCH_ON_VALUES}, every fast-path request is
 * reported `disabled` and nothing is applied. Microsoft deprecated `SIO_LOOPBACK_FAST_PATH` in
 * 2019; this lets an operator turn it off without a code change.
 */
export const KILL_SWITCH_ENV = 'LOOPFAST_DISABLE';

/**
 * Chooses the default backend by name (`napi` or `ffi`, in any case), overriding the built-in
 * order; `auto`, empty or unset keeps that order.
 */
export const BACKEND_ENV = 'LOOPFAST_BACKEND';

/** The values of `LOOPFAST_DISABLE` that turn the kill switch on (in any case, spaces trimmed). */
export const KILL_SWITCH_ON_VALUES: readonly string[] = ['1', 'true', 'yes', 'on'];

/**
 * The values of `LOOPFAST_DISABLE` that leave the kill switch off (in any case, spaces trimmed),
 * as an unset variable does; the empty string is one of them.
 */
export const KILL_SWITCH_OFF_VALUES: readonly string[] = ['0', 'false', 'no', 'off', ''];

const ON_VALUES = new Set(KILL_SWITCH_ON_VALUES);
const OFF_VALUES = new Set(KILL_SWITCH_OFF_VALUES);

/**
 * What a value of `LOOPFAST_DISABLE` means: `on`, `off` (`undefined`, unset, is off), or
 * `unknown`, a value loopfast does not know, which leaves the kill switch off.
 */
export function killSwitchState(value: string | undefined): 'on' | 'off' | 'unknown' {
  if (value === undefined) return 'off';
  const normalized = value.trim().toLowerCase();
  if (ON_VALUES.has(normalized)) return 'on';
  return OFF_VALUES.has(normalized) ? 'off' : 'unknown';
}

/** Whether the kill switch is on in `env` (the process environment by default). */
export function isKillSwitchOn(
  env: Readonly<Record<string, string | undefined>> = process.env,
): boolean {
  return killSwitchState(env[KILL_SWITCH_ENV]) === 'on';
}
