/**
 * The environment variables loopfast reads, checked: a misspelt `LOOPFAST_*` name or a value
 * loopfast does not know would otherwise be ignored without a word, and the user would believe a
 * setting took effect. The API and the preload check alike, and each problem is told once per
 * process.
 *
 * @module
 */
import {
  BACKEND_ENV,
  KILL_SWITCH_ENV,
  KILL_SWITCH_OFF_VALUES,
  KILL_SWITCH_ON_VALUES,
  killSwitchState,
} from '@loopfast/core/environment';
import { UNKNOWN_ENV_VALUE_WARNING, UNKNOWN_ENV_WARNING, warn } from './codes.js';

/**
 * Where the rendezvous lives where a platform offers two places (Linux): `abstract` (the default,
 * the kernel's abstract namespace) or `file` (socket files in a private directory, as on macOS).
 */
export const RENDEZVOUS_PLACE_ENV = 'LOOPFAST_RENDEZVOUS';

/** The values {@link RENDEZVOUS_PLACE_ENV} takes. */
const RENDEZVOUS_PLACES: readonly string[] = ['abstract', 'file'];

/** Every `LOOPFAST_*` variable loopfast reads. */
const KNOWN_VARIABLES: readonly string[] = [BACKEND_ENV, KILL_SWITCH_ENV, RENDEZVOUS_PLACE_ENV];

/** The known variables in words: `A, B and C`. */
export const KNOWN_VARIABLES_TEXT = `${KNOWN_VARIABLES.slice(0, -1).join(', ')} and ${KNOWN_VARIABLES.at(-1)}`;

type Env = Readonly<Record<string, string | undefined>>;

/** The `LOOPFAST_*` names in `env` that loopfast does not read, sorted. */
export function unknownVariables(env: Env): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('LOOPFAST_') && !KNOWN_VARIABLES.includes(name))
    .sort();
}

/** The accepted values of `LOOPFAST_DISABLE`, in words. */
export const KILL_SWITCH_VALUES_TEXT = `${KILL_SWITCH_ON_VALUES.join(', ')} turn it on; ${KILL_SWITCH_OFF_VALUES.filter((value) => value !== '').join(', ')} or empty leave it off`;

/** What has been told, whichever copy of loopfast told it: each problem once per process. */
const kWarned = Symbol.for('loopfast.environmentWarned');

function told(key: string): boolean {
  const holder = globalThis as { [kWarned]?: Set<string> };
  holder[kWarned] ??= new Set();
  if (holder[kWarned].has(key)) return true;
  holder[kWarned].add(key);
  return false;
}

/** The environments whose names have been read: the names are read once per environment. */
const scanned = new WeakSet<Env>();

/**
 * Whether the kill switch is on in `env`, telling what is wrong with the environment on the way:
 * one process warning naming every unknown `LOOPFAST_*` variable (code
 * {@link UNKNOWN_ENV_WARNING}) and one for each value of `LOOPFAST_DISABLE` or `LOOPFAST_RENDEZVOUS` loopfast does not know
 * (code {@link UNKNOWN_ENV_VALUE_WARNING}), each at most once per process. Cheap after the first
 * call with an environment: the names are read once, the kill switch's value (one read) each time.
 */
export function checkedKillSwitch(env: Env): boolean {
  if (!scanned.has(env)) {
    scanned.add(env);
    const unknown = unknownVariables(env).filter((name) => !told(`variable ${name}`));
    if (unknown.length > 0) {
      warn(
        `unknown loopfast environment variable${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: loopfast reads ${KNOWN_VARIABLES_TEXT} only, so ${unknown.length > 1 ? 'these have' : 'this has'} no effect.`,
        UNKNOWN_ENV_WARNING,
      );
    }
  }
  const place = env[RENDEZVOUS_PLACE_ENV];
  if (
    place !== undefined &&
    !RENDEZVOUS_PLACES.includes(place) &&
    !told(`value ${RENDEZVOUS_PLACE_ENV}=${place}`)
  ) {
    warn(
      `${RENDEZVOUS_PLACE_ENV}=${JSON.stringify(place)} is not a value loopfast knows, so the platform's default place is used: ${RENDEZVOUS_PLACES.join(' or ')}.`,
      UNKNOWN_ENV_VALUE_WARNING,
    );
  }
  const value = env[KILL_SWITCH_ENV];
  const state = killSwitchState(value);
  if (state === 'unknown' && !told(`value ${KILL_SWITCH_ENV}=${value}`)) {
    warn(
      `${KILL_SWITCH_ENV}=${JSON.stringify(value)} is not a value loopfast knows, so the kill switch stays off: ${KILL_SWITCH_VALUES_TEXT} (in any case).`,
      UNKNOWN_ENV_VALUE_WARNING,
    );
  }
  return state === 'on';
}
