/**
 * The kill switch and the rendezvous: with LOOPFAST_DISABLE on in a process, every fast-path
 * request there is `disabled`, connections are Node's own TCP, and nothing is made on disk.
 */
import { readdirSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { removeScripts, startAgent, stopAll } from './support/agents.js';
import { freshTemp, removeTemps } from './support/rendezvous.js';

const KILLED = {
  requested: true,
  state: 'disabled',
  mechanism: null,
  reason: 'turned off by the kill switch LOOPFAST_DISABLE',
  error: null,
  backend: null,
};

interface Info {
  readonly state: string;
  readonly reason: string;
}

afterEach(stopAll);
afterAll(() => {
  removeTemps();
  removeScripts();
});

/** Agent code: a fast-path net server and HTTP server, and a client of each; every status. */
const EVERYTHING = `
  const server = L.createServer(FAST, (socket) => socket.end(JSON.stringify(info(socket))));
  const port = await listen(server, 0, '127.0.0.1');
  const client = L.connect({ ...FAST, port, host: '127.0.0.1' });
  client.end();
  const reply = await drain(client);
  const web = L.attachFastPath(http.createServer((request, response) =>
    response.end(JSON.stringify(info(request.socket)))), { loopbackFastPath: true });
  const webPort = await listen(web, 0, '127.0.0.1');
  const agent = new lf.FastPathAgent({ backend });
  const response = await get({ host: '127.0.0.1', port: webPort, path: '/', agent });
  const agentSocket = info(response.socket);
  agent.destroy();
  const result = {
    server: info(server), client: info(client), accepted: JSON.parse(reply.text),
    web: info(web), agentSocket, request: JSON.parse(response.text), port,
  };
  await closeServer(server);
  await closeServer(web);
  return result;`;

describe.runIf(process.platform === 'linux')('the kill switch LOOPFAST_DISABLE', () => {
  it.each(['1', 'on', ' TRUE '])(
    '=%j: every request is disabled, TCP carries the data, nothing is made on disk',
    async (value) => {
      const tmp = freshTemp('kill');
      const agent = await startAgent({ tmp, backend: 'napi', env: { LOOPFAST_DISABLE: value } });
      const result = await agent.run<Record<string, unknown>>(EVERYTHING);
      for (const name of ['server', 'client', 'accepted', 'web', 'agentSocket', 'request']) {
        expect(result[name], name).toEqual(KILLED);
      }
      expect(readdirSync(tmp)).toEqual([]);
      expect(agent.troubles()).toEqual([]);
    },
  );

  it('=0 leaves the fast path on', async () => {
    const tmp = freshTemp('kill-off');
    const agent = await startAgent({ tmp, backend: 'napi', env: { LOOPFAST_DISABLE: '0' } });
    const result = await agent.run<Record<string, Info> & { port: number }>(EVERYTHING);
    for (const name of ['server', 'client', 'accepted', 'web', 'agentSocket', 'request']) {
      expect(result[name]?.state, name).toBe('enabled');
    }
    expect(result.client?.reason).toMatch(
      new RegExp(`^connected over the rendezvous @loopfast/1/s/${result.port}/\\d+/4/$`),
    );
  });

  it('a client process with the switch on, a fast-path server process without it: TCP both ways', async () => {
    const tmp = freshTemp('kill-client');
    const server = await startAgent({ tmp, backend: 'napi' });
    const { port, info } = await server.run<{ port: number; info: Info }>(`
      const server = L.createServer(FAST, (socket) => socket.end(JSON.stringify(info(socket))));
      state.server = server;
      return { port: await listen(server, 0, '127.0.0.1'), info: info(server) };`);
    expect(info.state).toBe('enabled');
    const client = await startAgent({ tmp, backend: 'napi', env: { LOOPFAST_DISABLE: '1' } });
    const result = await client.run<{ info: unknown; accepted: Info }>(`
      const socket = L.connect({ ...FAST, port: ${port}, host: '127.0.0.1' });
      socket.end();
      const read = await drain(socket);
      return { info: info(socket), accepted: JSON.parse(read.text) };`);
    expect(result.info).toEqual(KILLED);
    expect(result.accepted.state).toBe('no-fast-peer');
    expect(result.accepted.reason).toMatch(/^accepted over TCP: /);
  });
});
