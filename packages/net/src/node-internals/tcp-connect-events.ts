/**
 * How a socket connected over the rendezvous finishes connecting: through Node's own TCP connect.
 * The socket's handle (a Unix socket the rendezvous has connected already) answers the TCP
 * `connect` Node's `Socket#connect` makes on it, so Node runs its own code as for TCP: its events
 * in its order (`lookup` for a name, `connectionAttempt`, `connect`, `ready`), its `'net'`
 * performance entry, reading started after `'connect'`. The handle completes Node's request after
 * the next poll of the event loop, as TCP's completes (a server in this process has accepted by
 * then), with the addresses TCP would show.
 *
 * @module
 */
import type { Socket } from 'node:net';
import { constants } from 'node:os';
import { emulateReset, resetByPeer } from './resets.js';
import { emulateTcp, familyOf, loopbackPeer } from './tcp-emulation.js';

/** Where a connection over the rendezvous goes, as TCP would name it. */
export interface Destination {
  /** The loopback address the rendezvous stands for. */
  readonly address: string;
  readonly port: number;
  /** The port the client end reports (the rendezvous client's bound name says it), if any. */
  readonly localPort: number | undefined;
}

/** Node's request for one TCP connect, as its `internalConnect` makes it. */
interface ConnectRequest {
  oncomplete(status: number, handle: object, req: ConnectRequest, r: boolean, w: boolean): void;
}

type Connect = (req: ConnectRequest, address: string, port: number) => number;

/** The handle of a socket over the rendezvous, answering the TCP connect Node makes on it. */
interface AnsweringHandle {
  connect?: Connect;
  connect6?: Connect;
}

type Connecting = Socket & { _handle: object | null };

/**
 * Makes `handle`, the connected handle `socket` holds (or is about to hold, before Node's
 * `Socket#connect` runs or while Node looks its host up), answer Node's TCP connect to
 * `destination`: Node's request completes with success on the next poll, unless the socket is
 * destroyed first (then nothing more happens, as for a TCP connect cancelled by the close).
 */
export function answerConnect(socket: Socket, handle: object, destination: Destination): void {
  const { address, port, localPort } = destination;
  const answering = handle as AnsweringHandle;
  // A reset while connecting waits for `'connect'`, as Node's does.
  emulateReset(socket);
  const answer: Connect = (req) => {
    delete answering.connect;
    delete answering.connect6;
    setImmediate(() => {
      const current = (socket as Connecting)._handle;
      if (socket.destroyed || current === null) return;
      // The peer reset the connection first: TCP's connect fails with ECONNRESET, as Node says.
      if (resetByPeer(socket)) {
        req.oncomplete(-constants.errno.ECONNRESET, current, req, false, false);
        return;
      }
      const family = familyOf(address);
      emulateTcp(socket, {
        local: { address: loopbackPeer(address), family, port: localPort },
        remote: { address, family, port },
      });
      req.oncomplete(0, current, req, true, true);
    });
    return 0;
  };
  answering.connect = answer;
  answering.connect6 = answer;
}
