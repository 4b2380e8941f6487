/**
 * How a socket connected over the rendezvous finishes connecting, as a TCP connect would: the
 * events in Node's order (`lookup` for a name, `connectionAttempt`, `connect`, `ready`), the
 * addresses TCP would show appearing with `'connect'`, and reading started after it. Both the
 * mechanism (for the sockets it makes) and the preload (for a caller's own `new net.Socket()`,
 * which receives the connection) finish a connection this way.
 *
 * @module
 */
import { isIP, type Socket } from 'node:net';
import { constants } from 'node:os';
import { emulateReset, resetByPeer } from './resets.js';
import { emulateTcp, familyOf, loopbackPeer } from './tcp-emulation.js';

/** Where a connection over the rendezvous goes, as TCP would name it. */
export interface Destination {
  /** The host the caller asked for: an IP literal, or a name (`localhost`). */
  readonly host: string;
  /** The loopback address the rendezvous stands for. */
  readonly address: string;
  readonly port: number;
  /** The port the client end reports (the rendezvous client's bound name says it), if any. */
  readonly localPort: number | undefined;
  /**
   * For a name: the `'lookup'` events still to emit (Node emits them itself before it would
   * connect one address, and none when it would try several).
   */
  readonly lookups?: readonly { readonly address: string; readonly family: number }[];
}

/**
 * Where a socket whose connect is being finished keeps its destination, for the preload to read:
 * a property, as a weak map on every connection's path costs the garbage collector more.
 */
const kDestination = Symbol('loopfast.destination');

type Finishing = Socket & { [kDestination]?: Destination };

/** The destination `socket` is connecting to over the rendezvous, or `undefined`. */
export function destinationOf(socket: Socket): Destination | undefined {
  return (socket as Finishing)[kDestination];
}

/**
 * What TCP reports when the peer reset the connection before the client saw it connected: the
 * connect fails with `ECONNRESET`, as Node's `afterConnect` words it.
 */
function failConnectAsReset(socket: Socket, address: string, port: number, family: number): void {
  const error = new Error(`connect ECONNRESET ${address}:${port}`);
  Object.assign(error, {
    errno: -constants.errno.ECONNRESET,
    code: 'ECONNRESET',
    syscall: 'connect',
    address,
    port,
  });
  (socket as { connecting: boolean }).connecting = false;
  socket.emit('connectionAttemptFailed', address, port, family, error);
  socket.destroy(error);
}

/**
 * Finishes the connect of `socket`, already open on a connected descriptor and marked
 * `connecting`: toward an IP literal Node announces its attempt on the next tick, toward a name
 * after the lookup (whose events Node has emitted, or `destination.lookups` holds); `'connect'` comes after the next poll of the event loop, as TCP's does, so a
 * server in this process has accepted by then. Nothing happens once the socket is destroyed.
 */
export function finishConnect(socket: Socket, destination: Destination): void {
  (socket as Finishing)[kDestination] = destination;
  // A reset while connecting waits for `'connect'`, as Node's does.
  emulateReset(socket);
  const { host, address, port, localPort, lookups = [] } = destination;
  const family = isIP(address);
  const announceAttempt = () => socket.emit('connectionAttempt', address, port, family);
  const named = !isIP(host);
  if (!named) process.nextTick(() => socket.destroyed || announceAttempt());
  setImmediate(() => {
    if (socket.destroyed) return;
    if (named) {
      for (const found of lookups) socket.emit('lookup', null, found.address, found.family, host);
      announceAttempt();
    }
    if (resetByPeer(socket)) {
      failConnectAsReset(socket, address, port, family);
      return;
    }
    const familyName = familyOf(address);
    emulateTcp(socket, {
      local: { address: loopbackPeer(address), family: familyName, port: localPort },
      remote: { address, family: familyName, port },
    });
    (socket as { connecting: boolean }).connecting = false;
    socket.emit('connect');
    socket.emit('ready');
    // As Node does after a TCP connect: start reading unless the caller paused the socket.
    if (!socket.destroyed && !socket.isPaused()) socket.read(0);
  });
}
