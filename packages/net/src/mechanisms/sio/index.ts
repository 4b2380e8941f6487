/**
 * Windows: the `SIO_LOOPBACK_FAST_PATH` control code. A TCP socket is made with the backend, the
 * control code applied, and only then is the socket handed to Node through the `tcp_wrap`
 * binding and connected (or bound and listened on), so the order Microsoft's page for the control
 * code ("SIO_LOOPBACK_FAST_PATH Control Code", among the Winsock IOCTLs) demands holds by
 * construction. Accepted sockets inherit it from the listener. This module owns each native
 * socket from creation until Node's handle takes it, and closes it on every failure.
 *
 * @module
 */
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import {
  isIP,
  type ListenOptions,
  type NetConnectOpts,
  type Server,
  Socket,
  type SocketConstructorOpts,
} from 'node:net';
import {
  type Backend,
  isIPv4MappedAddress,
  isLoopbackAddress,
  isUnsupportedError,
  isWildcardAddress,
  LoopfastErrorCode,
  type NativeSocket,
} from '@loopfast/core';
import { recognizeTcpListen, type TcpListen } from '../../args.js';
import {
  adoptServerHandle,
  emptyClientHandle,
  openClientHandle,
  type TcpHandle,
  tcpWrap,
} from '../../node-internals/handoff.js';
import { listenGeneration } from '../../node-internals/listen-generation.js';
import { statuses } from '../../status-catalog.js';
import type { FastPathInfo } from '../../status-record.js';
import { announceClientSocket, connectOverTcp } from '../../tcp-connect.js';
import type {
  CheckResult,
  ClientRequest,
  Mechanism,
  NodeConnectOptions,
  ServerRequest,
} from '../mechanism.js';
import {
  checkConstructionOptions,
  checkServerOptions,
  guardAcceptedSocket,
  guardSocketMethods,
} from './option-guard.js';

type LookupFunction = (
  hostname: string,
  options: LookupOneOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
) => void;

/**
 * Backends that answered "unsupported" once, with the status later sockets get: they skip the
 * attempt (OpenJDK's `jdk.net.useFastTcpLoopback` keeps the same answer for its process).
 */
const unsupportedBy = new WeakMap<Backend, FastPathInfo>();

/**
 * Whether one IP address gets the control code, or the status that says why not. A client needs
 * a loopback destination; a server a loopback or wildcard bind address. A dual-stack socket (an
 * IPv4-mapped destination, or a `::` listener without `ipv6Only`) is left on the normal path:
 * Microsoft's page for the control code names the IPv4 and the IPv6 loopback interface, not an
 * IPv4 connection on an IPv6 socket, so nothing says the control code holds there.
 */
export function declineFor(
  backend: Backend,
  address: string,
  role: 'client' | 'server',
  ipv6Only = false,
): FastPathInfo | null {
  const eligible = isLoopbackAddress(address) || (role === 'server' && isWildcardAddress(address));
  if (!eligible) return statuses.notLoopback(address);
  const dualStack =
    isIPv4MappedAddress(address) ||
    (isIP(address) === 6 && isWildcardAddress(address) && !ipv6Only);
  if (dualStack) return statuses.dualStack(address, backend.name);
  const cached = unsupportedBy.get(backend);
  if (cached) return cached;
  const wrap = tcpWrap();
  if (wrap instanceof Error) return statuses.unavailable(wrap, backend.name);
  return null;
}

/** A native socket with the control code applied, or the status that explains why there is none. */
type PreparedSocket =
  | { readonly socket: NativeSocket; readonly info: FastPathInfo }
  | { readonly socket: null; readonly info: FastPathInfo };

/**
 * Makes a TCP socket with the backend and applies the control code to it. On any failure the
 * socket is closed again and the status says why; the caller then uses the normal path.
 */
function prepareSocket(backend: Backend, family: 4 | 6): PreparedSocket {
  let socket: NativeSocket;
  try {
    socket = backend.createTcpSocket(family);
  } catch (error) {
    const unavailable = (error as { code?: string }).code === LoopfastErrorCode.BACKEND_UNAVAILABLE;
    const unsupported = unavailable || isUnsupportedError(error);
    return {
      socket: null,
      info: statuses.cannotMakeSocket(error as Error, unsupported, backend.name),
    };
  }
  try {
    backend.applyLoopbackFastPath(socket, true);
  } catch (error) {
    backend.closeSocket(socket);
    const unsupported = isUnsupportedError(error);
    if (unsupported)
      unsupportedBy.set(backend, statuses.reportedBefore(error as Error, backend.name));
    return {
      socket: null,
      info: statuses.controlCodeFailed(error as Error, unsupported, backend.name),
    };
  }
  return { socket, info: statuses.controlCodeApplied(backend.name) };
}

/**
 * Puts a fast-path socket into `handle` if `address` qualifies; otherwise leaves the handle
 * empty, so libuv makes an ordinary socket at `connect`. Returns the status either way.
 */
function prepareHandle(handle: TcpHandle, backend: Backend, address: string): FastPathInfo {
  const declined = declineFor(backend, address, 'client');
  if (declined) return declined;
  const prepared = prepareSocket(backend, isIP(address) === 6 ? 6 : 4);
  if (prepared.socket !== null) {
    try {
      openClientHandle(handle, prepared.socket);
    } catch (error) {
      backend.closeSocket(prepared.socket);
      return statuses.handoffFailed(error as Error, backend.name);
    }
  }
  return prepared.info;
}

/**
 * A socket built on a `tcp_wrap` handle that loopfast owns, so the fast-path socket can be opened
 * into it before Node connects. Host names are resolved first (through the `lookup` option, one
 * address) so Node never swaps the handle for a fresh one.
 */
function connectNative({ backend, options, host, listener, decided }: ClientRequest): Socket {
  const handle = emptyClientHandle();
  // manualStart: a read on the unconnected handle would fail with ENOTCONN and destroy the socket.
  const socket = new Socket({
    ...options,
    handle,
    manualStart: true,
  } as unknown as SocketConstructorOpts);
  announceClientSocket(socket);
  if (options.timeout) socket.setTimeout(options.timeout);
  let connectOptions: NodeConnectOptions = options;
  if (isIP(host)) {
    decided(socket, prepareHandle(handle, backend, host));
  } else {
    decided(socket, statuses.resolving(host));
    const resolve = (options.lookup ?? dnsLookup) as LookupFunction;
    const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
      resolve(hostname, { ...lookupOptions, all: false }, (error, address, family) => {
        // A socket destroyed meanwhile has closed its handle: nothing may be opened into it, and
        // Node has nothing more to say about it.
        if (socket.destroyed) {
          decided(socket, statuses.destroyedEarly);
          return;
        }
        // An answer that is not an IP address is Node's to report, on the socket, as it would.
        if (!error && typeof address === 'string' && isIP(address)) {
          decided(socket, prepareHandle(handle, backend, address));
        }
        callback(error, address, family);
      });
    };
    connectOptions = { ...options, lookup, autoSelectFamily: false };
  }
  try {
    return socket.connect(connectOptions as NetConnectOpts, listener);
  } catch (error) {
    // net validates some options (localAddress, lookup) only here; the handle may already own a socket.
    socket.destroy();
    throw error;
  }
}

function connect(request: ClientRequest): Socket {
  const { backend, options, policy } = request;
  checkConstructionOptions(policy, options);
  const wrap = tcpWrap();
  let socket: Socket;
  if (wrap instanceof Error) {
    socket = connectOverTcp(
      request,
      (address) =>
        declineFor(backend, address, 'client') ?? statuses.unavailable(wrap, backend.name),
    );
  } else {
    socket = connectNative(request);
  }
  guardSocketMethods(socket, policy);
  return socket;
}

/** Listens on `address` the normal way, keeping the caller's other listen options. */
function listenPlain(
  server: Server,
  listen: Server['listen'],
  request: TcpListen,
  address: string | undefined,
): void {
  const options: ListenOptions = {
    port: request.port,
    ...(address === undefined ? {} : { host: address }),
    ...(request.backlog === undefined ? {} : { backlog: request.backlog }),
    ...(request.exclusive === undefined ? {} : { exclusive: request.exclusive }),
    ipv6Only: request.ipv6Only,
  };
  listen.call(server, options, request.callback);
}

/** Listens on one IP address, through a fast-path handle when it qualifies. */
function listenOnAddress(
  server: Server,
  { listen, decided }: ServerRequest,
  backend: Backend,
  request: TcpListen,
  address: string,
  explicitHost: boolean,
): void {
  const declined = declineFor(backend, address, 'server', request.ipv6Only);
  const family = isIP(address) === 6 ? 6 : 4;
  const prepared = declined ? null : prepareSocket(backend, family);
  decided(declined ?? (prepared as PreparedSocket).info);
  if (prepared?.socket == null) {
    listenPlain(server, listen, request, explicitHost ? address : undefined);
    return;
  }
  let handle: TcpHandle;
  try {
    handle = adoptServerHandle(
      prepared.socket,
      (socket) => backend.closeSocket(socket),
      address,
      request.port,
      family,
      request.ipv6Only,
    );
  } catch (error) {
    // adoptServerHandle closed what it could not hand over: nothing here is ours to close.
    process.nextTick(() => server.emit('error', error));
    return;
  }
  // libuv defers a bind error such as EADDRINUSE to listen, and Node reports a listen on a handle
  // without the address; name it, as node:net does for a listen by address.
  const nameAddress = (
    error: NodeJS.ErrnoException & { address?: string | null; port?: number },
  ) => {
    if (error.syscall !== 'listen' || error.port !== -1) return;
    error.address = address;
    error.port = request.port;
    error.message = `${error.message} ${address}:${request.port}`;
  };
  server.prependOnceListener('error', nameAddress);
  server.once('listening', () => server.off('error', nameAddress));
  // net.Server.listen(handle[, backlog][, callback]): Node calls listen() on the bound handle.
  const listenOnHandle = listen as unknown as (
    handle: unknown,
    backlog: number,
    callback?: () => void,
  ) => Server;
  listenOnHandle.call(server, handle, request.backlog ?? 511, request.callback);
}

function listen(server: Server, request: ServerRequest, backend: Backend, args: unknown[]): Server {
  const tcp = recognizeTcpListen(args);
  if (tcp === null) {
    request.decided(statuses.listenLeftToNode);
    return request.listen.apply(server, args as Parameters<Server['listen']>);
  }
  if (server.listening) {
    // Node's own error (ERR_SERVER_ALREADY_LISTEN), before anything native is made.
    return request.listen.apply(server, args as Parameters<Server['listen']>);
  }
  request.decided(statuses.notListening);
  checkServerOptions(request.policy, server);
  // As Node does for `signal`: an abort closes the server, whatever stage its listen is at.
  tcp.signal?.addEventListener('abort', () => server.close(), { once: true });
  if (tcp.host === undefined) {
    // Node's default bind is the IPv6 wildcard, dual-stack; decide for that address.
    listenOnAddress(server, request, backend, tcp, '::', false);
  } else if (isIP(tcp.host)) {
    listenOnAddress(server, request, backend, tcp, tcp.host, true);
  } else {
    const asked = listenGeneration(server);
    dnsLookup(tcp.host, (error, address) => {
      // close() (or an abort) while the name resolved: Node does not listen then either.
      if (listenGeneration(server) !== asked) return;
      if (error) server.emit('error', error);
      else listenOnAddress(server, request, backend, tcp, address, true);
    });
  }
  return server;
}

function attach(server: Server, { policy }: ServerRequest): void {
  // Accepted sockets read their status from the listener; only the guard needs them.
  if (policy !== 'allow') {
    server.prependListener('connection', (socket: Socket) =>
      guardAcceptedSocket(server, socket, policy),
    );
  }
}

/** The binding every handoff goes through: refused under the permission model. */
function doctorChecks(): CheckResult[] {
  const wrap = tcpWrap();
  return [
    wrap instanceof Error
      ? { name: 'tcp_wrap binding', level: 'fail', detail: wrap.message }
      : {
          name: 'tcp_wrap binding',
          level: 'pass',
          detail: "reachable (each fast-path socket is handed to Node through Node's tcp_wrap)",
        },
  ];
}

/** The Windows mechanism: `SIO_LOOPBACK_FAST_PATH` before `connect` and before `listen`. */
export const sioLoopbackFastPath: Mechanism = Object.freeze({
  name: 'sio-loopback-fast-path',
  // The control code goes on a socket the backend makes, before connect: not on the caller's.
  connectsCallersSocket: false,
  connect,
  listen,
  attach,
  doctorChecks,
});
