/**
 * A host name whose lookup finds both families, with `autoSelectFamily` (Node's
 * `test-net-autoselectfamily`): Node tries the addresses in turn and lists each one it attempted
 * in `socket.autoSelectFamilyAttemptedAddresses`. Over the rendezvous the first address connects
 * at once, and the list must say so as Node's does when its first attempt succeeds: the API with
 * the fast path asked for, and the preload with `--import` and `--require`.
 *
 * The Windows route connects a name by one address (documented), so this is the rendezvous's.
 */
import * as net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, createServer, fastPathInfo } from '../src/index.js';
import { removeScripts, writeScript } from './support/agents.js';
import { dataOf, runScript } from './support/preload.js';
import { freshTemp, removeTemps } from './support/rendezvous.js';

afterAll(() => {
  removeTemps();
  removeScripts();
});

/** Connects with `connectFn` to `port` by a name found in both families; resolves with the list. */
const OBSERVE = `
function bothFamilies(_hostname, options, callback) {
  setImmediate(() => {
    if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }]);
    else callback(null, '127.0.0.1', 4);
  });
}
function observe(connectFn, port) {
  return new Promise((resolve, reject) => {
    const socket = connectFn({ port, host: 'both.test', lookup: bothFamilies, autoSelectFamily: true });
    socket.on('error', reject);
    socket.on('ready', () => {
      const attempted = socket.autoSelectFamilyAttemptedAddresses;
      socket.destroy();
      resolve(attempted === undefined ? null : attempted.map((entry) => entry.replace(':' + port, ':PORT')));
    });
  });
}
`;

const observe = new Function(`${OBSERVE}; return observe;`)() as (
  connectFn: (options: Record<string, unknown>) => net.Socket,
  port: number,
) => Promise<string[] | null>;

/** Listens on 127.0.0.1 with `server`, accepting and closing; returns the port. */
async function listen(server: net.Server): Promise<number> {
  server.on('connection', (socket: net.Socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

describe('autoSelectFamily with both families found', () => {
  it('loopfast connect over the rendezvous lists the address it connected to, as node:net', async () => {
    const plainServer = net.createServer();
    const reference = await observe(
      (options) => net.connect(options as unknown as net.NetConnectOpts),
      await listen(plainServer),
    );
    plainServer.close();
    expect(reference).toEqual(['127.0.0.1:PORT']);

    const server = createServer({ loopbackFastPath: true });
    const port = await listen(server);
    let socket: net.Socket | undefined;
    const subject = await observe((options) => {
      socket = connect({ ...options, loopbackFastPath: true } as unknown as net.NetConnectOpts);
      return socket;
    }, port);
    server.close();
    expect(socket && fastPathInfo(socket).mechanism).toBe('unix-rendezvous');
    expect(subject).toEqual(reference);
  });

  const SCRIPT = writeScript(
    'auto-select-family.cjs',
    `${OBSERVE}
const net = require('node:net');
const server = net.createServer((socket) => socket.end());
server.listen(0, '127.0.0.1', async () => {
  const attempted = await observe(net.connect, server.address().port);
  server.close();
  process.stdout.write(JSON.stringify({ event: 'result', data: { attempted, connect: net.connect.name } }) + '\\n');
});
`,
  );

  it.each(['import', 'require'] as const)(
    'through the preload (--%s) as without it',
    async (flag) => {
      const tmp = freshTemp('autoselect');
      const plain = dataOf<{ attempted: unknown }>(
        await runScript(SCRIPT, { tmp, preload: 'none' }),
        'result',
      );
      expect(plain.attempted).toEqual(['127.0.0.1:PORT']);
      const run = await runScript(SCRIPT, { tmp, preload: flag, env: { NODE_DEBUG: 'loopfast' } });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain('connected over the rendezvous');
      const preloaded = dataOf<{ attempted: unknown; connect: string }>(run, 'result');
      expect(preloaded.connect).toBe('preloadConnect');
      expect(preloaded.attempted).toEqual(plain.attempted);
    },
  );
});
