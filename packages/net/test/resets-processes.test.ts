/**
 * Resets over the rendezvous between two processes, where no peer in the same process can help
 * (the parity table covers a client and a server in one process): what a client sees when its
 * server, in another process, calls `resetAndDestroy()` or is killed, with the client's data
 * unread there or not. Linux gives the peer of a Unix socket `ECONNRESET` only when the socket
 * closes with unread data, as TCP resets a connection closed with unread data; with nothing
 * unread, a reset from another process reaches the client as a clean end, the exception the
 * README and docs/how-it-works.md ("Resets") document. Each case runs over TCP too (a plain
 * server), the reference for what the rendezvous gives.
 */
import type { Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createLoopfast, fastPathInfo } from '../src/index.js';
import { childEnv, NET_URL, Proc, removeScripts, stopAll, writeScript } from './support/agents.js';
import { freshTemp, removeTemps } from './support/rendezvous.js';

/**
 * A server that says `ready` with its port and `accepted` with each connection's mechanism;
 * `reset` resets each connection 100 ms after accepting it; `unread` leaves what clients send
 * unread (`pauseOnConnect`).
 */
const SERVER = writeScript(
  'reset-server.mjs',
  `
import { createLoopfast, fastPathInfo } from ${JSON.stringify(NET_URL)};
const [backend, fastPath, action, data] = process.argv.slice(2);
const say = (event, value) => console.log(JSON.stringify({ event, data: value }));
const L = createLoopfast({ backend });
const server = L.createServer(
  { loopbackFastPath: fastPath === 'fast', pauseOnConnect: data === 'unread' },
  (socket) => {
    socket.on('error', () => {});
    say('accepted', fastPathInfo(socket).mechanism);
    if (action === 'reset') setTimeout(() => socket.resetAndDestroy(), 100);
  },
);
server.listen(0, '127.0.0.1', () => say('ready', server.address().port));
`,
);

const tmp = freshTemp('resets');

afterAll(async () => {
  await stopAll();
  removeScripts();
  removeTemps();
});

type Action = 'reset' | 'kill';
/** Whether the client sends data the server leaves unread (`unread`) or sends nothing (`none`). */
type Data = 'unread' | 'none';

/**
 * What a client of a server process that resets or is killed sees: its events, and the
 * mechanism its server accepted the connection over.
 */
async function clientView(
  backend: 'ffi' | 'napi',
  fastPath: boolean,
  action: Action,
  data: Data,
): Promise<{ events: string[]; accepted: unknown }> {
  const server = new Proc(
    process.execPath,
    [SERVER, backend, fastPath ? 'fast' : 'tcp', action, data],
    { env: childEnv(tmp), killAfterMs: 30_000 },
  );
  try {
    const port = await server.event<number>('ready');
    const L = createLoopfast({ backend });
    const socket: Socket = L.connect({ port, host: '127.0.0.1', loopbackFastPath: fastPath });
    const events: string[] = [];
    socket.on('connect', () => {
      if (data === 'unread') socket.write('never read');
    });
    socket.on('end', () => events.push('end'));
    socket.on('error', (error: NodeJS.ErrnoException) =>
      events.push(`error ${error.code} (${error.syscall})`),
    );
    // Not `once`: it rejects on the `'error'` these cases expect.
    const closed = new Promise((resolve) => socket.once('close', resolve));
    const accepted = await server.event('accepted');
    if (action === 'kill') {
      // Time for the client's data to reach the server's receive queue.
      await new Promise((resolve) => setTimeout(resolve, 100));
      await server.kill('SIGKILL');
    }
    await closed;
    expect(fastPathInfo(socket).mechanism).toBe(fastPath ? 'unix-rendezvous' : null);
    return { events, accepted };
  } finally {
    await server.kill();
  }
}

// The kernel's rule is Linux's (the file rendezvous of other systems is not measured).
describe.runIf(process.platform === 'linux').each(['ffi', 'napi'] as const)(
  'resets between processes (%s backend)',
  (backend) => {
    it.each([
      ['reset', 'unread', ['error ECONNRESET (read)']],
      ['kill', 'unread', ['error ECONNRESET (read)']],
      ['kill', 'none', ['end']],
    ] as const)(
      "a server process's %s, the client's data in its receive queue: %s; the client sees %j, as over TCP",
      async (action, data, expected) => {
        const tcp = await clientView(backend, false, action, data);
        expect(tcp).toEqual({ events: expected, accepted: null });
        const rendezvous = await clientView(backend, true, action, data);
        expect(rendezvous).toEqual({ events: expected, accepted: 'unix-rendezvous' });
      },
      30_000,
    );

    it("the documented exception: a server process's reset with nothing unread ends the client's stream, where TCP resets it", async () => {
      const tcp = await clientView(backend, false, 'reset', 'none');
      expect(tcp.events).toEqual(['error ECONNRESET (read)']);
      const rendezvous = await clientView(backend, true, 'reset', 'none');
      expect(rendezvous).toEqual({ events: ['end'], accepted: 'unix-rendezvous' });
    }, 30_000);
  },
);
