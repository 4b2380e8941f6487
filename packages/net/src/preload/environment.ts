/**
 * The environment variables a preload user sets, checked once: a misspelt `LOOPFAST_*` name
 * would otherwise be ignored without a word, and the user would believe a setting took effect.
 *
 * @module
 */
// The subpath, not the package's entry: the preload reads these at start-up, before anything
// else of loopfast (or of Node's `net`, which the entry loads) is needed.
import { BACKEND_ENV, KILL_SWITCH_ENV } from '@loopfast/core/environment';

/** Code of the process warning for a `LOOPFAST_*` variable loopfast does not know. */
export const UNKNOWN_ENV_WARNING = 'LOOPFAST_UNKNOWN_ENV';

/** Every `LOOPFAST_*` variable loopfast reads. */
export const KNOWN_VARIABLES: readonly string[] = [KILL_SWITCH_ENV, BACKEND_ENV];

/** The `LOOPFAST_*` names in `env` that loopfast does not read, sorted. */
export function unknownVariables(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('LOOPFAST_') && !KNOWN_VARIABLES.includes(name))
    .sort();
}

/** The flag that makes the warning once per process, whichever copy of loopfast gives it. */
const kWarned = Symbol.for('loopfast.unknownEnvWarned');

/**
 * Emits one process warning (code {@link UNKNOWN_ENV_WARNING}) naming every unknown
 * `LOOPFAST_*` variable in `env`, at most once per process.
 */
export function warnUnknownVariables(env: Readonly<Record<string, string | undefined>>): void {
  const unknown = unknownVariables(env);
  const flags = globalThis as { [kWarned]?: boolean };
  if (unknown.length === 0 || flags[kWarned]) return;
  flags[kWarned] = true;
  process.emitWarning(
    `unknown loopfast environment variable${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}: loopfast reads ${KNOWN_VARIABLES.join(' and ')} only, so ${unknown.length > 1 ? 'these have' : 'this has'} no effect.`,
    { type: 'LoopfastWarning', code: UNKNOWN_ENV_WARNING },
  );
}
