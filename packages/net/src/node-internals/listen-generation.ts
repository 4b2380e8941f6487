/**
 * Node's count of a server's `listen()` and `close()` calls (`_listeningId`): Node's own listen by
 * host name drops the lookup when the count moved while it resolved (a `close()`, an aborted
 * `signal`, another `listen()`), and so does loopfast's, by the same count.
 *
 * @module
 */
import type { Server } from 'node:net';

/** The server's count now; compare with `!==` (Node 20.19 to 24 have it). */
export function listenGeneration(server: Server): unknown {
  return (server as { _listeningId?: unknown })._listeningId;
}
