/**
 * How a function the preload puts in place of one of Node's names the one it replaced: the
 * preload patches `node:net` and `node:tls` when they load, which may be before or after
 * loopfast's own modules capture Node's functions, and those must get Node's either way.
 *
 * @module
 */

/** Where a replacement keeps the function it replaced (shared by every copy of loopfast). */
const kReplaced = Symbol.for('loopfast.replaced');

type Replacement = { [kReplaced]?: unknown };

/** Marks `replacement` as standing in for `original`; returns `replacement`. */
export function replacing<T extends object>(replacement: T, original: unknown): T {
  Object.defineProperty(replacement, kReplaced, { value: original, configurable: true });
  return replacement;
}

/** Node's function behind `fn`: what `fn` replaced when it is the preload's, else `fn` itself. */
export function original<T>(fn: T): T {
  return ((fn as Replacement)[kReplaced] as T | undefined) ?? fn;
}
