/**
 * The Unix-socket rendezvous (Linux, macOS and the other POSIX systems): a fast-path server also
 * listens on a Unix socket beside its TCP listener, and a fast-path client of a loopback address
 * connects there when it reaches the same listener TCP would, and the same user serves it; both
 * transports feed the same `'connection'` event. Where it lives (`places.ts`): the kernel's
 * abstract namespace on Linux, socket files in a private directory elsewhere.
 *
 * @module
 */
import type { Mechanism } from '../mechanism.js';
import { rendezvousChecks } from './checks.js';
import { connectClient } from './client.js';
import { attachListener, listenWithRendezvous } from './listener.js';

/** The POSIX mechanism: a Unix-socket rendezvous both sides agree on. */
export const unixRendezvous: Mechanism = Object.freeze({
  name: 'unix-rendezvous',
  connectsCallersSocket: true,
  connect: connectClient,
  listen: listenWithRendezvous,
  attach: attachListener,
  doctorChecks: rendezvousChecks,
});
