/**
 * `createServer` and `attachFastPath`: a real `net.Server` whose listening socket gets the fast
 * path before `listen`; accepted sockets inherit it and are not touched again.
 *
 * @module
 */
import { lookup } from 'node:dns';
import {
  isIP,
  type ListenOptions,
  createServer as netCreateServer,
  type Server,
  type ServerOpts,
  type Socket,
} from 'node:net';
import { normalizeListenArgs, type TcpListen } from './args.js';
import {
  type FastPathSettings,
  planForAddress,
  prepareFastPathSocket,
  statusWithoutAddress,
} from './decision.js';
import { adoptServerHandle } from './handoff.js';
import { checkServerOptions, guardAcceptedSocket, type OptionPolicy } from './option-guard.js';
import { type LoopfastDefaults, type LoopfastOptions, readLoopfastOptions } from './options.js';
import { recordStatus, status } from './status.js';

/** `net.createServer` options plus loopfast's. */
export type ServerOptions = ServerOpts & LoopfastOptions;

type Listen = Server['listen'];

/** Listens on `address` the normal way, keeping the caller's other listen options. */
function listenPlain(
  server: Server,
  listen: Listen,
  request: TcpListen,
  address: string | undefined,
): void {
  const options: ListenOptions = {
    port: request.port,
    ...(address === undefined ? {} : { host: address }),
    ...(request.backlog === undefined ? {} : { backlog: request.backlog }),
    ...(request.exclusive === undefined ? {} : { exclusive: request.exclusive }),
    ...(request.signal === undefined ? {} : { signal: request.signal }),
    ipv6Only: request.ipv6Only,
  };
  listen.call(server, options, request.callback);
}

/** Listens on one IP address, through a fast-path handle when the plan says so. */
function listenOnAddress(
  server: Server,
  listen: Listen,
  settings: FastPathSettings,
  request: TcpListen,
  address: string,
  explicitHost: boolean,
): void {
  const plan = planForAddress(settings, address, 'server', request.ipv6Only);
  if (!plan.apply) {
    recordStatus(server, plan.info);
    listenPlain(server, listen, request, explicitHost ? address : undefined);
    return;
  }
  const family = isIP(address) === 6 ? 6 : 4;
  const prepared = prepareFastPathSocket(plan.backend, family);
  recordStatus(server, prepared.info);
  if (prepared.socket === null) {
    listenPlain(server, listen, request, explicitHost ? address : undefined);
    return;
  }
  let handle: ReturnType<typeof adoptServerHandle>;
  try {
    handle = adoptServerHandle(prepared.socket, address, request.port, family, request.ipv6Only);
  } catch (error) {
    // A failed `open` leaves the socket ours to close; a failed bind already closed it with the handle.
    if ((error as { syscall?: string }).syscall === 'open')
      plan.backend.closeSocket(prepared.socket);
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
  request.signal?.addEventListener('abort', () => server.close(), { once: true });
  // net.Server.listen(handle[, backlog][, callback]): Node calls listen() on the bound handle.
  const listenOnHandle = listen as unknown as (
    handle: unknown,
    backlog: number,
    callback?: () => void,
  ) => Server;
  listenOnHandle.call(server, handle, request.backlog ?? 511, request.callback);
}

/** Replaces `server.listen` with one that applies the fast path first; see {@link attachFastPath}. */
function attachWithSettings(
  server: Server,
  settings: FastPathSettings,
  policy: OptionPolicy,
): Server {
  const listen = server.listen;
  recordStatus(
    server,
    statusWithoutAddress(settings) ?? status(true, 'pending', 'not listening yet'),
  );

  server.listen = function listenWithFastPath(this: Server, ...args: unknown[]) {
    const request = normalizeListenArgs(args);
    const early = statusWithoutAddress(settings);
    if (early) {
      recordStatus(server, early);
      return listen.apply(server, args as Parameters<Listen>);
    }
    if (request.kind === 'other') {
      recordStatus(server, status(true, 'not-loopback', `${request.what} is not a TCP address`));
      return listen.apply(server, args as Parameters<Listen>);
    }
    recordStatus(server, status(true, 'pending', 'not listening yet'));
    checkServerOptions(policy, server);
    if (request.host === undefined) {
      // Node's default bind is the IPv6 wildcard, dual-stack; decide for that address.
      listenOnAddress(server, listen, settings, request, '::', false);
    } else if (isIP(request.host)) {
      listenOnAddress(server, listen, settings, request, request.host, true);
    } else {
      lookup(request.host, (error, address) => {
        if (error) server.emit('error', error);
        else listenOnAddress(server, listen, settings, request, address, true);
      });
    }
    return server;
  } as Listen;

  // Accepted sockets read their status from the listener; only the guard needs them.
  if (settings.requested && policy !== 'allow') {
    server.prependListener('connection', (socket: Socket) =>
      guardAcceptedSocket(server, socket, policy),
    );
  }
  return server;
}

/**
 * Gives an existing `net.Server` (an `http.Server` too) loopfast's `listen`: with
 * `loopbackFastPath`, every TCP form of `listen` applies the fast path to the listening socket
 * first. Pipe paths, handles and descriptors pass through untouched. Returns the server.
 */
export function attachFastPath(server: Server, options: LoopfastDefaults = {}): Server {
  const { settings, policy } = readLoopfastOptions({}, options);
  return attachWithSettings(server, settings, policy);
}

/** `createServer` with a factory's defaults. */
export function createServerWith(defaults: LoopfastDefaults, args: readonly unknown[]): Server {
  const [first, second] = args;
  const listener = (typeof first === 'function' ? first : second) as
    | ((socket: Socket) => void)
    | undefined;
  const options = (typeof first === 'object' && first !== null ? first : {}) as ServerOptions;
  const { settings, policy, netOptions } = readLoopfastOptions(options, defaults);
  return attachWithSettings(netCreateServer(netOptions, listener), settings, policy);
}
