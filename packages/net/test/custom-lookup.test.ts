/**
 * A custom `lookup` that answers without an address (Node's `test-net-dns-custom-lookup`
 * class): Node emits `'lookup'` with the missing address and reports `ERR_INVALID_IP_ADDRESS`
 * on the socket. loopfast's connect (the API with the fast path asked for, and the preload with
 * `--import` and `--require`) must do exactly the same, not throw from its own `'lookup'`
 * listener (which ended the process). Both ways a lookup is asked for: one address
 * (`autoSelectFamily: false`) and all of them (Node's default).
 *
 * No traffic: the lookup answers itself, and nothing listens on the port.
 */
import * as net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { connect } from '../src/index.js';
import { removeScripts, writeScript } from './support/agents.js';
import { dataOf, runScript } from './support/preload.js';
import { freshTemp, removeTemps } from './support/rendezvous.js';

afterAll(() => {
  removeTemps();
  removeScripts();
});

/** Connects with `connectFn` through a lookup without an address; resolves with what was seen. */
const OBSERVE = `
function lookupWithoutAddress(_hostname, options, callback) {
  setImmediate(() => {
    if (options.all) callback(null, [{ address: undefined, family: 4 }]);
    else callback(null, undefined, 4);
  });
}
function observe(connectFn, extra) {
  return new Promise((resolve) => {
    const seen = [];
    const socket = connectFn({ port: 9, host: 'localhost', lookup: lookupWithoutAddress, ...extra });
    socket.on('lookup', (error, address, family, host) => seen.push(['lookup', error, address ?? null, family, host]));
    socket.on('error', (error) => seen.push(['error', error.name, error.code, error.message]));
    socket.on('close', (hadError) => {
      seen.push(['close', hadError]);
      resolve(seen);
    });
  });
}
`;

const WAYS = [{}, { autoSelectFamily: false }];

type ConnectFn = (options: Record<string, unknown>) => net.Socket;

const observe = new Function(`${OBSERVE}; return observe;`)() as (
  connectFn: ConnectFn,
  extra: object,
) => Promise<unknown[]>;

describe('a custom lookup that answers without an address', () => {
  it.each(WAYS)('loopfast connect %o reports what node:net reports', async (extra) => {
    const reference = await observe(
      (options) => net.connect(options as unknown as net.NetConnectOpts),
      extra,
    );
    expect(reference).toContainEqual([
      'error',
      'TypeError',
      'ERR_INVALID_IP_ADDRESS',
      'Invalid IP address: undefined',
    ]);
    const subject = await observe(
      (options) => connect({ ...options, loopbackFastPath: true } as unknown as net.NetConnectOpts),
      extra,
    );
    expect(subject).toEqual(reference);
  });

  const SCRIPT = writeScript(
    'custom-lookup.cjs',
    `${OBSERVE}
const net = require('node:net');
(async () => {
  const results = [];
  for (const extra of ${JSON.stringify(WAYS)}) results.push(await observe(net.connect, extra));
  process.stdout.write(JSON.stringify({ event: 'result', data: { results, connect: net.connect.name } }) + '\\n');
})();
`,
  );

  it.each(['import', 'require'] as const)(
    'through the preload (--%s) as without it',
    async (flag) => {
      const tmp = freshTemp('lookup');
      const plain = dataOf<{ results: unknown[] }>(
        await runScript(SCRIPT, { tmp, preload: 'none' }),
        'result',
      );
      const run = await runScript(SCRIPT, { tmp, preload: flag });
      expect(run.code, run.stderr).toBe(0);
      const preloaded = dataOf<{ results: unknown[]; connect: string }>(run, 'result');
      expect(preloaded.connect).toBe('preloadConnect');
      expect(preloaded.results).toEqual(plain.results);
    },
  );
});
