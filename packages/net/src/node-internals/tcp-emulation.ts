/**
 * What a connection the rendezvous carries shows of TCP. A Unix socket has no IP addresses
 * (Node reports `undefined`), but code reads them (Express's `req.ip`, proxy-address checks,
 * rate limiters, logs): such a socket reports what the TCP connection would have, ports included
 * (see the rendezvous names), and `resetAndDestroy()`, which Node refuses on anything but a TCP
 * handle, resets as far as a Unix socket can (see `resets.ts`).
 *
 * The ends live on the socket's handle, as a TCP handle's do: Node's address getters, `address()`
 * and a TLS socket over it (whose handle asks the one beneath) all call the handle's
 * `getpeername` and `getsockname`, which a Unix handle lacks. Like Node's for TCP, they are asked
 * when first read while the socket is open; an accepted socket works its ends out then.
 *
 * So do TCP's options. Node keeps `noDelay` and `keepAlive` on the socket and passes them to the
 * handle (the socket's options once connected, a server's on each socket it accepts, and each
 * change after), only where the handle has `setNoDelay` and `setKeepAlive`: the handle has them,
 * so every call Node makes over TCP is made. They set nothing, and need not: Nagle's algorithm and
 * keep-alive probes are TCP's, where a Unix socket hands each write to its peer at once and sees
 * a peer in the same kernel go at once (its end, or its error).
 *
 * @module
 */
import { isIP, type Socket } from 'node:net';
import { type Backend, isIPv4MappedAddress } from '@loopfast/core';
import { closeUnpairing, emulateReset, writesLikeTcp } from './resets.js';

/** One end of a connection as TCP would report it. */
export interface Endpoint {
  readonly address: string;
  readonly family: 'IPv4' | 'IPv6';
  readonly port: number | undefined;
}

/** Both ends of a connection, seen from one side. */
export interface Ends {
  readonly local: Endpoint;
  readonly remote: Endpoint;
}

/** The family name `net` uses for an IP literal. */
export function familyOf(address: string): 'IPv4' | 'IPv6' {
  return isIP(address) === 6 ? 'IPv6' : 'IPv4';
}

/** The loopback address a client of `address` connects from, as TCP over loopback shows it. */
export function loopbackPeer(address: string): string {
  if (isIP(address) === 4) return '127.0.0.1';
  return isIPv4MappedAddress(address) ? '::ffff:127.0.0.1' : '::1';
}

/**
 * The ends of a client's connection to `address` and `port` (a loopback destination), from the
 * port it reports as its own, if any.
 */
export function clientEnds(address: string, port: number, localPort: number | undefined): Ends {
  const family = familyOf(address);
  return {
    local: { address: loopbackPeer(address), family, port: localPort },
    remote: { address, family, port },
  };
}

/** What Node asks of a handle for its ends and sets on it for TCP's options: a TCP handle's methods. */
export interface TcpLikeHandle {
  fd?: number;
  getpeername?(out: Record<string, unknown>): number;
  getsockname?(out: Record<string, unknown>): number;
  setNoDelay?(enable: boolean): number;
  setKeepAlive?(enable: boolean, initialDelay: number, ...more: unknown[]): number;
}

/** Copies `end` into `out` as a TCP handle fills it (no port where there is none). */
function fill(out: Record<string, unknown>, end: Endpoint): number {
  out.address = end.address;
  out.family = end.family;
  if (end.port !== undefined) out.port = end.port;
  return 0;
}

/** A TCP option on a Unix socket: nothing to set (see above); success, as TCP's call returns. */
function nothingToSet(): number {
  return 0;
}

/**
 * Gives `handle` (made TCP-like by {@link actAsTcp}, to take the place of `socket`'s TCP handle,
 * the one it had while its host name resolved) a replacement of `setNoDelay` or `setKeepAlive`
 * that the caller made on that TCP handle, to observe or change the calls: it is called on that
 * handle as Node would have called it (closed by now, where TCP's own methods set nothing).
 */
export function keepReplacedTcpOptions(handle: TcpLikeHandle, socket: Socket): void {
  const replaced = (socket as Socket & { _handle: TcpLikeHandle | null })._handle;
  if (!replaced) return;
  const { setNoDelay, setKeepAlive } = replaced;
  if (setNoDelay && Object.hasOwn(replaced, 'setNoDelay')) {
    handle.setNoDelay = (enable) => setNoDelay.call(replaced, enable);
  }
  if (setKeepAlive && Object.hasOwn(replaced, 'setKeepAlive')) {
    handle.setKeepAlive = (...args) => setKeepAlive.apply(replaced, args);
  }
}

/** Where a TCP-like handle keeps its ends: known, or the function that works them out. */
const kEnds = Symbol('loopfast.ends');
/** Where a TCP-like handle keeps the answer to the next TCP connect Node makes on it. */
const kConnectAnswer = Symbol('loopfast.connectAnswer');

type Connect = (req: unknown, address: string, port: number) => number;

interface TcpLike extends TcpLikeHandle {
  [kEnds]: Ends | ((handle: TcpLikeHandle) => Ends);
  [kConnectAnswer]: ((req: unknown) => number) | undefined;
}

/** The handle's ends, worked out when first asked for (it may ask the kernel about its descriptor). */
function endsOf(handle: TcpLike): Ends {
  const ends = handle[kEnds];
  if (typeof ends !== 'function') return ends;
  const settled = ends(handle);
  handle[kEnds] = settled;
  return settled;
}

/** A connect Node makes on the handle: the answer set for it, once; the handle's own after that. */
function answeringConnect(base: Record<string, unknown>, name: 'connect' | 'connect6'): Connect {
  return function connect(this: TcpLike, req, address, port) {
    const answer = this[kConnectAnswer];
    if (answer === undefined) return (base[name] as Connect).call(this, req, address, port);
    this[kConnectAnswer] = undefined;
    return answer(req);
  };
}

/**
 * The prototypes of TCP-like handles, by the prototype of the handle and the backend. A handle
 * takes one of them in a single step: methods set on each handle would cost every connection
 * their setting, and a handle that loses one again falls into V8's slow dictionary mode.
 */
const prototypes = new WeakMap<object, Map<Backend, object>>();

function tcpLikePrototype(base: object, backend: Backend): object {
  let byBackend = prototypes.get(base);
  if (byBackend === undefined) {
    byBackend = new Map();
    prototypes.set(base, byBackend);
  }
  let prototype = byBackend.get(backend);
  if (prototype === undefined) {
    const methods = base as Record<string, unknown>;
    prototype = Object.create(base, {
      ...writesLikeTcp(methods, backend),
      ...closeUnpairing(methods),
      getpeername: method(function getpeername(this: TcpLike, out: Record<string, unknown>) {
        return fill(out, endsOf(this).remote);
      }),
      getsockname: method(function getsockname(this: TcpLike, out: Record<string, unknown>) {
        return fill(out, endsOf(this).local);
      }),
      setNoDelay: method(nothingToSet),
      setKeepAlive: method(nothingToSet),
      connect: method(answeringConnect(methods, 'connect')),
      connect6: method(answeringConnect(methods, 'connect6')),
    }) as object;
    byBackend.set(backend, prototype);
  }
  return prototype;
}

function method(value: unknown): PropertyDescriptor {
  return { value, writable: true, configurable: true };
}

/**
 * Makes `handle`, a Unix socket of the rendezvous, show what a TCP handle would: the ends of a
 * TCP connection (`ends`, or what `ends(handle)` works out when Node first asks), TCP's
 * `setNoDelay` and `setKeepAlive`, and its writes' failures as TCP reports them (`resets.ts`).
 */
export function actAsTcp(
  handle: TcpLikeHandle,
  backend: Backend,
  ends: Ends | ((handle: TcpLikeHandle) => Ends),
): void {
  Object.setPrototypeOf(handle, tcpLikePrototype(Object.getPrototypeOf(handle) as object, backend));
  const tcpLike = handle as TcpLike;
  tcpLike[kEnds] = ends;
  tcpLike[kConnectAnswer] = undefined;
}

/**
 * Makes the next TCP connect Node makes on `handle` (made TCP-like) call `answer` with Node's
 * request, in the place of the handle's own connect.
 */
export function answerNextConnect(handle: TcpLikeHandle, answer: (req: unknown) => number): void {
  (handle as TcpLike)[kConnectAnswer] = answer;
}

/** Gives `socket` TCP's `resetAndDestroy()` (see above). */
export function emulateTcpSocket(socket: Socket): void {
  emulateReset(socket);
}
