/** Descriptor bookkeeping for leak and double-close checks. */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

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
 * Waits until the process has exactly `expected` descriptors open, because libuv closes a handle
 * one loop turn after the `close` event. Returns the count it saw last.
 */
export async function settleDescriptorCount(
  directory: string,
  expected: number,
  timeoutMs = 2000,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let count = openDescriptors(directory).length;
  while (count !== expected && Date.now() < deadline) {
    await sleep(20);
    count = openDescriptors(directory).length;
  }
  return count;
}
