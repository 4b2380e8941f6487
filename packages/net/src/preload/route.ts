/**
 * What the preload's replacements do once a program connects or listens: loopfast's `connect`,
 * `listen` and TLS with the fast path asked for. Loaded at the first call that may need it (see
 * `install.ts`), with everything it needs: loopfast's mechanisms, and the backend when a
 * connection or server asks for the fast path.
 *
 * @module
 */
import cluster from 'node:cluster';
import { isIP, type Server, type Socket } from 'node:net';
import type tls from 'node:tls';
import { isLoopbackAddress } from '@loopfast/core';
import { connectTlsWith } from '../adapters/tls.js';
import { normalizeConnectArgs, recognizeTcpListen } from '../args.js';
import { connectWith } from '../connect.js';
import { nodeServerListen, nodeSocketConnect } from '../node-internals/originals.js';
import { destinationOf, finishConnect } from '../node-internals/tcp-connect-events.js';
import type { LoopfastDefaults } from '../options.js';
import { platformMechanism } from '../platforms.js';
import { attachFastPath } from '../server.js';
import { fastPathInfo, recordStatus } from '../status.js';
import { statuses } from '../statuses.js';
import { within } from './install.js';

/**
 * What the preload asks for on every socket and server: the fast path, and no option guard
 * (`http` turns `TCP_NODELAY` on by itself; a warning about code the user never wrote would
 * only be noise).
 */
export const PRELOAD_DEFAULTS: LoopfastDefaults = Object.freeze({
  loopbackFastPath: true,
  optionPolicy: 'allow',
});

const callSocketConnect = nodeSocketConnect as (this: Socket, ...args: unknown[]) => Socket;
const callServerListen = nodeServerListen as (this: Server, ...args: unknown[]) => Server;

/** `net.connect`, `net.createConnection` and `http.Agent.prototype.createConnection`. */
export function connect(args: unknown[]): Socket {
  return connectWith(PRELOAD_DEFAULTS, args);
}

/** The own symbol of `target` with this description (Node's internal ones have no other name). */
function symbolNamed(target: object, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(target).find((symbol) => symbol.description === description);
}

type Handled = Socket & { _handle: object | null; connecting: boolean } & Record<symbol, unknown>;

/**
 * Moves the connected handle of `from` (a socket loopfast just made over the rendezvous) to
 * `to` (the caller's own, still bare socket): Node has no public way to give an existing socket
 * a descriptor, and the caller holds `to`. The handle reports its reads to whichever socket its
 * owner symbol names. Returns false, moving nothing, when Node's internals are not as expected.
 */
function moveHandle(from: Socket, to: Socket): boolean {
  const source = from as Handled;
  const target = to as Handled;
  const handle = source._handle as Record<symbol, unknown> | null;
  if (handle === null) return false;
  const owner = symbolNamed(handle, 'owner_symbol');
  const asyncId = symbolNamed(source, 'async_id_symbol');
  if (owner === undefined || handle[owner] !== from) return false;
  handle[owner] = to;
  target._handle = handle;
  source._handle = null;
  if (asyncId !== undefined) target[asyncId] = source[asyncId];
  return true;
}

/** Whether loopfast could carry a connect with these options (else Node's, untouched). */
function worthTrying(socket: Socket, options: Record<string, unknown>): boolean {
  const buffer = symbolNamed(socket, 'kBuffer');
  if (buffer !== undefined && (socket as Handled)[buffer]) return false; // Node's `onread` option
  if (options.path) return false;
  if (options.localAddress != null || options.localPort != null) return false;
  const host = options.host ?? 'localhost';
  if (typeof host !== 'string') return false;
  return isIP(host) ? isLoopbackAddress(host) : true;
}

/**
 * What Node's `Socket#connect` reads of its options (`localAddress`, `localPort` and `path` too,
 * but {@link worthTrying} leaves those to Node), and loopfast's own. The others
 * (`signal`, `timeout`, `onread`, `noDelay`, `keepAlive`, `allowHalfOpen`, ...) belong to the
 * socket's constructor or to `net.connect`, and `Socket#connect` ignores them: loopfast's socket
 * must not take them either (an aborted `signal` would make it emit an error nobody listens to,
 * which ends the process; a bad `timeout` would throw; `onread` would keep the data from the
 * caller's socket).
 */
const SOCKET_CONNECT_OPTIONS = [
  'port',
  'host',
  'family',
  'hints',
  'autoSelectFamily',
  'autoSelectFamilyAttemptTimeout',
  'lookup',
  'loopbackFastPath',
  'backend',
  'optionPolicy',
] as const;

/**
 * What loopfast's connect needs of a `Socket#connect` call on `socket`: the options that call
 * reads, and the `blockList` the socket was made with (Node checks it at connect).
 */
function socketConnectOptions(
  socket: Socket,
  options: Record<string, unknown>,
): Record<string, unknown> {
  const read: Record<string, unknown> = {};
  for (const name of SOCKET_CONNECT_OPTIONS) {
    if (options[name] !== undefined) read[name] = options[name];
  }
  const { blockList } = socket as { blockList?: unknown };
  if (blockList !== undefined) read.blockList = blockList;
  return read;
}

/**
 * `net.Socket.prototype.connect` on a socket nobody connected yet (the `pg` way). loopfast makes
 * the connection; over the rendezvous the descriptor moves into the caller's socket, which then
 * behaves as `connect` would have made it (`'connect'` after the next poll); otherwise the
 * caller's socket connects with Node, as asked, and loopfast's attempt is dropped before it
 * sends anything (Node connects an IP literal on the next tick, and a destroyed socket never).
 */
export function socketConnect(socket: Socket, args: unknown[]): Socket {
  const [options, listener] = normalizeConnectArgs(args);
  if (!worthTrying(socket, options)) return callSocketConnect.apply(socket, args);
  // Only a connected descriptor can move into the caller's socket: the rendezvous gives one.
  if (platformMechanism(process.platform)?.name !== 'unix-rendezvous') {
    callSocketConnect.apply(socket, args);
    recordStatus(socket, statuses.bareSocket);
    return socket;
  }
  // A host name: the caller's own socket connects with Node, through the mechanism's lookup.
  const connectNamed = (netOptions: Record<string, unknown>) =>
    callSocketConnect.call(socket, { ...options, lookup: netOptions.lookup }, listener);
  const made = within(() =>
    connectWith(PRELOAD_DEFAULTS, [socketConnectOptions(socket, options)], connectNamed),
  );
  if (made === socket) return socket;
  const info = fastPathInfo(made);
  const destination = destinationOf(made);
  if (info.mechanism === 'unix-rendezvous' && destination && moveHandle(made, socket)) {
    made.destroy();
    recordStatus(socket, info);
    (socket as Handled).connecting = true;
    if (listener) socket.once('connect', listener);
    finishConnect(socket, destination);
    return socket;
  }
  made.destroy();
  callSocketConnect.apply(socket, args);
  // Over TCP the reason holds for the caller's socket too; a host name's is only known later.
  if (info.state !== 'pending' && info.state !== 'enabled') recordStatus(socket, info);
  return socket;
}

type TlsConnect = typeof tls.connect;

/**
 * `tls.connect(options[, listener])` or `tls.connect(port[, host][, options][, listener])` as
 * one options object, as Node reads them: a host or port argument is overridden by the options.
 */
function normalizeTlsArgs(args: unknown[]): [Record<string, unknown>, (() => void) | undefined] {
  const [base, listener] = normalizeConnectArgs(args);
  const options = { ...base };
  const extra = [args[1], args[2]].find((arg) => typeof arg === 'object' && arg !== null);
  if (typeof args[0] !== 'object' && extra) Object.assign(options, extra);
  return [options, listener as (() => void) | undefined];
}

/**
 * `tls.connect`: `https.Agent` (the global one too), `http2.connect` for `https:` and direct
 * callers look it up at call time. TLS goes over a socket from loopfast's `connect`; a
 * connection given a `socket` or a `path` of its own is Node's (`nodeTlsConnect`), untouched.
 */
export function tlsConnect(args: unknown[], nodeTlsConnect: TlsConnect): tls.TLSSocket {
  const [options, listener] = normalizeTlsArgs(args);
  if (options.socket || options.path) {
    return (nodeTlsConnect as (...a: unknown[]) => tls.TLSSocket)(...args);
  }
  return connectTlsWith(PRELOAD_DEFAULTS, options, listener, nodeTlsConnect);
}

/**
 * Whether `server` is the one a `cluster` primary makes only to obtain a listening handle for
 * its workers: Node's round-robin handle makes it with its internal `fail` as the only
 * `'connection'` listener, since it must never see a connection. The workers' own servers are
 * the ones that get the fast path, and they share one rendezvous.
 */
function isClusterVehicle(server: Server): boolean {
  if (!cluster.isPrimary) return false;
  const listeners = server.listeners('connection');
  return listeners.length === 1 && listeners[0]?.name === 'fail';
}

/**
 * `net.Server.prototype.listen`: a TCP listen gets loopfast's `listen` (the server is attached
 * first, once); pipes, handles, descriptors, `reusePort`, a cluster primary's vehicle and
 * anything Node would refuse go to Node untouched.
 */
export function listen(server: Server, args: unknown[]): Server {
  if (isClusterVehicle(server) || recognizeTcpListen(args) === null) {
    return callServerListen.apply(server, args);
  }
  attachFastPath(server, PRELOAD_DEFAULTS);
  return (server.listen as (...a: unknown[]) => Server)(...args);
}
