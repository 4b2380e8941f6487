import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { socketConstants } from '@loopfast/core';
import { afterEach, describe, expect, it } from 'vitest';
import { backend } from '../src/index.js';

// ffi-specific checks; the shared behaviour is the conformance suite's (conformance.test.ts).

const C = socketConstants(process.platform);
const open: number[] = [];
afterEach(() => {
  for (const fd of open.splice(0)) backend.closeSocket(fd);
});
function tcpSocket(): number {
  const fd = backend.createTcpSocket(4);
  open.push(fd);
  return fd;
}

describe('the ffi backend', () => {
  it('is named ffi and carries its package version', () => {
    const pkg = createRequire(import.meta.url)('../package.json') as { version: string };
    expect(backend.name).toBe('ffi');
    expect(backend.version).toBe(pkg.version);
    expect(Object.isFrozen(backend)).toBe(true);
  });

  it('reads errno for each failed call, not a stale one', () => {
    const fd = tcpSocket();
    const file = openSync(import.meta.filename, 'r');
    try {
      const codes = [
        () => backend.getSocketOption(0x7fff_fff0, C.SOL_SOCKET, C.SO_RCVBUF),
        () => backend.getSocketOption(file, C.SOL_SOCKET, C.SO_RCVBUF),
        () => backend.getSocketOption(fd, C.SOL_SOCKET, 0x7ff0),
        () => backend.getSocketOption(0x7fff_fff0, C.SOL_SOCKET, C.SO_RCVBUF),
      ].map((call) => {
        try {
          call();
          return 'no error';
        } catch (error) {
          expect(error).toMatchObject({ backend: 'ffi', syscall: 'getsockopt' });
          return (error as { code: string }).code;
        }
      });
      expect(codes).toEqual(['EBADF', 'ENOTSOCK', 'ENOPROTOOPT', 'EBADF']);
    } finally {
      closeSync(file);
    }
  });

  it.runIf(process.platform === 'linux')(
    'reads errno for each failed connect, before the socket is closed again (Linux)',
    () => {
      const directory = mkdtempSync(join(tmpdir(), 'loopfast-ffi-connect-'));
      try {
        const file = join(directory, 'plain-file');
        writeFileSync(file, '');
        const missing = join(directory, 'missing.sock');
        const codes = [missing, file, missing, file].map((path) => {
          try {
            open.push(backend.connectUnixSocket(path));
            return 'no error';
          } catch (error) {
            expect(error).toMatchObject({ backend: 'ffi', syscall: 'connect' });
            return (error as { code: string }).code;
          }
        });
        expect(codes).toEqual(['ENOENT', 'ECONNREFUSED', 'ENOENT', 'ECONNREFUSED']);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    },
  );

  it.runIf(process.platform === 'linux')(
    'makes sockets non-blocking and close-on-exec in the socket() call itself (Linux)',
    () => {
      const fd = tcpSocket();
      const flags = /flags:\s*(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
      const value = Number.parseInt(flags ?? '', 8);
      expect(value & 0o4000).toBe(0o4000); // O_NONBLOCK
      expect(value & 0o2000000).toBe(0o2000000); // O_CLOEXEC
    },
  );

  it('passes a Uint8Array view as its own bytes, not its whole backing buffer', () => {
    const fd = tcpSocket();
    const backing = new Uint8Array(32).fill(0xee);
    const linger = new Uint8Array(backing.buffer, 8, 8);
    const view = new DataView(linger.buffer, linger.byteOffset, 8);
    const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
    view.setInt32(0, 1, littleEndian); // l_onoff
    view.setInt32(4, 7, littleEndian); // l_linger
    backend.setSocketOptionBuffer(fd, C.SOL_SOCKET, C.SO_LINGER, linger);
    const read = backend.getSocketOptionBuffer(fd, C.SOL_SOCKET, C.SO_LINGER, 8);
    expect([...read]).toEqual([...linger]);
  });

  it('hands out fresh buffers: a result is never overwritten by a later call', () => {
    const fd = tcpSocket();
    backend.setSocketOption(fd, C.SOL_SOCKET, C.SO_REUSEADDR, 1);
    const first = backend.getSocketOptionBuffer(fd, C.SOL_SOCKET, C.SO_REUSEADDR, 4);
    const snapshot = [...first];
    backend.setSocketOption(fd, C.SOL_SOCKET, C.SO_REUSEADDR, 0);
    backend.getSocketOptionBuffer(fd, C.SOL_SOCKET, C.SO_REUSEADDR, 4);
    expect([...first]).toEqual(snapshot);
    expect(snapshot.some((b) => b !== 0)).toBe(true);
  });
});
