/** Descriptor bookkeeping for leak and double-close checks. */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Backend, socketConstants } from '@loopfast/core';
import type { PlatformExpectations } from './platform-expectations.js';

function stillOpen(directory: string, fd: number): boolean {
  try {
    readlinkSync(`${directory}/${fd}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * The open descriptors of this process, from `directory` (such as `/proc/self/fd`). Reading the
 * directory takes a descriptor of its own (the lowest free number); it is closed again by the
 * time the entries are checked, so it drops out.
 */
export function openDescriptors(directory: string): number[] {
  return readdirSync(directory)
    .map(Number)
    .filter((fd) => Number.isInteger(fd) && stillOpen(directory, fd))
    .sort((a, b) => a - b);
}

/** The open flags of a descriptor, from `/proc/self/fdinfo`. */
export function descriptorFlags(fd: number): number {
  const info = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
  const match = /^flags:\s+([0-7]+)$/m.exec(info);
  if (!match?.[1]) throw new Error(`no flags line in /proc/self/fdinfo/${fd}`);
  return Number.parseInt(match[1], 8);
}

/** Linux open-flag bits, as `/proc/self/fdinfo` prints them (octal). */
export const O_NONBLOCK = 0o4000;
/** Linux close-on-exec bit, as `/proc/self/fdinfo` prints it. */
export const O_CLOEXEC = 0o2000000;

/**
 * The open sockets of this process where there is no descriptor list (Windows): every handle
 * value below `limit`, in steps of 4 as handle values go, that answers `SO_TYPE` through
 * `backend`. A value that is not a socket must fail with `notSocketCode`; any other failure
 * is thrown, so a broken census cannot pass for an empty one.
 */
export function openSockets(backend: Backend, limit: number, notSocketCode: string): number[] {
  const { SOL_SOCKET, SO_TYPE } = socketConstants();
  const open: number[] = [];
  for (let handle = 4; handle < limit; handle += 4) {
    try {
      backend.getSocketOption(handle, SOL_SOCKET, SO_TYPE);
      open.push(handle);
    } catch (error) {
      if ((error as { code?: unknown }).code !== notSocketCode) throw error;
    }
  }
  return open;
}

/** Lists what the process holds open: descriptor numbers, or socket handle values. */
export type OpenList = () => number[];

/**
 * How the suites list what the process holds open on this platform: the descriptor directory,
 * else the socket census through `backend`; `null` where neither exists.
 */
export function openListFor(x: PlatformExpectations, backend: Backend): OpenList | null {
  const directory = x.descriptorDirectory;
  if (directory !== null) return () => openDescriptors(directory);
  const census = x.socketCensus;
  if (census !== null) return () => openSockets(backend, census.limit, x.closedSocketCode);
  return null;
}

/**
 * Waits until the process has exactly `expected` descriptors open, because libuv closes a handle
 * one loop turn after the `close` event. Returns the count it saw last. `list` is a descriptor
 * directory (such as `/proc/self/fd`) or an {@link OpenList}.
 */
export async function settleDescriptorCount(
  list: string | OpenList,
  expected: number,
  timeoutMs = 2000,
): Promise<number> {
  const count = typeof list === 'string' ? () => openDescriptors(list).length : () => list().length;
  const deadline = Date.now() + timeoutMs;
  let seen = count();
  while (seen !== expected && Date.now() < deadline) {
    await sleep(20);
    seen = count();
  }
  return seen;
}
