/**
 * Node's own `net` functions, never the preload's replacements of them. loopfast's internals
 * call these, never the live `node:net` exports: after the preload patches `net.connect` and
 * calls `module.syncBuiltinESMExports()`, a named import of `connect` from `node:net` is the
 * patch itself, and a connection that falls back to TCP would come straight back into loopfast.
 *
 * The preload patches `node:net` the moment it loads, so this module may be evaluated before or
 * after the patch; a replacement remembers what it replaced, and that is what is taken here.
 *
 * @module
 */
import net from 'node:net';
import { original, replacedNet } from '../preload/install.js';

// What the preload found when it patched `node:net`: instrumentation may have wrapped the
// preload's functions since.
const replaced = replacedNet();

/** `net.connect` before the preload. */
export const nodeConnect = (replaced?.connect ?? original(net.connect)) as typeof net.connect;
/** `net.Socket.prototype.connect` before the preload (called with the socket as `this`). */
export const nodeSocketConnect = (replaced?.socketConnect ??
  original(net.Socket.prototype.connect)) as (
  this: net.Socket,
  options: net.NetConnectOpts,
  connectionListener?: () => void,
) => net.Socket;
/** `net.Server.prototype.listen` before the preload. */
export const nodeServerListen = (replaced?.listen ??
  original(net.Server.prototype.listen)) as net.Server['listen'];
/**
 * `net._normalizeArgs`: a `connect` call's arguments as the one argument `net.connect` passes to
 * `Socket#connect` (`[options, listener]`, marked as normalized), so that whoever patched
 * `Socket#connect` sees the call as Node makes it.
 */
export const nodeNormalizeArgs = (
  net as unknown as { _normalizeArgs(args: readonly unknown[]): unknown[] }
)._normalizeArgs;
