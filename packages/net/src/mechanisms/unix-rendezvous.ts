/**
 * Linux, macOS and other POSIX systems: the Unix-socket rendezvous. A server with the fast path,
 * once TCP is listening on a loopback or wildcard address, also listens on a Unix socket named
 * for that address and port in a private per-user directory; both transports feed the same
 * `'connection'` event. A client with the fast path toward a loopback address connects over that
 * socket when a valid one exists (the backend connects without blocking and checks the server's
 * uid), and otherwise over TCP within the same `connect` call. This module owns each descriptor
 * the backend connects until Node's socket takes it, and each rendezvous listener and file.
 *
 * @module
 */
import cluster from 'node:cluster';
import {
  chmodSync,
  existsSync,
  linkSync,
  lstatSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import {
  BlockList,
  isIP,
  createServer as netCreateServer,
  type Server,
  Socket,
  type SocketConstructorOpts,
} from 'node:net';
import {
  type Backend,
  isLocalhostName,
  isLoopbackAddress,
  isWildcardAddress,
  LoopfastErrorCode,
  type NativeSocket,
} from '@loopfast/core';
import type { FastPathSettings } from '../options.js';
import { connectedPipeHandle } from '../pipe-handle.js';
import {
  clientDirectory,
  distrustDirectory,
  effectiveUid,
  serverDirectory,
} from '../rendezvous-directory.js';
import { clientPaths, networkNamespace, rendezvousPath, serverKey } from '../rendezvous-names.js';
import { socketOptionsFrom } from '../socket-options.js';
import { type FastPathInfo, recordAcceptedStatus, recordStatus } from '../status.js';
import { statuses } from '../statuses.js';
import { connectOverTcp } from '../tcp-connect.js';
import { finishConnect } from '../tcp-connect-events.js';
import { type Endpoint, emulateTcp, listenerEnd, loopbackPeer } from '../tcp-emulation.js';
import type { ClientRequest, Mechanism, ServerRequest } from './mechanism.js';

/** Where a rendezvous would be, or the status that says why there is none. */
type Place =
  | { readonly directory: string; readonly ns: string; readonly info?: undefined }
  | { readonly info: FastPathInfo };

/** The last place a client found, kept while the directory it was built from is the one in force. */
let lastClientPlace: { readonly found: object; readonly ns: string; readonly place: Place } | null =
  null;

function placeFor(settings: FastPathSettings, backend: Backend, role: 'client' | 'server'): Place {
  const ns = networkNamespace(settings.platform);
  if (ns instanceof Error) {
    return {
      info: statuses.checkFailed(
        `the network namespace is unknown (${ns.message})`,
        ns,
        backend.name,
      ),
    };
  }
  const found = role === 'client' ? clientDirectory(settings.env) : serverDirectory(settings.env);
  if (found.path === null)
    return { info: statuses.checkFailed(found.failure, found.error, backend.name) };
  if (role === 'server') return { directory: found.path, ns };
  // A client asks on every connection, and a checked directory comes back as the same object.
  if (lastClientPlace?.found !== found || lastClientPlace.ns !== ns) {
    lastClientPlace = { found, ns, place: { directory: found.path, ns } };
  }
  return lastClientPlace.place;
}

// ---------------------------------------------------------------------------------------------
// Client

/**
 * The candidate paths where the last connect found no file. Before connecting to one of them
 * again, the file system is asked first: when there is still no file (a server without the fast
 * path, or a name its address does not use), that costs a small part of a failed connect, whose
 * error the backend must build. A path that had a file is connected to directly, so an upgraded
 * connection pays nothing for this. Bounded like the candidate names.
 */
const absent = new Set<string>();
const MAX_ABSENT = 4096;

/** A connected descriptor, a reason to use TCP, or `null` when no file is there. */
type Attempt = { readonly fd: NativeSocket } | { readonly info: FastPathInfo } | null;

/**
 * Connects to the rendezvous at `path` if one is there and passes every check. The file is not
 * inspected first: the directory is private, and the peer's credentials say who serves it.
 */
function attempt(backend: Backend, path: string): Attempt {
  if (absent.has(path)) {
    if (!existsSync(path)) return null;
    absent.delete(path);
  }
  const uid = effectiveUid();
  let fd: NativeSocket;
  try {
    fd = backend.connectUnixSocket(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOENT') {
      if (absent.size >= MAX_ABSENT) absent.clear();
      absent.add(path);
      return null;
    }
    if (code === 'ECONNREFUSED')
      return { info: statuses.staleRendezvous(path, error as Error, backend.name) };
    if (code === 'EAGAIN')
      return { info: statuses.busyRendezvous(path, error as Error, backend.name) };
    if (code === LoopfastErrorCode.BACKEND_UNAVAILABLE) {
      return { info: statuses.unavailable(error as Error, backend.name) };
    }
    distrustDirectory();
    return { info: statuses.rendezvousConnectFailed(path, error as Error, backend.name) };
  }
  let peerUid: number;
  try {
    peerUid = backend.getPeerCredentials(fd).uid;
  } catch (error) {
    backend.closeSocket(fd);
    return { info: statuses.checkFailed('peer credentials', error as Error, backend.name) };
  }
  if (peerUid !== uid) {
    backend.closeSocket(fd);
    distrustDirectory();
    return {
      info: statuses.checkFailed(
        `the server at ${path} runs as uid ${peerUid}, not ${uid}`,
        null,
        backend.name,
      ),
    };
  }
  return { fd };
}

/**
 * Whether the options of a connection to a host name are ones Node accepts without a word:
 * anything else goes to Node, which raises its own error (or does its own thing).
 */
function plainNameOptions(options: ClientRequest['options']): boolean {
  const { family, hints, autoSelectFamily, autoSelectFamilyAttemptTimeout } = options as Record<
    string,
    unknown
  >;
  return (
    (family === undefined || family === 0 || family === 4 || family === 6) &&
    (hints === undefined || hints === 0) &&
    (autoSelectFamily === undefined || typeof autoSelectFamily === 'boolean') &&
    (autoSelectFamilyAttemptTimeout === undefined ||
      typeof autoSelectFamilyAttemptTimeout === 'number')
  );
}

/**
 * The addresses a destination stands for without a lookup: an IP literal itself; a localhost
 * name (RFC 6761 reserves it for loopback) its loopback addresses of the asked family. `null`
 * for any other name, when a custom `lookup` is to decide, or for options Node would question.
 */
function destinations(host: string, options: ClientRequest['options']): string[] | null {
  if (isIP(host)) return [host];
  if (!isLocalhostName(host) || options.lookup !== undefined || !plainNameOptions(options)) {
    return null;
  }
  if (options.family === 4) return ['127.0.0.1'];
  if (options.family === 6) return ['::1'];
  return ['127.0.0.1', '::1'];
}

/** Makes the user's socket from a connected descriptor: `'connect'` and `'ready'` come next tick. */
function adopt(
  request: ClientRequest,
  fd: NativeSocket,
  address: string,
  port: number,
  info: FastPathInfo,
): Socket {
  const { options, host, listener } = request;
  let handle: ReturnType<typeof connectedPipeHandle>;
  try {
    handle = connectedPipeHandle(fd);
  } catch (error) {
    request.backend.closeSocket(fd);
    throw error;
  }
  // Not reading until `'connect'`, as TCP: a protocol that takes the handle over on
  // `'connect'` (HTTP/2 on Node 22 and later) would lose what the server sent first.
  const own = { readable: true, writable: true, manualStart: true };
  let socket: Socket;
  try {
    socket = new Socket(
      socketOptionsFrom(
        options,
        handle ? { handle, ...own } : { fd, ...own },
      ) as SocketConstructorOpts,
    );
  } catch (error) {
    if (handle) handle.close();
    else request.backend.closeSocket(fd);
    throw error;
  }
  // Node's socket is open at once; it connects "asynchronously" for the user, as TCP would:
  // writes and `end()` queue until `'connect'`, which Node's stream code waits for.
  const connecting = socket as { connecting: boolean };
  connecting.connecting = true;
  recordStatus(socket, info);
  if (options.timeout) socket.setTimeout(options.timeout);
  if (listener) socket.once('connect', listener);
  finishConnect(socket, { host, address, port });
  return socket;
}

/**
 * The `blockList` of a socket or server when this Node honours it (sockets and servers from Node
 * 22.13; earlier versions ignore the option, so the rendezvous does too), else `undefined`.
 */
function honouredBlockList(owner: object): BlockList | undefined {
  const { blockList } = owner as { blockList?: unknown };
  if (blockList === undefined || !blockListsHonoured()) return undefined;
  return blockList instanceof BlockList ? blockList : undefined;
}

let honoured: boolean | undefined;

/** Whether `net` honours `blockList`: where it does, a socket refuses one that is not a list. */
function blockListsHonoured(): boolean {
  if (honoured === undefined) {
    try {
      new Socket({ blockList: {} } as SocketConstructorOpts).destroy();
      honoured = false;
    } catch {
      honoured = true;
    }
  }
  return honoured;
}

/** Whether `list` blocks the IP literal `address`, as Node asks it. */
function blocks(list: BlockList | undefined, address: string): boolean {
  return list?.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4') === true;
}

function connect(request: ClientRequest): Socket {
  const { settings, backend, options, host, listener } = request;
  const tcp = (info: FastPathInfo) => connectOverTcp(options, listener, host, info);
  if (options.fd !== undefined) return tcp(statuses.callerDescriptor(backend.name));
  if (options.localAddress != null || options.localPort != null) {
    return tcp(statuses.tcpClientAddress(backend.name));
  }
  const addresses = destinations(host, options);
  if (addresses === null) return tcp(statuses.hostName(host, backend.name));
  // Node raises its own error for a missing port.
  if (options.port === undefined) return tcp(statuses.notRequested);
  const port = Number(options.port);
  const place = placeFor(settings, backend, 'client');
  if (place.info) return tcp(place.info);
  let declined: FastPathInfo | null = null;
  let first: string | undefined;
  // A blocked address is Node's to refuse (or to skip for the next one), with its own events.
  const blockList = honouredBlockList(options);
  const blocked = blockList && addresses.find((address) => blocks(blockList, address));
  if (blocked) return tcp(statuses.blockedAddress(blocked, backend.name));
  for (const address of addresses) {
    if (!isLoopbackAddress(address)) return tcp(statuses.notLoopback(address));
    const paths = clientPaths(place.directory, place.ns, address, port, settings.platform);
    first ??= paths[0];
    for (const path of paths) {
      const outcome = attempt(backend, path);
      if (outcome === null) continue;
      if ('fd' in outcome) {
        return adopt(
          request,
          outcome.fd,
          address,
          port,
          statuses.rendezvousClient(path, backend.name),
        );
      }
      declined ??= outcome.info;
    }
  }
  return tcp(
    declined ?? statuses.noRendezvousServer(host, port, first ?? place.directory, backend.name),
  );
}

// ---------------------------------------------------------------------------------------------
// Server

/** The rendezvous side of one server. */
interface RendezvousState {
  /** The rendezvous listener in force, or being opened. */
  unix: Server | null;
  /** Bumped by `close()`, so a rendezvous that comes up after it is shut again. */
  generation: number;
  /** Whether the user asked for `unref()` (the rendezvous follows the server). */
  unrefed: boolean;
}

const states = new WeakMap<Server, RendezvousState>();

/** Socket files this process made, removed at exit if still theirs (libuv removes them on close). */
const madeFiles = new Map<string, { dev: bigint; ino: bigint }>();

/**
 * The identity of a socket file. As BigInts: on Node 20, a number `lstat` of a listening Unix
 * socket's path, made before koffi first loads, leaves koffi unable to load its binary.
 */
function identity(path: string): { dev: bigint; ino: bigint } {
  const { dev, ino } = lstatSync(path, { bigint: true });
  return { dev, ino };
}
let exitHookInstalled = false;

function removeMadeFilesAtExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [path, made] of madeFiles) {
      try {
        const now = identity(path);
        if (now.dev === made.dev && now.ino === made.ino) unlinkSync(path);
      } catch {
        // Already gone: nothing to remove.
      }
    }
  });
}

/**
 * Whether `listed`, a path as the kernel's table shows it, is `path`. The table shows the path
 * as it was bound: a `cluster` primary binds its workers' socket files by a path relative to its
 * own directory when that is shorter (`../loopfast-0/<name>`), so a relative path stands for
 * `path` when `path` ends with it, once its leading `./` and `../` are dropped.
 */
function namesPath(listed: string, path: string): boolean {
  if (listed === path) return true;
  if (listed.startsWith('/') || listed.startsWith('@')) return false;
  const tail = listed.replace(/^(?:\.\.?\/)+/, '');
  return tail !== '' && path.endsWith(`/${tail}`);
}

/**
 * Whether a server listens on the socket file at `path`. On Linux the kernel's table of Unix
 * sockets (of this network namespace) says so without connecting; elsewhere a connection tells,
 * and is closed at once.
 */
function isServed(path: string, backend: Backend, platform: NodeJS.Platform): boolean {
  if (platform === 'linux' || platform === 'android') {
    const listening = '00010000';
    for (const line of readFileSync('/proc/net/unix', 'latin1').split('\n')) {
      const fields = /^\s*\S+: \S+ \S+ (\S+) \S+ \S+ \S+ (.*)$/.exec(line);
      if (fields?.[1] === listening && namesPath(fields[2] as string, path)) return true;
    }
    return false;
  }
  try {
    backend.closeSocket(backend.connectUnixSocket(path));
    return true;
  } catch {
    return false;
  }
}

/** Whether process `pid` exists (one of another user's counts: it still holds what it held). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock on setting up the rendezvous at `path`: a file beside it holding this process's
 * id; a lock whose process is gone is taken over. Between the check for a stale file and the new
 * listener, nobody else (a `cluster` worker, a `reusePort` twin) may remove what was just made.
 * Returns the release, or `null` when another process holds it.
 */
function lockSetup(path: string): (() => void) | null {
  const lock = `${path}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    if (createLock(lock)) return () => rmSync(lock, { force: true });
    const owner = lockOwner(lock);
    if (owner === null) continue;
    if ((Number.isInteger(owner) && owner > 0 && alive(owner)) || !takeOver(lock, owner)) {
      return null;
    }
  }
  return null;
}

/**
 * Creates `lock` with this process's id already in it: written to a private name, then linked,
 * so nobody ever reads a lock half written (an empty lock would look abandoned).
 */
function createLock(lock: string): boolean {
  const draft = `${lock}.${process.pid}`;
  try {
    writeFileSync(draft, String(process.pid), { mode: 0o600 });
    linkSync(draft, lock);
    return true;
  } catch {
    return false;
  } finally {
    rmSync(draft, { force: true });
  }
}

/** The process id in `lock`, or `null` when it is gone (released meanwhile). */
function lockOwner(lock: string): number | null {
  try {
    return Number(readFileSync(lock, 'latin1'));
  } catch {
    return null;
  }
}

/**
 * Removes the lock of process `owner`, which is gone. The lock is renamed away first, so that of
 * two processes taking it over at once, the one that finds a live owner's fresh lock in its hands
 * puts it back instead of removing it.
 */
function takeOver(lock: string, owner: number): boolean {
  const aside = `${lock}.${process.pid}.gone`;
  try {
    renameSync(lock, aside);
  } catch {
    return true;
  }
  if (Object.is(lockOwner(aside), owner)) {
    rmSync(aside, { force: true });
    return true;
  }
  try {
    renameSync(aside, lock);
  } catch {
    rmSync(aside, { force: true });
  }
  return false;
}

/**
 * Clears the way for a rendezvous at `path`: a stale file (its server gone) is removed. Returns
 * the status that stops it, or `null`. In a `cluster` worker a served file is the cluster's own
 * (the primary holds one listener per path for all workers), so the worker joins it.
 */
function clearWay(path: string, backend: Backend, platform: NodeJS.Platform): FastPathInfo | null {
  if (isServed(path, backend, platform)) {
    return cluster.isWorker ? null : statuses.servedElsewhere(path, backend.name);
  }
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      return statuses.checkFailed(`cannot remove the stale ${path}`, error as Error, backend.name);
    }
  }
  return null;
}

type InternalServer = Server & { _connections: number };
type InternalSocket = Socket & { server: Server; _server: Server };

/** Node 20 reads `maxConnections = 0` as "no limit"; later versions refuse every connection. */
const ZERO_REFUSES_ALL = Number(process.versions.node.split('.')[0]) >= 21;

/** Whether `server` is full, as Node decides it for a connection its TCP listener accepts. */
function full(server: InternalServer): boolean {
  const limit = server.maxConnections;
  if (limit == null || (limit === 0 && !ZERO_REFUSES_ALL)) return false;
  return server._connections >= limit;
}

/**
 * Hands a connection the rendezvous accepted to the user's server, as if its TCP listener had
 * accepted it: counted there (so `getConnections`, `maxConnections` and `close` see one server),
 * with the TCP addresses, then `'connection'`; or, past `maxConnections`, dropped with `'drop'`.
 */
function hand(server: Server, socket: Socket, local: Endpoint, info: FastPathInfo): void {
  const target = server as InternalServer;
  const remote: Endpoint = {
    address: loopbackPeer(local.address),
    family: local.family,
    port: undefined,
  };
  if (full(target)) {
    socket.destroy();
    server.emit('drop', {
      localAddress: local.address,
      localPort: local.port,
      localFamily: local.family,
      remoteAddress: remote.address,
      remotePort: remote.port,
      remoteFamily: remote.family,
    });
    return;
  }
  // As Node does for a blocked peer: closed before the server sees it, without an event.
  if (blocks(honouredBlockList(server), remote.address)) {
    socket.destroy();
    return;
  }
  const moved = socket as InternalSocket;
  (moved._server as InternalServer)._connections--;
  moved.server = server;
  moved._server = server;
  target._connections++;
  emulateTcp(socket, local, remote);
  recordStatus(socket, info);
  server.emit('connection', socket);
}

/** Opens the rendezvous of a server whose TCP listener is up; `done` once it is up or declined. */
function openRendezvous(
  server: Server,
  state: RendezvousState,
  request: ServerRequest,
  backend: Backend,
  ipv6Only: boolean,
  done: () => void,
): void {
  const settle = (info: FastPathInfo) => {
    recordStatus(server, info);
    done();
  };
  const address = server.address();
  if (address === null || typeof address === 'string') {
    settle(statuses.notTcpListen(address ?? 'this listener'));
    return;
  }
  if (!isLoopbackAddress(address.address) && !isWildcardAddress(address.address)) {
    settle(statuses.notLoopback(address.address));
    return;
  }
  const { platform } = request.settings;
  const place = placeFor(request.settings, backend, 'server');
  if (place.info) {
    settle(place.info);
    return;
  }
  const key = serverKey(address.address, ipv6Only);
  const path = rendezvousPath(place.directory, place.ns, key, address.port, platform);
  if (path === null) {
    settle(
      statuses.checkFailed(
        `${place.directory} is too long for a Unix socket path`,
        null,
        backend.name,
      ),
    );
    return;
  }
  const local = listenerEnd(address.address, address.port);
  listenOnRendezvous({ server, state, backend, path, local, platform, settle }, 0);
}

/** One rendezvous being opened for a server. */
interface Rendezvous {
  readonly server: Server;
  readonly state: RendezvousState;
  readonly backend: Backend;
  readonly path: string;
  /** The TCP end accepted connections show locally. */
  readonly local: Endpoint;
  readonly platform: NodeJS.Platform;
  /** Records the server's status and lets `'listening'` through. */
  readonly settle: (info: FastPathInfo) => void;
}

/** How long a `cluster` worker waits for another worker that is setting up the same rendezvous. */
const JOIN_WAIT_MS = 2000;
const JOIN_STEP_MS = 10;

/** Listens on the rendezvous at `path` for `server`, once the way is clear; `settle` says how it went. */
function listenOnRendezvous(rendezvous: Rendezvous, waited: number): void {
  const { server, state, backend, path, local, platform, settle } = rendezvous;
  const release = lockSetup(path);
  if (release === null && cluster.isWorker) {
    // Another worker is setting it up: join once it is up, so nobody removes what it made.
    if (waited >= JOIN_WAIT_MS) {
      settle(statuses.servedElsewhere(path, backend.name));
      return;
    }
    const generation = state.generation;
    setTimeout(() => {
      if (state.generation !== generation || !server.listening) return;
      listenOnRendezvous(rendezvous, waited + JOIN_STEP_MS);
    }, JOIN_STEP_MS).unref();
    return;
  }
  const blocked =
    release === null
      ? statuses.servedElsewhere(path, backend.name)
      : clearWay(path, backend, platform);
  if (blocked) {
    release?.();
    settle(blocked);
    return;
  }

  const generation = state.generation;
  const { allowHalfOpen = false, pauseOnConnect = false } = server as Server & {
    allowHalfOpen?: boolean;
    pauseOnConnect?: boolean;
  };
  const unix = netCreateServer({ allowHalfOpen, pauseOnConnect });
  state.unix = unix;
  const accepted = statuses.rendezvousAccepted(path, backend.name);
  unix.on('connection', (socket: Socket) => hand(server, socket, local, accepted));
  const onError = (error: Error) => {
    release?.();
    unix.off('listening', onListening);
    if (state.unix === unix) state.unix = null;
    if (state.generation === generation)
      settle(statuses.rendezvousListenFailed(path, error, backend.name));
  };
  const onListening = () => {
    unix.off('error', onError);
    if (state.generation !== generation || !server.listening) {
      release?.();
      unix.close();
      return;
    }
    // Errors a listening server meets (accept failures) are the user's server's errors.
    unix.on('error', (error) => server.emit('error', error));
    if (state.unrefed) unix.unref();
    try {
      chmodSync(path, 0o600);
      if (!cluster.isWorker) {
        madeFiles.set(path, identity(path));
        removeMadeFilesAtExit();
      }
    } catch (error) {
      release?.();
      unix.close();
      state.unix = null;
      settle(statuses.rendezvousListenFailed(path, error as Error, backend.name));
      return;
    }
    release?.();
    recordAcceptedStatus(server, statuses.acceptedOverTcp(backend.name));
    settle(statuses.rendezvousServer(path, backend.name));
  };
  unix.once('error', onError);
  unix.once('listening', onListening);
  unix.listen({ path });
}

/** Shuts the rendezvous of a server (libuv removes the socket file as it closes it). */
function closeRendezvous(server: Server, state: RendezvousState): void {
  state.generation++;
  const unix = state.unix;
  state.unix = null;
  recordAcceptedStatus(server, null);
  if (unix === null) return;
  if (unix.listening) {
    const address = unix.address();
    if (typeof address === 'string') madeFiles.delete(address);
    unix.close();
  }
}

/**
 * Holds the server's `'listening'` event until the rendezvous is up (or declined), so a client
 * that connects on `'listening'` finds it. Node emits `'listening'` once TCP listens; loopfast
 * takes that moment, opens the rendezvous, then lets the event through.
 */
function holdListening(server: Server, open: (done: () => void) => void): () => void {
  const own = Object.hasOwn(server, 'emit') ? server.emit : undefined;
  const emit = server.emit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
  const release = () => {
    if (own) server.emit = own;
    else delete (server as Partial<Server>).emit;
  };
  server.emit = function emitAfterRendezvous(
    this: Server,
    event: string | symbol,
    ...args: unknown[]
  ) {
    if (event !== 'listening') return emit.call(this, event, ...args);
    release();
    open(() => {
      if (server.listening) emit.call(server, 'listening');
    });
    return true;
  } as Server['emit'];
  return release;
}

function listen(server: Server, request: ServerRequest, backend: Backend, args: unknown[]): Server {
  const state = states.get(server) as RendezvousState;
  const first = args[0] as { ipv6Only?: unknown } | null | undefined;
  const ipv6Only = typeof first === 'object' && first !== null && first.ipv6Only === true;
  recordStatus(server, statuses.notListening);
  const release = holdListening(server, (done) =>
    openRendezvous(server, state, request, backend, ipv6Only, done),
  );
  try {
    return request.listen.apply(server, args as Parameters<Server['listen']>);
  } catch (error) {
    release();
    throw error;
  }
}

function attach(server: Server): void {
  const state: RendezvousState = { unix: null, generation: 0, unrefed: false };
  states.set(server, state);
  const { close, ref, unref } = server;
  server.close = function closeBoth(this: Server, ...args: unknown[]) {
    closeRendezvous(server, state);
    return (close as (...a: unknown[]) => Server).apply(this, args);
  };
  server.ref = function refBoth(this: Server) {
    state.unrefed = false;
    state.unix?.ref();
    return ref.call(this);
  };
  server.unref = function unrefBoth(this: Server) {
    state.unrefed = true;
    state.unix?.unref();
    return unref.call(this);
  };
}

/** The POSIX mechanism: a Unix-socket rendezvous both sides agree on. */
export const unixRendezvous: Mechanism = Object.freeze({
  name: 'unix-rendezvous',
  connect,
  listen,
  attach,
});
