/**
 * Loopback decisions. The fast path only applies to loopback traffic (S7), so every layer asks
 * these, never a string comparison on a host name.
 *
 * @module
 */
import { isIP } from 'node:net';
import { invalidArgTypeError } from './argument-errors.js';

function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw invalidArgTypeError(name, 'of type string', value);
  return value;
}

/** Expands a valid IPv6 literal (no zone) to its eight 16-bit groups. */
function ipv6Groups(address: string): number[] {
  let text = address;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    // An embedded IPv4 part (::ffff:127.0.0.1) fills the last two groups.
    const [a = 0, b = 0, c = 0, d = 0] = last.split('.').map(Number);
    tail.push((a << 8) | b, (c << 8) | d);
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const halves = text.split('::');
  const parse = (part = '') =>
    part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16));
  const left = parse(halves[0]);
  const right = parse(halves[1]);
  const gap = halves.length > 1 ? 8 - tail.length - left.length - right.length : 0;
  return [...left, ...new Array<number>(gap).fill(0), ...right, ...tail];
}

function stripZone(address: string): string {
  const percent = address.indexOf('%');
  return percent === -1 ? address : address.slice(0, percent);
}

/**
 * Whether `address` is a loopback IP literal: `127.0.0.0/8`, `::1` (any spelling), or an
 * IPv4-mapped loopback address (`::ffff:127.0.0.1`, `::ffff:7f00:1`). Host names, `localhost`
 * included, are never loopback literals: resolve them first.
 */
export function isLoopbackAddress(address: string): boolean {
  const text = stripZone(requireString(address, 'address'));
  const version = isIP(text);
  if (version === 4) return text.startsWith('127.');
  if (version !== 6) return false;
  const groups = ipv6Groups(text);
  const zeroPrefix = groups.slice(0, 5).every((g) => g === 0);
  if (zeroPrefix && groups[5] === 0 && groups[6] === 0 && groups[7] === 1) return true;
  return zeroPrefix && groups[5] === 0xffff && (groups[6] ?? 0) >> 8 === 127;
}

/** Whether `address` is an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`), which needs a dual-stack socket. */
export function isIPv4MappedAddress(address: string): boolean {
  const text = stripZone(requireString(address, 'address'));
  if (isIP(text) !== 6) return false;
  const groups = ipv6Groups(text);
  return groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
}

/** Whether `address` is the IPv4 or IPv6 wildcard (`0.0.0.0`, `::`), which includes loopback. */
export function isWildcardAddress(address: string): boolean {
  const text = requireString(address, 'address');
  const version = isIP(text);
  if (version === 4) return text === '0.0.0.0';
  if (version !== 6) return false;
  return ipv6Groups(text).every((g) => g === 0);
}

/**
 * Whether `host` is a name that RFC 6761 reserves for loopback: `localhost` or a name under
 * `.localhost`, in any case, with or without the trailing dot. Such a name still has to be
 * resolved, and the addresses it resolves to checked with {@link isLoopbackAddress}.
 */
export function isLocalhostName(host: string): boolean {
  const name = requireString(host, 'host').toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** What kind of host a destination or bind address is. */
export type HostKind =
  | 'loopback-address'
  | 'wildcard-address'
  | 'other-address'
  | 'localhost-name'
  | 'other-name';

/** Classifies a host for the fast-path decision without resolving it. */
export function classifyHost(host: string): HostKind {
  const text = requireString(host, 'host');
  if (isIP(stripZone(text)) !== 0) {
    if (isLoopbackAddress(text)) return 'loopback-address';
    return isWildcardAddress(text) ? 'wildcard-address' : 'other-address';
  }
  return isLocalhostName(text) ? 'localhost-name' : 'other-name';
}
