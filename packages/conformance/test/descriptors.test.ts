import { closeSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend } from '@loopfast/core';
import { describe, expect, it } from 'vitest';
import { openDescriptors, openSockets, settleDescriptorCount } from '../src/index.js';

describe.runIf(process.platform === 'linux')('openDescriptors', () => {
  it('lists a descriptor while open and not after, without counting its own directory handle', () => {
    const fd = openSync(join(tmpdir(), `loopfast-descriptor-${process.pid}`), 'w');
    expect(openDescriptors('/proc/self/fd')).toContain(fd);
    const count = openDescriptors('/proc/self/fd').length;
    closeSync(fd);
    // The listing itself now takes the number just freed; it must not show up as still open.
    expect(openDescriptors('/proc/self/fd')).not.toContain(fd);
    expect(openDescriptors('/proc/self/fd').length).toBe(count - 1);
  });

  it('settles on the expected count, or reports the count it saw', async () => {
    const now = openDescriptors('/proc/self/fd').length;
    expect(await settleDescriptorCount('/proc/self/fd', now)).toBe(now);
    expect(await settleDescriptorCount('/proc/self/fd', now + 5, 100)).toBe(now);
  });
});

describe('openSockets (the census where no descriptor list exists)', () => {
  /** A stand-in backend that knows the sockets in `open` and fails every other value. */
  function censusBackend(open: number[], otherCode = 'WSAENOTSOCK'): Backend {
    return {
      getSocketOption(socket: number) {
        if (open.includes(socket)) return 1;
        throw Object.assign(new Error('not a socket'), { code: otherCode });
      },
    } as unknown as Backend;
  }

  it('lists the handle values, in steps of 4 below the limit, that answer as sockets', () => {
    const backend = censusBackend([8, 100, 4096, 4097]);
    expect(openSockets(backend, 0x1000, 'WSAENOTSOCK')).toEqual([8, 100]);
    expect(openSockets(backend, 0x1004, 'WSAENOTSOCK')).toEqual([8, 100, 4096]);
  });

  it('throws any failure other than "not a socket", rather than count it as closed', () => {
    expect(() => openSockets(censusBackend([], 'WSAENETDOWN'), 64, 'WSAENOTSOCK')).toThrow(
      'not a socket',
    );
  });
});
