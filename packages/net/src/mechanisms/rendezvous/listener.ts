/**
 * The server side of the rendezvous: beside a fast-path server's TCP listener, one Unix listener
 * per family of clients it takes, whose connections reach the server's own `'connection'` event
 * as if TCP had accepted them. The Unix listeners are opened as the TCP listener comes up (before
 * `listen()` returns where Node binds at once, else before the user's `'listening'` listeners
 * run), and tied to the server by one generation counter: the TCP listener's handle closing
 * bumps it and shuts them, and anything that comes up for an older generation is shut at once.
 * They never hold the process open themselves: the TCP listener does, as `ref()` and `unref()`
 * set it.
 *
 * @module
 */
import cluster from 'node:cluster';
import { isIP, createServer as netCreateServer, type Server, type Socket } from 'node:net';
import { type Backend, isLoopbackAddress, isWildcardAddress } from '@loopfast/core';
import { type ListeningPipeHandle, listeningPipeHandle } from '../../node-internals/pipe-handle.js';
import { pairAccepted } from '../../node-internals/resets.js';
import {
  beforeHandleCloses,
  canListenOnHandle,
  handleConnections,
  type ListenHandle,
  listeningHandle,
  listenOnHandle,
  whenSocketMade,
} from '../../node-internals/server-handles.js';
import {
  actAsTcp,
  type Ends,
  emulateTcpSocket,
  type TcpLikeHandle,
} from '../../node-internals/tcp-emulation.js';
import type { FastPathSettings } from '../../options.js';
import { statuses } from '../../status-catalog.js';
import type { FastPathInfo } from '../../status-record.js';
import type { ServerRequest } from '../mechanism.js';
import { canonicalAddress, parseAbstractClientName, shownName } from './names.js';
import { placeFor, type RendezvousPlace } from './places.js';

/** The TCP listener a rendezvous stands beside, as accepted connections show it. */
export interface TcpEnd {
  /** The bound address as `server.address()` shows it. */
  readonly address: string;
  readonly family: 'IPv4' | 'IPv6';
  readonly port: number;
  /** Whether it is bound to a wildcard (the local end then is the address the client asked for). */
  readonly wildcard: boolean;
}

/** What a place asks of the listener to open one Unix listener, and what it reports. */
export interface ListenContext {
  readonly server: Server;
  readonly backend: Backend;
  readonly settings: FastPathSettings;
  readonly tcp: TcpEnd;
  readonly ipv6Only: boolean;
  /**
   * Listens on `name` for clients of `family`; `done(error)` once it listens (`null`) or failed.
   * Synchronous where Node listens at once (outside a `cluster` worker).
   */
  listenOn(name: string, family: 4 | 6, done: (error: Error | null) => void): void;
  /** Whether this opening is still the server's current one (no `close()` since). */
  current(): boolean;
}

/** The rendezvous side of one server. */
interface RendezvousState {
  readonly request: ServerRequest;
  backend: Backend | null;
  /** The place the Unix listeners were opened in, and the listeners in force or being opened. */
  place: RendezvousPlace | null;
  listeners: Server[];
  /** Bumped by `close()`: what comes up for an older generation is shut again. */
  generation: number;
  /** The generation whose rendezvous is open or being opened; -1 for none. */
  opened: number;
  /** `ipv6Only` of the last `listen()`. */
  ipv6Only: boolean;
  /** The `'listening'` listener of a `listen()` Node has not finished, if one waits. */
  onListening: (() => void) | null;
}

const states = new WeakMap<Server, RendezvousState>();

/** A handle a Unix listener accepted. */
type AcceptedHandle = TcpLikeHandle & { close(): void };

/** How a listener of `tcp` shows an IPv4 address: IPv4-mapped on an IPv6 listener. */
function shown(tcp: TcpEnd, address: string): string {
  return tcp.family === 'IPv6' && isIP(address) === 4 ? `::ffff:${address}` : address;
}

/** The address a client of `family` connects from, as the server sees it over TCP. */
function remoteAddress(tcp: TcpEnd, family: 4 | 6): string {
  return family === 6 ? '::1' : shown(tcp, '127.0.0.1');
}

/**
 * The ends of a connection a Unix listener for clients of `family` accepted: the remote address
 * as TCP shows a loopback client of that family; the port and, on a wildcard listener, the
 * address the client asked for from its bound name (on Linux), when it has one of loopfast's.
 */
function acceptedEnds(tcp: TcpEnd, family: 4 | 6, peerName: string | null): Ends {
  const client = peerName === null ? null : parseAbstractClientName(peerName);
  let local = tcp.wildcard ? remoteAddress(tcp, family) : tcp.address;
  if (tcp.wildcard && client !== null) {
    const asked = canonicalAddress(client.destination);
    const askedFamily = isIP(asked) === 6 ? 6 : 4;
    if (askedFamily === family && isLoopbackAddress(asked)) local = shown(tcp, asked);
  }
  return {
    local: { address: local, family: tcp.family, port: tcp.port },
    remote: { address: remoteAddress(tcp, family), family: tcp.family, port: client?.port },
  };
}

/** The abstract or file name the peer of an accepted Unix socket is bound to, or `null`. */
function peerNameOf(handle: TcpLikeHandle, backend: Backend): string | null {
  const fd = handle.fd;
  if (typeof fd !== 'number' || fd < 0) return null;
  try {
    return backend.getUnixPeerAddress(fd);
  } catch {
    return null;
  }
}

/**
 * The `onconnection` of a Unix listener: hands what it accepts to the user's server as if its
 * TCP listener had accepted it. The handle gets TCP's ends and options, then goes to the server's
 * own listening handle's `onconnection`, which does for it all Node does for a TCP connection:
 * `maxConnections` and `'drop'`, `blockList`, the socket with the server's `allowHalfOpen`,
 * `pauseOnConnect` and `highWaterMark`, its `noDelay` and `keepAlive`, the count, `'connection'`
 * and the channels that announce it.
 */
function handToServer(
  server: Server,
  { tcp, family, backend }: Opening,
  decidedForSocket: ServerRequest['decidedForSocket'],
  info: FastPathInfo,
): ListenHandle<AcceptedHandle>['onconnection'] {
  // Made once per listener: every connection it accepts shares them.
  const peerName = (handle: TcpLikeHandle) => peerNameOf(handle, backend);
  const ends = (handle: TcpLikeHandle) => acceptedEnds(tcp, family, peerName(handle));
  const made = (socket: Socket) => {
    emulateTcpSocket(socket);
    decidedForSocket(socket, info);
  };
  return (status, clientHandle) => {
    const listening = listeningHandle<AcceptedHandle>(server);
    if (listening === null) {
      clientHandle?.close();
      return;
    }
    if (clientHandle !== undefined) {
      actAsTcp(clientHandle, backend, ends);
      pairAccepted(clientHandle, peerName);
      whenSocketMade(listening, clientHandle, made);
    }
    listening.onconnection(status, clientHandle);
  };
}

/** The TCP end of `server`, or the status that says why it gets no rendezvous. */
function tcpEndOf(server: Server): TcpEnd | FastPathInfo {
  const address = server.address();
  if (address === null || typeof address === 'string') {
    return statuses.notTcpListen(address ?? 'this listener');
  }
  const wildcard = isWildcardAddress(address.address);
  if (!wildcard && !isLoopbackAddress(address.address))
    return statuses.notLoopback(address.address);
  const family = address.family === 'IPv6' ? 'IPv6' : 'IPv4';
  return { address: address.address, family, port: address.port, wildcard };
}

/**
 * Opens the rendezvous of `server`, whose TCP listener is up, once per generation. Whatever goes
 * wrong is the server's status: the user's `listen()` and `'listening'` never see it.
 */
function open(server: Server, state: RendezvousState): void {
  try {
    openOnce(server, state);
  } catch (error) {
    const backend = state.backend?.name ?? 'unknown';
    state.request.decided(statuses.checkFailed('opening the rendezvous', error as Error, backend));
  }
}

function openOnce(server: Server, state: RendezvousState): void {
  const { backend } = state;
  if (backend === null || state.opened === state.generation || !server.listening) return;
  state.opened = state.generation;
  const tcp = tcpEndOf(server);
  const { settings, decided, decidedForAccepted } = state.request;
  if (!('port' in tcp)) {
    decided(tcp);
    return;
  }
  const place = placeFor(settings);
  state.place = place;
  const generation = state.generation;
  closeWithTcpListener(server, state, generation);
  place.open(
    {
      server,
      backend,
      settings,
      tcp,
      ipv6Only: state.ipv6Only,
      current: () => state.generation === generation && server.listening,
      listenOn: (name, family, done) =>
        listenOn(server, state, { name, family, tcp, backend, generation }, done),
    },
    (info, served) => {
      if (state.generation !== generation) return;
      decided(info);
      decidedForAccepted(served ? statuses.acceptedOverTcp(backend.name) : null);
    },
  );
}

/** One Unix listener being opened. */
interface Opening {
  readonly name: string;
  readonly family: 4 | 6;
  readonly tcp: TcpEnd;
  readonly backend: Backend;
  readonly generation: number;
}

function listenOn(
  server: Server,
  state: RendezvousState,
  opening: Opening,
  done: (error: Error | null) => void,
): void {
  const { name, backend, generation } = opening;
  const unix = netCreateServer();
  state.listeners.push(unix);
  const accepted = statuses.rendezvousAccepted(shownName(name), backend.name);
  const forget = () => {
    const at = state.listeners.indexOf(unix);
    if (at !== -1) state.listeners.splice(at, 1);
  };
  const onError = (error: Error) => {
    unix.off('listening', onListening);
    forget();
    done(error);
  };
  const onListening = () => {
    unix.off('error', onError);
    if (state.generation !== generation || !server.listening) {
      forget();
      unix.close();
      done(new Error('the server closed while its rendezvous was opening'));
      return;
    }
    // What it accepts, and its accept failures, are the user's server's: Node's own
    // `onconnection` of that server reports them, from the first connection on.
    handleConnections(
      unix,
      handToServer(server, opening, state.request.decidedForSocket, accepted),
    );
    unix.on('error', (error) => server.emit('error', error));
    // The TCP listener alone keeps the process alive, as the user's `ref()` and `unref()` say.
    unix.unref();
    done(null);
  };
  if (cluster.isWorker) {
    // Once the primary's answer has been acted on (a listener shut again told it so).
    const answered = awaitPrimary();
    unix.once('error', () => process.nextTick(answered));
    unix.once('listening', () => process.nextTick(answered));
  }
  unix.once('error', onError);
  unix.once('listening', onListening);
  if (!listenQuietly(unix, server, name)) unix.listen({ path: name });
  // Outside a cluster worker Node binds a Unix listener at once and says so a tick later: the
  // rendezvous is up now, before `listen()` or the user's `'listening'` listeners return.
  if (unix.listening) {
    unix.off('listening', onListening);
    onListening();
  }
}

/** The rendezvous listens of this `cluster` worker the primary has not answered yet. */
let unanswered = 0;
/** The worker's `process.disconnect()`, made while some were unanswered, to make once answered. */
let heldDisconnect: (() => void) | null = null;
let disconnectWrapped = false;

/**
 * Counts a rendezvous listen of this `cluster` worker until the primary answers it; returns what
 * to call then. The worker asks for it once its server listens, after the TCP listen the primary
 * has answered: a worker that disconnects before the answer comes makes the primary's answer fail
 * (`EPIPE` on the worker, which ends a primary without an `'error'` listener), where its TCP
 * listens alone would have been answered. So until then `process.disconnect()` (which
 * `worker.disconnect()` calls too) waits, and runs as the last answer arrives.
 */
function awaitPrimary(): () => void {
  if (!disconnectWrapped) {
    disconnectWrapped = true;
    const disconnect = process.disconnect;
    process.disconnect = function waitForPrimary(this: NodeJS.Process) {
      if (unanswered === 0) return disconnect.call(this);
      heldDisconnect = () => disconnect.call(this);
    };
  }
  unanswered++;
  let pending = true;
  return () => {
    if (!pending) return;
    pending = false;
    unanswered--;
    const held = heldDisconnect;
    if (unanswered === 0 && held !== null) {
      heldDisconnect = null;
      held();
    }
  };
}

/**
 * Listens `unix` on `name` without its `listen()`, which announces every listen on
 * `tracing:net.server.listen`: observers must see the user's listen alone. The handle is bound
 * and listened here, as Node's `listen({ path })` does; what it accepts goes to the connection
 * handler of the TCP listener of `server` ({@link handToServer}). Returns false, changing
 * nothing, where that is out of reach: in a `cluster` worker (the primary opens its listeners) or
 * without the binding or Node's handler; a failure is `unix`'s `'error'`, on the next tick as
 * Node reports it.
 */
function listenQuietly(unix: Server, server: Server, name: string): boolean {
  if (cluster.isWorker || !canListenOnHandle(server)) return false;
  let handle: ListeningPipeHandle | null;
  try {
    handle = listeningPipeHandle(name);
  } catch (error) {
    process.nextTick(() => unix.emit('error', error));
    return true;
  }
  if (handle === null) return false;
  listenOnHandle(unix, server, handle, name);
  return true;
}

/** Shuts the rendezvous of a server. */
function closeRendezvous(state: RendezvousState): void {
  state.generation++;
  state.request.decidedForAccepted(null);
  for (const unix of state.listeners.splice(0)) {
    if (!unix.listening) continue;
    const name = unix.address();
    if (typeof name === 'string') state.place?.closed(name);
    unix.close();
  }
}

/**
 * Shuts the rendezvous of `generation` when the TCP listener's handle closes: Node's `close()`
 * closes it, whoever's `close` was called (ws's tests put `net.Server.prototype.close` back on a
 * server over a stand-in of their own).
 */
function closeWithTcpListener(server: Server, state: RendezvousState, generation: number): void {
  beforeHandleCloses(server, () => {
    if (state.generation === generation) closeRendezvous(state);
  });
}

/** Ties a rendezvous to `server`: called once, before any `listen`. */
export function attachListener(server: Server, request: ServerRequest): void {
  states.set(server, {
    request,
    backend: null,
    place: null,
    listeners: [],
    generation: 0,
    opened: -1,
    ipv6Only: false,
    onListening: null,
  });
}

/**
 * `listen(...args)` with the rendezvous: Node's own `listen`, then the rendezvous at once where
 * Node has bound TCP already, else as its `'listening'` comes.
 */
export function listenWithRendezvous(
  server: Server,
  request: ServerRequest,
  backend: Backend,
  args: unknown[],
): Server {
  const state = states.get(server) as RendezvousState;
  const first = args[0] as { ipv6Only?: unknown } | null | undefined;
  state.ipv6Only = typeof first === 'object' && first !== null && first.ipv6Only === true;
  state.backend = backend;
  request.decided(statuses.notListening);
  const result = request.listen.apply(server, args as Parameters<Server['listen']>);
  if (server.listening) open(server, state);
  else openWhenListening(server, state);
  return result;
}

/**
 * Opens the rendezvous as Node's `'listening'` comes, before the user's listeners, by a listener
 * that goes with the event: once listening, the server has the listeners it has without loopfast
 * (`ws` checks that closing a `WebSocketServer` leaves its server's listeners as they were). A
 * `listen()` again before that one ended (after `EADDRINUSE`) replaces it.
 */
function openWhenListening(server: Server, state: RendezvousState): void {
  if (state.onListening) server.off('listening', state.onListening);
  const onListening = () => {
    state.onListening = null;
    open(server, state);
  };
  state.onListening = onListening;
  server.prependOnceListener('listening', onListening);
}
