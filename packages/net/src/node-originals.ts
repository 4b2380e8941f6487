/**
 * Node's own `net` functions as they were when loopfast loaded, before its preload (if any)
 * replaced them. loopfast's internals call these, never the live `node:net` exports: after the
 * preload patches `net.connect` and calls `module.syncBuiltinESMExports()`, a named import of
 * `connect` from `node:net` is the patch itself, and a connection that falls back to TCP would
 * come straight back into loopfast.
 *
 * Any module that imports this one is evaluated before the preload's own body runs (ES modules
 * evaluate their imports first), so what is captured here is what Node, or a preload loaded
 * earlier, put there.
 *
 * @module
 */
import net from 'node:net';

/** `net.connect` before the preload. */
export const nodeConnect: typeof net.connect = net.connect;
/** `net.createConnection` before the preload. */
export const nodeCreateConnection: typeof net.createConnection = net.createConnection;
/** `net.Socket.prototype.connect` before the preload (called with the socket as `this`). */
export const nodeSocketConnect = net.Socket.prototype.connect as (
  this: net.Socket,
  options: net.NetConnectOpts,
  connectionListener?: () => void,
) => net.Socket;
/** `net.Server.prototype.listen` before the preload. */
export const nodeServerListen: net.Server['listen'] = net.Server.prototype.listen;
