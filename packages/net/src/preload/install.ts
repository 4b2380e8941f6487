/**
 * The preload (`node --import @loopfast/net/register`): every TCP client and server the process
 * makes goes through loopfast with the fast path asked for, without a change to the program.
 *
 * What is replaced, and why each:
 * - `net.connect` / `net.createConnection`: undici (so Node's built-in `fetch`), ioredis and most
 *   clients look them up at call time.
 * - `http.Agent.prototype.createConnection`: `node:http` captured `net.createConnection` when it
 *   loaded, so patching `net` alone would miss every `http.request`, the global agent included.
 * - `tls.connect`: TLS (so `https.Agent`, the global one included, and `http2.connect` for
 *   `https:`) over a socket from loopfast's `connect`; the handshake and its checks stay Node's.
 * - `net.Socket.prototype.connect`: drivers such as `pg` make `new net.Socket()` and call
 *   `connect` on it; only the prototype sees that.
 * - `net.Server.prototype.listen`: `net.createServer`, `http`, `https`, `http2` and every
 *   framework listen through it.
 * - `module.syncBuiltinESMExports()`, so named ES imports of `node:net` see the new functions.
 *
 * loopfast's own internals call Node's originals (`node-originals.ts`), and the replacements
 * hand a call to Node untouched while loopfast itself is inside a connect, so nothing recurses.
 * Installing is idempotent across loads and across copies of the package: the first one wins.
 *
 * @module
 */
import cluster from 'node:cluster';
import http from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import net, { isIP, type Server, type Socket } from 'node:net';
import tls from 'node:tls';
import { isLocalhostName, isLoopbackAddress } from '@loopfast/core';
import { normalizeConnectArgs, recognizeTcpListen } from '../args.js';
import { connectWith } from '../connect.js';
import { checkedKillSwitch } from '../environment.js';
import { nodeServerListen, nodeSocketConnect } from '../node-originals.js';
import type { LoopfastDefaults } from '../options.js';
import { platformMechanism } from '../platforms.js';
import { attachFastPath } from '../server.js';
import { fastPathInfo, recordStatus, status } from '../status.js';
import { destinationOf, finishConnect } from '../tcp-connect-events.js';
import { connectTlsWith } from '../tls.js';

/**
 * What the preload asks for on every socket and server: the fast path, and no option guard
 * (`http` turns `TCP_NODELAY` on by itself; a warning about code the user never wrote would
 * only be noise).
 */
export const PRELOAD_DEFAULTS: LoopfastDefaults = Object.freeze({
  loopbackFastPath: true,
  optionPolicy: 'allow',
});

/** What the first install left on `globalThis`, for every later load to find. */
const kPreload = Symbol.for('loopfast.preload');

/** Whether the preload is in force in this process, and why not when it is not. */
export interface PreloadState {
  /** Whether the functions are replaced. */
  readonly installed: boolean;
  /** Why, in plain words. */
  readonly reason: string;
}

/** How deep loopfast is inside a connect the preload started (its own calls go to Node). */
let depth = 0;

function within<T>(run: () => T): T {
  depth++;
  try {
    return run();
  } finally {
    depth--;
  }
}

const callSocketConnect = nodeSocketConnect as (this: Socket, ...args: unknown[]) => Socket;
const callServerListen = nodeServerListen as (this: Server, ...args: unknown[]) => Server;

/** `net.connect`, `net.createConnection` and `http.Agent.prototype.createConnection`. */
function preloadConnect(...args: unknown[]): Socket {
  return within(() => connectWith(PRELOAD_DEFAULTS, args));
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

/**
 * What a socket made by `new net.Socket()` reports where the fast path needs loopfast to make
 * the socket itself (Windows: the control code goes on the socket before `connect`).
 */
const BARE_SOCKET = status(
  true,
  'unsupported',
  'a socket made with new net.Socket() is connected by Node here: this mechanism needs a socket loopfast makes (net.connect)',
);

/** Whether loopfast could carry a connect with these options (else Node's, untouched). */
function worthTrying(socket: Socket, options: Record<string, unknown>): boolean {
  const buffer = symbolNamed(socket, 'kBuffer');
  if (buffer !== undefined && (socket as Handled)[buffer]) return false; // Node's `onread` option
  if (options.path || options.lookup !== undefined) return false;
  if (options.localAddress != null || options.localPort != null) return false;
  const host = options.host ?? 'localhost';
  if (typeof host !== 'string') return false;
  return isIP(host) ? isLoopbackAddress(host) : isLocalhostName(host);
}

/**
 * What Node's `Socket#connect` reads of its options (`lookup`, `localAddress`, `localPort` and
 * `path` too, but {@link worthTrying} leaves those to Node), and loopfast's own. The others
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
function preloadSocketConnect(this: Socket, ...args: unknown[]): Socket {
  const socket = this as Handled;
  // Node's own `net.connect` passes its normalized [options, listener] as one array: whoever
  // called Node's original (loopfast's internals, or code holding it from before the preload)
  // asked for Node's connect.
  if (
    depth > 0 ||
    Array.isArray(args[0]) ||
    socket._handle ||
    socket.connecting ||
    socket.destroyed
  ) {
    return callSocketConnect.apply(this, args);
  }
  const [options, listener] = normalizeConnectArgs(args);
  if (!worthTrying(this, options)) return callSocketConnect.apply(this, args);
  // Only a connected descriptor can move into the caller's socket: the rendezvous gives one.
  if (platformMechanism(process.platform)?.name !== 'unix-rendezvous') {
    callSocketConnect.apply(this, args);
    recordStatus(this, BARE_SOCKET);
    return this;
  }
  const made = within(() => connectWith(PRELOAD_DEFAULTS, [socketConnectOptions(this, options)]));
  const info = fastPathInfo(made);
  const destination = destinationOf(made);
  if (info.mechanism === 'unix-rendezvous' && destination && moveHandle(made, this)) {
    made.destroy();
    recordStatus(this, info);
    socket.connecting = true;
    if (listener) this.once('connect', listener);
    finishConnect(this, destination);
    return this;
  }
  made.destroy();
  callSocketConnect.apply(this, args);
  // Over TCP the reason holds for the caller's socket too; a host name's is only known later.
  if (info.state !== 'pending' && info.state !== 'enabled') recordStatus(this, info);
  return this;
}

type TlsConnect = typeof tls.connect;

/** `tls.connect` as it was before the preload (captured once, at the first install). */
let nodeTlsConnect: TlsConnect = tls.connect;

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
 * connection given a `socket` or a `path` of its own is Node's, untouched.
 */
function preloadTlsConnect(...args: unknown[]): tls.TLSSocket {
  const [options, listener] = normalizeTlsArgs(args);
  if (depth > 0 || options.socket || options.path) {
    return (nodeTlsConnect as (...a: unknown[]) => tls.TLSSocket)(...args);
  }
  return within(() => connectTlsWith(PRELOAD_DEFAULTS, options, listener, nodeTlsConnect));
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
 * first, once); pipes, handles, descriptors, `reusePort` and anything Node would refuse go to
 * Node untouched. A server with a `listen` of its own was attached already (by the program
 * through `attachFastPath`, or here): its wrapper is what calls this, and Node's is the answer.
 */
function preloadListen(this: Server, ...args: unknown[]): Server {
  if (
    depth > 0 ||
    isClusterVehicle(this) ||
    Object.hasOwn(this, 'listen') ||
    this.listening ||
    recognizeTcpListen(args) === null
  ) {
    return callServerListen.apply(this, args);
  }
  attachFastPath(this, PRELOAD_DEFAULTS);
  return (this.listen as (...a: unknown[]) => Server)(...args);
}

/**
 * Replaces Node's functions as described in this module's comment, once per process. With the
 * kill switch on (`LOOPFAST_DISABLE=1`) nothing is replaced: the program runs on Node's own
 * `net`, exactly as without the preload. Unknown `LOOPFAST_*` variables give one warning.
 */
export function installPreload(
  env: Readonly<Record<string, string | undefined>> = process.env,
): PreloadState {
  const holder = globalThis as { [kPreload]?: PreloadState };
  const existing = holder[kPreload];
  if (existing) return existing;
  if (checkedKillSwitch(env)) {
    const state = { installed: false, reason: 'the kill switch (LOOPFAST_DISABLE) is on' };
    holder[kPreload] = state;
    return state;
  }
  const connect = preloadConnect as typeof net.connect;
  net.connect = connect;
  net.createConnection = connect;
  net.Socket.prototype.connect = preloadSocketConnect as Socket['connect'];
  net.Server.prototype.listen = preloadListen as Server['listen'];
  http.Agent.prototype.createConnection = connect as http.Agent['createConnection'];
  nodeTlsConnect = tls.connect;
  tls.connect = preloadTlsConnect as TlsConnect;
  syncBuiltinESMExports();
  const state = { installed: true, reason: 'net, http, tls and https go through loopfast' };
  holder[kPreload] = state;
  return state;
}

/** The preload's state in this process, or `null` when no copy of loopfast installed it. */
export function preloadState(): PreloadState | null {
  return (globalThis as { [kPreload]?: PreloadState })[kPreload] ?? null;
}
