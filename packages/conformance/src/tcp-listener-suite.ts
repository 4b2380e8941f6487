/**
 * The rows of the backend conformance suite for `listTcpListeners`: what the kernel's table says
 * of real listeners (Node's own, and Python's run as another user), checked against the
 * listeners' descriptors and against `/proc/net/tcp{,6}`.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fstatSync, readFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { type Backend, isUnsupportedError } from '@loopfast/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { PlatformExpectations } from './platform-expectations.js';
import { expectSystemError, thrownBy } from './throws.js';

/** A uid no account needs to have: the kernel records whatever uid made the socket. */
const OTHER_UID = 54_321;

/** The inode of a listener's descriptor (as a BigInt: see the backend's own reading). */
function inodeOf(server: Server): number {
  const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
  return Number(fstatSync(fd, { bigint: true }).ino);
}

/** The LISTEN rows of `/proc/net/tcp` or `tcp6` on `port`: their uid and inode. */
function procListeners(table: 4 | 6, port: number): { uid: number; inode: number }[] {
  const text = readFileSync(table === 4 ? '/proc/net/tcp' : '/proc/net/tcp6', 'latin1');
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields[1]?.endsWith(`:${portHex}`) && fields[3] === '0A')
    .map((fields) => ({ uid: Number(fields[7]), inode: Number(fields[9]) }));
}

/** Registers the `listTcpListeners` rows; call inside the backend's `describe`. */
export function tcpListenerRows(
  backend: Backend,
  x: PlatformExpectations,
  openList: (() => number[]) | null,
): void {
  describe('listTcpListeners', () => {
    const servers: Server[] = [];
    afterEach(async () => {
      for (const server of servers.splice(0)) {
        if (server.listening) await new Promise((resolve) => server.close(resolve));
      }
    });

    async function listening(host: string, options: { ipv6Only?: boolean } = {}) {
      const server = createServer(() => {});
      servers.push(server);
      server.listen({ port: 0, host, ...options });
      await once(server, 'listening');
      return { server, port: (server.address() as { port: number }).port };
    }

    const table = x.tcpListenerTable;

    it.runIf(table === 'unsupported')('is unsupported', () => {
      expect(isUnsupportedError(thrownBy(() => backend.listTcpListeners(4, 80)))).toBe(true);
    });

    it.runIf(typeof table === 'object')(
      `fails from socket with ${typeof table === 'object' ? table.socketCode : ''}, leaving nothing open`,
      () => {
        const before = openList?.();
        expectSystemError(
          () => backend.listTcpListeners(4, 0),
          backend,
          typeof table === 'object' ? table.socketCode : '',
          'socket',
        );
        if (openList) expect(openList()).toEqual(before);
      },
    );

    describe.runIf(table === 'read')('on Linux', () => {
      const uid = process.geteuid?.() ?? -1;

      it('lists a listener on 127.0.0.1 once, with its descriptor inode and owner; not in the IPv6 table', async () => {
        const { server, port } = await listening('127.0.0.1');
        expect(backend.listTcpListeners(4, port)).toEqual([
          { family: 4, address: '127.0.0.1', port, uid, inode: inodeOf(server), ipv6Only: false },
        ]);
        expect(backend.listTcpListeners(6, port)).toEqual([]);
      });

      it.each([
        { host: '::1', ipv6Only: undefined, address: '::1', only: true },
        { host: '::', ipv6Only: true, address: '::', only: true },
        { host: '::', ipv6Only: false, address: '::', only: false },
        { host: '::ffff:127.0.0.1', ipv6Only: undefined, address: '::ffff:127.0.0.1', only: false },
      ])(
        'lists an IPv6 listener on $host (ipv6Only $ipv6Only) as $address, IPv6-only $only',
        async ({ host, ipv6Only, address, only }) => {
          const { server, port } = await listening(
            host,
            ipv6Only === undefined ? {} : { ipv6Only },
          );
          expect(backend.listTcpListeners(6, port)).toEqual([
            { family: 6, address, port, uid, inode: inodeOf(server), ipv6Only: only },
          ]);
          expect(backend.listTcpListeners(4, port)).toEqual([]);
        },
      );

      it("lists listeners only: a connection's ports are not there; port 0 lists every listener", async () => {
        const { server, port } = await listening('127.0.0.1');
        const client = connect(port, '127.0.0.1');
        await once(client, 'connect');
        try {
          expect(backend.listTcpListeners(4, client.localPort as number)).toEqual([]);
          const all = backend.listTcpListeners(4, 0);
          expect(all).toContainEqual(expect.objectContaining({ port, inode: inodeOf(server) }));
          expect(new Set(all.map((entry) => entry.inode)).size).toBe(all.length);
        } finally {
          client.destroy();
        }
      });

      it('agrees with /proc/net/tcp and /proc/net/tcp6; a closed listener is gone at once', async () => {
        const four = await listening('127.0.0.1');
        const six = await listening('::1');
        for (const [family, { port }] of [
          [4, four],
          [6, six],
        ] as const) {
          const listed = backend.listTcpListeners(family, port).map(({ uid, inode }) => ({
            uid,
            inode,
          }));
          expect(listed).toEqual(procListeners(family, port));
          expect(listed).toHaveLength(1);
        }
        await new Promise((resolve) => four.server.close(resolve));
        expect(backend.listTcpListeners(4, four.port)).toEqual([]);
      });

      it.runIf(uid === 0 && x.python !== null)(
        "reports another user's listener with that user's uid",
        async () => {
          const child = spawn(
            x.python as string,
            [
              '-c',
              'import socket,sys\ns=socket.socket()\ns.bind(("127.0.0.1",0))\ns.listen()\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()',
            ],
            { uid: OTHER_UID, gid: OTHER_UID, stdio: ['pipe', 'pipe', 'inherit'] },
          );
          try {
            const [first] = (await once(child.stdout, 'data')) as [Buffer];
            const port = Number(first.toString().trim());
            const [entry] = backend.listTcpListeners(4, port);
            expect(entry).toMatchObject({ address: '127.0.0.1', port, uid: OTHER_UID });
            expect(procListeners(4, port)).toEqual([{ uid: OTHER_UID, inode: entry?.inode }]);
          } finally {
            child.stdin.end();
            await once(child, 'exit');
          }
        },
      );

      it.runIf(openList !== null)('leaves no descriptor open, over many calls', async () => {
        const list = openList as () => number[];
        const { port } = await listening('127.0.0.1');
        const before = list();
        for (let i = 0; i < 200; i++) backend.listTcpListeners(i % 2 === 0 ? 4 : 6, port);
        expect(list()).toEqual(before);
      });
    });
  });
}
