/**
 * Which socket options the loopback fast path supports, from the specification's list, with
 * their Windows levels and values.
 *
 * @module
 */
import { invalidArgTypeError } from './argument-errors.js';
import { WINDOWS_SOCKET_CONSTANTS as W } from './socket-constants.js';
import { validateInt32 } from './validate.js';

/** The option levels, by name. */
export type OptionLevelName = 'SOL_SOCKET' | 'IPPROTO_IP' | 'IPPROTO_IPV6' | 'IPPROTO_TCP';

/** One socket option with its Windows level and value. */
export interface SocketOptionInfo {
  /** The option's name, such as `SO_RCVBUF`. */
  readonly name: string;
  /** The level's name. */
  readonly level: OptionLevelName;
  /** The level's number on Windows. */
  readonly levelValue: number;
  /** The option's number on Windows (signed: `SO_EXCLUSIVEADDRUSE` is `~SO_REUSEADDR`, -5). */
  readonly value: number;
  /** The `net.Socket` method or option that sets it, where Node has one. */
  readonly nodeApi?: string;
}

const LEVEL_VALUES: Readonly<Record<OptionLevelName, number>> = {
  SOL_SOCKET: W.SOL_SOCKET,
  IPPROTO_IP: W.IPPROTO_IP,
  IPPROTO_IPV6: W.IPPROTO_IPV6,
  IPPROTO_TCP: W.IPPROTO_TCP,
};

function option(
  name: string,
  level: OptionLevelName,
  value: number,
  nodeApi?: string,
): SocketOptionInfo {
  return Object.freeze({
    name,
    level,
    levelValue: LEVEL_VALUES[level],
    value,
    ...(nodeApi ? { nodeApi } : {}),
  });
}

/** The eleven options the specification lists as supported on a fast-path socket. */
export const FAST_PATH_SUPPORTED_OPTIONS: readonly SocketOptionInfo[] = Object.freeze([
  option('IP_TTL', 'IPPROTO_IP', W.IP_TTL),
  option('IP_UNICAST_IF', 'IPPROTO_IP', 31),
  option('IPV6_UNICAST_HOPS', 'IPPROTO_IPV6', W.IPV6_UNICAST_HOPS),
  option('IPV6_UNICAST_IF', 'IPPROTO_IPV6', 31),
  option('IPV6_V6ONLY', 'IPPROTO_IPV6', W.IPV6_V6ONLY, 'listen({ ipv6Only })'),
  option('SO_CONDITIONAL_ACCEPT', 'SOL_SOCKET', 0x3002),
  option('SO_EXCLUSIVEADDRUSE', 'SOL_SOCKET', ~W.SO_REUSEADDR, 'listen({ exclusive })'),
  // mingw-w64 does not define SO_PORT_SCALABILITY; 0x3006 is its value in the Windows SDK's ws2def.h.
  option('SO_PORT_SCALABILITY', 'SOL_SOCKET', 0x3006),
  option('SO_RCVBUF', 'SOL_SOCKET', W.SO_RCVBUF),
  option('SO_REUSEADDR', 'SOL_SOCKET', W.SO_REUSEADDR),
  option('TCP_BSDURGENT', 'IPPROTO_TCP', 0x7000),
]);

/**
 * Common options outside that list: setting them on a fast-path socket is not supported by the
 * specification. The first two are what Node's `setNoDelay` and `setKeepAlive` set.
 */
export const FAST_PATH_UNSUPPORTED_OPTIONS: readonly SocketOptionInfo[] = Object.freeze([
  option('TCP_NODELAY', 'IPPROTO_TCP', W.TCP_NODELAY, 'socket.setNoDelay() / { noDelay }'),
  option('SO_KEEPALIVE', 'SOL_SOCKET', W.SO_KEEPALIVE, 'socket.setKeepAlive() / { keepAlive }'),
  // mingw-w64 does not define TCP_KEEPALIVE; 3 is its value in the Windows SDK's ws2ipdef.h.
  option(
    'TCP_KEEPALIVE',
    'IPPROTO_TCP',
    3,
    'socket.setKeepAlive(true, initialDelay) / { keepAliveInitialDelay }',
  ),
  option('SO_SNDBUF', 'SOL_SOCKET', W.SO_SNDBUF),
  option('SO_LINGER', 'SOL_SOCKET', W.SO_LINGER),
  option('SO_OOBINLINE', 'SOL_SOCKET', 0x0100),
  option('IP_TOS', 'IPPROTO_IP', W.IP_TOS),
]);

const SUPPORTED_NAMES = new Set(FAST_PATH_SUPPORTED_OPTIONS.map((o) => o.name));
const SUPPORTED_KEYS = new Set(
  FAST_PATH_SUPPORTED_OPTIONS.map((o) => `${o.levelValue}:${o.value}`),
);

/**
 * Whether the option at this Windows level and value is on the specification's supported list.
 * Options outside the list are not forbidden by Windows, but their effect on a fast-path
 * connection is not supported.
 */
export function isFastPathOption(level: number, name: number): boolean {
  validateInt32(level, 'level');
  validateInt32(name, 'name');
  return SUPPORTED_KEYS.has(`${level}:${name}`);
}

/** Whether the option with this name (`'SO_RCVBUF'`) is on the specification's supported list. */
export function isFastPathOptionName(name: string): boolean {
  if (typeof name !== 'string') throw invalidArgTypeError('name', 'of type string', name);
  return SUPPORTED_NAMES.has(name);
}
