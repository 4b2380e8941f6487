/**
 * Ports the kernel never hands out by itself, for a port that must stay refused or free while a
 * test holds its number: below the ephemeral ports of Linux (32768 up by default), Windows and
 * macOS (49152 up). A closed ephemeral port may not stay so: another process's `listen(0)` may
 * take it, and a TCP connect given it as its own local port connects to itself.
 *
 * @module
 */
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';

const LOWEST = 20_000;
const HIGHEST = 32_767;

/** The low end of Linux's ephemeral ports, where it can be read. */
function ephemeralLow(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'latin1').split(/\s+/)[0]);
  } catch {
    return Number.NaN;
  }
}

/** A random port in the quiet range (nothing says it is free: bind it to know). */
export function quietPort(): number {
  const low = ephemeralLow();
  const highest = low > LOWEST ? Math.min(HIGHEST, low - 1) : HIGHEST;
  return LOWEST + randomInt(highest - LOWEST + 1);
}
