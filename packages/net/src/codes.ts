/**
 * Every error code and process-warning code `@loopfast/net` defines, and the one way it emits a
 * warning, so a user (and a reviewer) finds them in one place. The codes of `@loopfast/core`
 * (`LoopfastErrorCode`) are core's.
 *
 * @module
 */

/** Code of the error `attachFastPath` throws for a server that is already listening. */
export const SERVER_LISTENING = 'ERR_LOOPFAST_SERVER_LISTENING';

/** The error code when the `tcp_wrap` binding cannot be reached. */
export const HANDOFF_UNAVAILABLE = 'ERR_LOOPFAST_HANDOFF_UNAVAILABLE';

/** Code of the error for an origin whose protocol the undici connector does not carry. */
export const UNSUPPORTED_PROTOCOL = 'ERR_LOOPFAST_UNSUPPORTED_PROTOCOL';

/** Code of the error the `'throw'` option policy raises. */
export const UNSUPPORTED_OPTION_ERROR = 'ERR_LOOPFAST_UNSUPPORTED_OPTION';

/** Code of the process warning the `'warn'` option policy emits. */
export const UNSUPPORTED_OPTION_WARNING = 'LOOPFAST_UNSUPPORTED_OPTION';

/** Code of the process warning for a `LOOPFAST_BACKEND` that names no backend. */
export const UNKNOWN_BACKEND_WARNING = 'LOOPFAST_UNKNOWN_BACKEND';

/** Code of the process warning for a `LOOPFAST_*` variable loopfast does not know. */
export const UNKNOWN_ENV_WARNING = 'LOOPFAST_UNKNOWN_ENV';

/** Code of the process warning for a value of `LOOPFAST_DISABLE` or `LOOPFAST_RENDEZVOUS` loopfast does not know. */
export const UNKNOWN_ENV_VALUE_WARNING = 'LOOPFAST_UNKNOWN_ENV_VALUE';

/** The codes of loopfast's process warnings. */
export type LoopfastWarningCode =
  | typeof UNSUPPORTED_OPTION_WARNING
  | typeof UNKNOWN_BACKEND_WARNING
  | typeof UNKNOWN_ENV_WARNING
  | typeof UNKNOWN_ENV_VALUE_WARNING;

/** Emits a process warning of type `LoopfastWarning` with `code`. */
export function warn(message: string, code: LoopfastWarningCode): void {
  process.emitWarning(message, { type: 'LoopfastWarning', code });
}
