/**
 * A server's rendezvous closes with its TCP listener, however `close()` is reached: also when a
 * caller calls `net.Server.prototype.close` past loopfast's (ws's own tests put it back on a
 * server over a stand-in of their own). A Unix listener left open would keep the process alive.
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from '../src/index.js';
import { freshTemp, removeTemps } from './support/rendezvous.js';

afterAll(removeTemps);

/** The abstract rendezvous names /proc/net/unix lists for a listener on `port`. */
function rendezvousNames(port: number): string[] {
  return readFileSync('/proc/net/unix', 'latin1')
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[7] ?? '')
    .filter((path) => path.startsWith(`@loopfast/1/s/${port}/`));
}

const REGISTER = createRequire(import.meta.url).resolve('@loopfast/net/register');

describe.runIf(process.platform === 'linux')('the rendezvous closes with its TCP listener', () => {
  it('through the API, when net.Server.prototype.close is called past loopfast', async () => {
    const server = createServer({ loopbackFastPath: true });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    expect(rendezvousNames(port)).toHaveLength(1);
    Server.prototype.close.call(server);
    await once(server, 'close');
    expect(rendezvousNames(port)).toEqual([]);
  });

  it('through the preload, an HTTP server whose close was put back: the process exits by itself', () => {
    const tmp = freshTemp('close');
    const script = join(tmp, 'put-back.mjs');
    writeFileSync(
      script,
      `import http from 'node:http';
const server = http.createServer();
const realClose = server.close;
server.close = () => { throw new Error('a stand-in close'); };
server.listen(0, '127.0.0.1', () => {
  server.close = realClose;
  server.close(() => process.stdout.write('closed'));
});
`,
    );
    const { NODE_OPTIONS: _options, ...env } = process.env;
    for (const flag of ['--import', '--require']) {
      const result = spawnSync(process.execPath, [flag, REGISTER, script], {
        encoding: 'utf8',
        env: { ...env, TMPDIR: tmp },
        timeout: 15_000,
      });
      expect({ flag, signal: result.signal, status: result.status, out: result.stdout }).toEqual({
        flag,
        signal: null,
        status: 0,
        out: 'closed',
      });
    }
    rmSync(script);
  });
});
