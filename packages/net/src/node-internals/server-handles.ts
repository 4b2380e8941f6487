/**
 * What the rendezvous reaches in Node's servers: a listening server's handle (Node's, or a
 * `cluster` worker's stand-in), the `onconnection` Node gives it, its descriptor, its `close`,
 * the owner symbol a handle names its socket by, and a Unix server listened on a handle made
 * here. Node names none of these publicly; a new Node major audits this file.
 *
 * @module
 */
import type { Server, Socket } from 'node:net';
import type { ListeningPipeHandle } from './pipe-handle.js';

/** What the rendezvous uses of a listening handle. */
export interface ListenHandle<Accepted> {
  onconnection(status: number, clientHandle?: Accepted): void;
}

type WithHandle = Server & {
  _handle: (Record<string | symbol, unknown> & { fd?: unknown }) | null;
  _pipeName?: string;
  _connectionKey?: string;
};

/** The listening handle of `server` with Node's connection handler, or `null`. */
export function listeningHandle<Accepted>(server: Server): ListenHandle<Accepted> | null {
  const handle = (server as WithHandle)._handle;
  if (handle === null || typeof handle?.onconnection !== 'function') return null;
  return handle as unknown as ListenHandle<Accepted>;
}

/** Gives a listening `server` (a Unix listener of the rendezvous) its connection handler. */
export function handleConnections<Accepted>(
  server: Server,
  onconnection: ListenHandle<Accepted>['onconnection'],
): void {
  const handle = (server as WithHandle)._handle;
  if (handle !== null) handle.onconnection = onconnection;
}

/** The descriptor of `server`'s listening handle, where it has one (not a `cluster` worker's). */
export function listeningDescriptor(server: Server): number | undefined {
  const fd = (server as WithHandle)._handle?.fd;
  return typeof fd === 'number' && fd >= 0 ? fd : undefined;
}

/**
 * Runs `closing()` as the listening handle of `server` closes, before it does: Node's `close()`
 * closes it, whoever's `close` was called. A server without such a handle has nothing to close.
 */
export function beforeHandleCloses(server: Server, closing: () => void): void {
  const handle = (server as WithHandle)._handle;
  const close = handle?.close;
  if (!handle || typeof close !== 'function') return;
  handle.close = function closeAfter(this: unknown, ...args: unknown[]) {
    closing();
    return close.apply(this, args);
  };
}

/** The own symbol of `target` with this description (Node's internal ones have no other name). */
function symbolNamed(target: object, description: string): symbol | undefined {
  return Object.getOwnPropertySymbols(target).find((symbol) => symbol.description === description);
}

/** Node's symbol for the object a handle reports to, from the first handle that had one. */
let ownerSymbol: symbol | undefined;

/** Where an accepted handle keeps what to call with the socket Node makes around it. */
const kWhenMade = Symbol('loopfast.whenSocketMade');

type Announcing = Record<symbol, unknown> & {
  [kWhenMade]?: ((socket: Socket) => void) | undefined;
};

/** The prototypes that announce a handle's socket, by the prototype they extend. */
const announcingPrototypes = new WeakMap<object, object>();

/**
 * A prototype over `base` whose `owner` is set once, by the socket Node makes around the handle:
 * the handle then keeps its socket as a plain property, and calls what waited for it. On the
 * prototype, not on each handle: V8 shares no hidden class between objects whose accessors are
 * different functions, so an accessor of each handle's own made a class per connection and kept
 * each connection's objects alive longer.
 */
function announcingPrototype(base: object, owner: symbol): object {
  let prototype = announcingPrototypes.get(base);
  if (prototype === undefined) {
    prototype = Object.create(base, {
      [owner]: {
        configurable: true,
        get: () => undefined,
        set(this: Announcing, socket: Socket) {
          Object.defineProperty(this, owner, {
            configurable: true,
            enumerable: true,
            writable: true,
            value: socket,
          });
          const made = this[kWhenMade];
          this[kWhenMade] = undefined;
          made?.(socket);
        },
      },
    }) as object;
    announcingPrototypes.set(base, prototype);
  }
  return prototype;
}

/**
 * Calls `made(socket)` with the socket Node makes around `handle` (accepted by a server whose
 * listening handle is `listening`), as Node makes it: before anything sees it (the server's
 * `'connection'` listeners). Node's socket names itself the handle's owner first thing; the
 * handle takes that one assignment as a plain property.
 */
export function whenSocketMade(
  listening: object,
  handle: object,
  made: (socket: Socket) => void,
): void {
  ownerSymbol ??= symbolNamed(listening, 'owner_symbol');
  const owner = ownerSymbol;
  if (owner === undefined) return;
  Object.setPrototypeOf(
    handle,
    announcingPrototype(Object.getPrototypeOf(handle) as object, owner),
  );
  (handle as Announcing)[kWhenMade] = made;
}

/**
 * Whether {@link listenOnHandle} can make a Unix server beside `server`: its listening handle has
 * Node's connection handler and names its owner by Node's symbol.
 */
export function canListenOnHandle(server: Server): boolean {
  const handle = listeningHandle(server);
  return handle !== null && symbolNamed(handle, 'owner_symbol') !== undefined;
}

/**
 * Makes `unix` a server listening on `name` through `handle` (bound and listening already), as
 * Node's `listen({ path })` leaves one, without that call: it announces every listen on
 * `tracing:net.server.listen`. For a `server` that {@link canListenOnHandle}.
 */
export function listenOnHandle(
  unix: Server,
  server: Server,
  handle: ListeningPipeHandle,
  name: string,
): void {
  const owner = symbolNamed(listeningHandle(server) as object, 'owner_symbol') as symbol;
  const held = handle as ListeningPipeHandle & Record<symbol, unknown>;
  held[owner] = unix;
  const listened = unix as WithHandle;
  listened._handle = held as unknown as WithHandle['_handle'];
  listened._pipeName = name;
  listened._connectionKey = `-1:${name}:-1`;
}
