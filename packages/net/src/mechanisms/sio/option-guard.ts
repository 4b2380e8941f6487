/**
 * The option guard: Microsoft's "SIO_LOOPBACK_FAST_PATH Control Code" page lists the socket
 * options a fast-path socket supports. `TCP_NODELAY` and `SO_KEEPALIVE` (what `setNoDelay` and
 * `setKeepAlive` set) are not in it, so using them on such a socket is never silent.
 *
 * The guard covers the sockets of the mechanism the restriction belongs to: the Windows control
 * code (`sio-loopback-fast-path`), whatever Windows answered, so code behaves the same on every
 * Windows version. The POSIX rendezvous carries connections over a Unix socket, where TCP options
 * are harmless no-ops, so nothing there is guarded.
 *
 * @module
 */
import { type Server, Socket } from 'node:net';
import { FAST_PATH_UNSUPPORTED_OPTIONS, LoopfastError } from '@loopfast/core';
import { UNSUPPORTED_OPTION_ERROR, UNSUPPORTED_OPTION_WARNING, warn } from '../../codes.js';
import type { OptionPolicy } from '../../options.js';
import { fastPathInfo } from '../../status-record.js';

type GuardedOption = 'TCP_NODELAY' | 'SO_KEEPALIVE';
const warned = new Set<GuardedOption>();

function describe(option: GuardedOption): string {
  const via = FAST_PATH_UNSUPPORTED_OPTIONS.find((o) => o.name === option)?.nodeApi ?? option;
  return `${option} (${via}) is not among the socket options SIO_LOOPBACK_FAST_PATH supports; on a fast-path socket its effect is not guaranteed. Set optionPolicy to 'allow' to accept it, or leave loopbackFastPath off for this socket.`;
}

/** Applies `policy` to one use of `option`. */
function checkOption(policy: OptionPolicy, option: GuardedOption): void {
  if (policy === 'allow') return;
  if (policy === 'throw') throw new LoopfastError(UNSUPPORTED_OPTION_ERROR, describe(option));
  if (warned.has(option)) return;
  warned.add(option);
  warn(describe(option), UNSUPPORTED_OPTION_WARNING);
}

/** Whether the guard covers a socket or server in its current state. */
function guarded(target: Socket | Server): boolean {
  const info = fastPathInfo(target);
  return info.requested && info.state !== 'disabled' && info.state !== 'not-loopback';
}

/** Checks the `noDelay` / `keepAlive` construction options of a socket or server. */
export function checkConstructionOptions(
  policy: OptionPolicy,
  options: { noDelay?: unknown; keepAlive?: unknown },
): void {
  if (options.noDelay) checkOption(policy, 'TCP_NODELAY');
  if (options.keepAlive) checkOption(policy, 'SO_KEEPALIVE');
}

/** The policy of a guarded socket, kept on the socket so the guard functions can be shared. */
const kPolicy = Symbol('loopfast.optionPolicy');
type GuardedSocket = Socket & { [kPolicy]: OptionPolicy };

function guardedSetNoDelay(this: GuardedSocket, enable?: boolean): GuardedSocket {
  if (enable !== false && guarded(this)) checkOption(this[kPolicy], 'TCP_NODELAY');
  Socket.prototype.setNoDelay.call(this, enable);
  return this;
}

function guardedSetKeepAlive(
  this: GuardedSocket,
  enable?: boolean,
  initialDelay?: number,
): GuardedSocket {
  if (enable === true && guarded(this)) checkOption(this[kPolicy], 'SO_KEEPALIVE');
  Socket.prototype.setKeepAlive.call(this, enable, initialDelay);
  return this;
}

/**
 * Guards `setNoDelay(true)` and `setKeepAlive(true)` on one socket (nothing to do for
 * `'allow'`). Turning an option off is the default state and passes freely.
 */
export function guardSocketMethods(socket: Socket, policy: OptionPolicy): void {
  if (policy === 'allow') return;
  const guardedSocket = socket as GuardedSocket;
  guardedSocket[kPolicy] = policy;
  guardedSocket.setNoDelay = guardedSetNoDelay;
  guardedSocket.setKeepAlive = guardedSetKeepAlive;
}

/** Applies the policy to a server's `noDelay` / `keepAlive` options, if the guard covers it. */
export function checkServerOptions(policy: OptionPolicy, server: Server): void {
  if (guarded(server)) {
    checkConstructionOptions(
      policy,
      server as unknown as { noDelay?: unknown; keepAlive?: unknown },
    );
  }
}

/** Guards an accepted socket when its listener is covered. */
export function guardAcceptedSocket(server: Server, socket: Socket, policy: OptionPolicy): void {
  if (guarded(server)) guardSocketMethods(socket, policy);
}
