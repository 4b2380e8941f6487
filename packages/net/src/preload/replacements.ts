/**
 * What the preload's replacements do once a program connects or listens: loopfast's `connect`,
 * `listen` and TLS with the fast path asked for. Loaded at the first call that may need it (see
 * `install.ts`), with everything it needs: loopfast's mechanisms, and the backend when a
 * connection or server asks for the fast path.
 *
 * @module
 */
import cluster from 'node:cluster';
import type { Server, Socket } from 'node:net';
import type tls from 'node:tls';
import { connectTlsWith } from '../adapters/tls.js';
import { normalizeConnectArgs, recognizeTcpListen } from '../args.js';
import { connectWith } from '../connect.js';
import { nodeServerListen } from '../node-internals/originals.js';
import type { LoopfastDefaults } from '../options.js';
import { platformMechanism } from '../route.js';
import { attachFastPath } from '../server.js';
import { connectCarried, within } from './install.js';

/**
 * What the preload asks for on every socket and server: the fast path, and no option guard
 * (`http` turns `TCP_NODELAY` on by itself; a warning about code the user never wrote would
 * only be noise).
 */
const PRELOAD_DEFAULTS: LoopfastDefaults = Object.freeze({
  loopbackFastPath: true,
  optionPolicy: 'allow',
});

const callServerListen = nodeServerListen as (this: Server, ...args: unknown[]) => Server;

/** Whether the platform's mechanism can connect a socket the caller made (the rendezvous can). */
const carriesSockets = () => platformMechanism(process.platform)?.connectsCallersSocket === true;

/**
 * `net.connect`, `net.createConnection` and `http.Agent.prototype.createConnection`. With the
 * rendezvous, Node's own `net.connect` makes the socket and calls `Socket#connect`, as for TCP,
 * and {@link socketConnect} carries that call; elsewhere loopfast's connect makes the socket
 * (Windows: the control code goes on the socket before `connect`).
 */
export function connect(args: unknown[]): Socket {
  if (!carriesSockets()) return within(() => connectWith(PRELOAD_DEFAULTS, args));
  const [options, listener] = normalizeConnectArgs(args);
  return connectCarried(options, listener);
}

/**
 * `net.Socket.prototype.connect` on a socket nobody connected yet: the one Node's `net.connect`
 * made (`options` and `listener` as Node normalized them), or the caller's own (the `pg` way;
 * `args` as given). loopfast's connect connects that very socket, once: over the rendezvous or with
 * Node's TCP, or with Node alone where the mechanism cannot connect a caller's socket.
 */
export function socketConnect(
  socket: Socket,
  normalizedOptions: Record<string, unknown> | undefined,
  normalizedListener: unknown,
  args: unknown[],
): Socket {
  const [options, listener] =
    normalizedOptions === undefined
      ? normalizeConnectArgs(args)
      : [normalizedOptions, normalizedListener ?? undefined];
  // Node checks the `blockList` the socket was made with at connect; so does loopfast.
  const { blockList } = socket as { blockList?: unknown };
  const read = blockList === undefined ? options : { ...options, blockList };
  within(() => connectWith(PRELOAD_DEFAULTS, [read, listener], undefined, socket));
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
