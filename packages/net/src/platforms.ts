/**
 * Which fast-path mechanism each platform has: data, not scattered `if`s. Windows has the
 * `SIO_LOOPBACK_FAST_PATH` control code; Linux, macOS and the other POSIX systems have the
 * Unix-socket rendezvous.
 *
 * @module
 */
import type { Mechanism } from './mechanisms/mechanism.js';
import { unixRendezvous } from './mechanisms/rendezvous/index.js';
import { sioLoopbackFastPath } from './mechanisms/sio/index.js';

const MECHANISMS: ReadonlyMap<NodeJS.Platform, Mechanism> = new Map<NodeJS.Platform, Mechanism>([
  ['win32', sioLoopbackFastPath],
  ['linux', unixRendezvous],
  ['android', unixRendezvous],
  ['darwin', unixRendezvous],
  ['freebsd', unixRendezvous],
  ['openbsd', unixRendezvous],
  ['netbsd', unixRendezvous],
  ['sunos', unixRendezvous],
  ['aix', unixRendezvous],
]);

/** The mechanism of `platform`, or `null` where loopfast knows none. */
export function platformMechanism(platform: NodeJS.Platform): Mechanism | null {
  return MECHANISMS.get(platform) ?? null;
}
