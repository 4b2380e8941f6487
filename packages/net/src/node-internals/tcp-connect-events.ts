/**
 * How a socket connected over the rendezvous finishes connecting: through Node's own TCP connect.
 * The socket's handle (a Unix socket the rendezvous has connected already) answers the TCP
 * `connect` Node's `Socket#connect` makes on it, so Node runs its own code as for TCP: its events
 * in its order (`lookup` for a name, `connectionAttempt`, `connect`, `ready`), its `'net'`
 * performance entry, reading started after `'connect'`. The handle completes Node's request after
 * the next poll of the event loop, as TCP's completes (a server in this process has accepted by
 * then); it shows the addresses TCP would (`tcp-emulation.ts`).
 *
 * @module
 */
import type { Socket } from 'node:net';
import { constants } from 'node:os';
import { emulateReset, resetByPeer } from './resets.js';
import { answerNextConnect, type TcpLikeHandle } from './tcp-emulation.js';

/** Node's request for one TCP connect, as its `internalConnect` makes it. */
interface ConnectRequest {
  oncomplete(status: number, handle: object, req: ConnectRequest, r: boolean, w: boolean): void;
}

type Connecting = Socket & { _handle: object | null };

/**
 * Makes `handle`, the connected handle `socket` holds (or is about to hold, before Node's
 * `Socket#connect` runs or while Node looks its host up), made TCP-like with the ends of the
 * connection, answer Node's TCP connect: Node's request completes with success on the next poll,
 * unless the socket is destroyed first (then nothing more happens, as for a TCP connect cancelled
 * by the close).
 */
export function answerConnect(socket: Socket, handle: TcpLikeHandle): void {
  // A reset while connecting waits for `'connect'`, as Node's does.
  emulateReset(socket);
  answerNextConnect(handle, (req) => {
    setImmediate(() => {
      const current = (socket as Connecting)._handle;
      if (socket.destroyed || current === null) return;
      const request = req as ConnectRequest;
      // The peer reset the connection first: TCP's connect fails with ECONNRESET, as Node says.
      if (resetByPeer(socket)) {
        request.oncomplete(-constants.errno.ECONNRESET, current, request, false, false);
        return;
      }
      request.oncomplete(0, current, request, true, true);
    });
    return 0;
  });
}
