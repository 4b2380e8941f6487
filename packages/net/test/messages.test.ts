/**
 * What a user reads first when something is off: the warning for a `LOOPFAST_BACKEND` that names
 * no backend, the `NODE_DEBUG=loopfast` lines, argument errors thrown where the mistake is made,
 * and the status of a backend that could not load. Behaviour that happens once per process is
 * checked in a process of its own.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoopfastError, LoopfastErrorCode } from '@loopfast/core';
import { backend as ffi } from '@loopfast/ffi';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseBackend } from '../src/backend-choice.js';
import {
  attachFastPath,
  createLoopfast,
  createUndiciConnector,
  FastPathAgent,
  UNKNOWN_BACKEND_WARNING,
  UNKNOWN_ENV_VALUE_WARNING,
  UNKNOWN_ENV_WARNING,
} from '../src/index.js';
import { statuses } from '../src/status-catalog.js';

const netEntry = createRequire(import.meta.url).resolve('@loopfast/net');
const work = mkdtempSync(join(tmpdir(), 'loopfast-net-messages-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs an ES module in a fresh Node process; its stdout is JSON. */
function run(script: string, options: { args?: string[]; env?: Record<string, string> } = {}) {
  const file = join(work, `script-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, script);
  // Package runners set NODE_PATH to their whole store; a user's process resolves normally.
  const {
    NODE_PATH: _storePath,
    NODE_DEBUG: _debug,
    LOOPFAST_BACKEND: _backend,
    LOOPFAST_DISABLE: _disable,
    ...env
  } = process.env;
  const result = spawnSync(process.execPath, [...(options.args ?? []), file], {
    encoding: 'utf8',
    env: { ...env, ...options.env },
    timeout: 20_000,
  });
  return { ...result, json: () => JSON.parse(result.stdout) };
}

/**
 * A fast-path server and two fast-path clients on 127.0.0.1, collecting process warnings;
 * prints the replies, the warnings and the statuses. `backend` is the option both sides pass.
 */
const exchange = (backend = 'auto') => `
import { once } from 'node:events';
import { connect, createServer, fastPathInfo } from ${JSON.stringify(netEntry)};
const warnings = [];
process.on('warning', (w) => warnings.push({ name: w.name, code: w.code, message: w.message }));
const backend = ${JSON.stringify(backend)};
const server = createServer({ loopbackFastPath: true, backend }, (socket) => socket.end('pong'));
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const info = (target) => { const { error, ...rest } = fastPathInfo(target); return { ...rest, errorCode: error?.code ?? null }; };
const replies = [];
let client;
for (let i = 0; i < 2; i++) {
  client = connect({ loopbackFastPath: true, backend, port: server.address().port, host: '127.0.0.1' });
  let reply = '';
  client.setEncoding('utf8');
  client.on('data', (chunk) => { reply += chunk; });
  await once(client, 'close');
  replies.push(reply);
}
await new Promise((resolve) => setImmediate(resolve));
process.stdout.write(JSON.stringify({ replies, warnings, server: info(server), client: info(client) }));
server.close();
`;

describe('LOOPFAST_BACKEND', () => {
  it('names a backend in any case, with or without surrounding spaces; auto is the default order', () => {
    expect(chooseBackend('auto', { LOOPFAST_BACKEND: 'FFI' }).backend?.name).toBe('ffi');
    expect(chooseBackend('auto', { LOOPFAST_BACKEND: 'Napi' }).backend?.name).toBe('napi');
    expect(chooseBackend('auto', { LOOPFAST_BACKEND: ' ffi ' }).backend?.name).toBe('ffi');
    expect(chooseBackend('auto', { LOOPFAST_BACKEND: 'AUTO' }).backend?.name).toBe('napi');
    expect(chooseBackend('auto', { LOOPFAST_BACKEND: '' }).backend?.name).toBe('napi');
  });

  it('FFI (upper case) picks the ffi backend, silently', () => {
    const result = run(exchange(), { env: { LOOPFAST_BACKEND: 'FFI' } });
    expect(result.status, result.stderr).toBe(0);
    const { replies, warnings, client, server } = result.json();
    expect(replies).toEqual(['pong', 'pong']);
    expect(warnings).toEqual([]);
    expect(client).toMatchObject({ state: 'enabled', backend: 'ffi' });
    expect(server).toMatchObject({ state: 'enabled', backend: 'ffi' });
  });

  it('a value that names no backend gives one process warning with a code, and the reason', () => {
    const result = run(exchange(), { env: { LOOPFAST_BACKEND: 'bogus' } });
    expect(result.status, result.stderr).toBe(0);
    const { replies, warnings, client } = result.json();
    // The connections still work, on the normal path.
    expect(replies).toEqual(['pong', 'pong']);
    // One warning for a server and two clients.
    expect(warnings).toEqual([
      {
        name: 'LoopfastWarning',
        code: UNKNOWN_BACKEND_WARNING,
        message:
          'LOOPFAST_BACKEND="bogus" names no loopfast backend: use napi, ffi or auto (in any case), or leave it empty. Until then, connections that ask for the fast path use the normal path.',
      },
    ]);
    expect(UNKNOWN_BACKEND_WARNING).toBe('LOOPFAST_UNKNOWN_BACKEND');
    expect(result.stderr).toContain('[LOOPFAST_UNKNOWN_BACKEND] LoopfastWarning');
    expect(client).toMatchObject({
      state: 'no-backend',
      backend: null,
      reason: 'LOOPFAST_BACKEND=bogus names no backend (use napi, ffi or auto)',
    });
  });
});

describe('the LOOPFAST_ environment through the API', () => {
  const registerEntry = createRequire(import.meta.url).resolve('@loopfast/net/register');

  it('unknown variables give one warning naming them and the ones loopfast reads; nothing else changes', () => {
    const result = run(exchange(), { env: { LOOPFAST_DISABEL: '1', LOOPFAST_BACKNED: 'ffi' } });
    expect(result.status, result.stderr).toBe(0);
    const { replies, warnings, client } = result.json();
    expect(replies).toEqual(['pong', 'pong']);
    expect(warnings).toEqual([
      {
        name: 'LoopfastWarning',
        code: UNKNOWN_ENV_WARNING,
        message:
          'unknown loopfast environment variables LOOPFAST_BACKNED, LOOPFAST_DISABEL: loopfast reads LOOPFAST_BACKEND, LOOPFAST_DISABLE and LOOPFAST_RENDEZVOUS only, so these have no effect.',
      },
    ]);
    expect(UNKNOWN_ENV_WARNING).toBe('LOOPFAST_UNKNOWN_ENV');
    expect(client).toMatchObject({ state: 'enabled', backend: 'napi' });
  });

  it('a value of LOOPFAST_DISABLE it does not know gives one warning with the accepted values; the kill switch stays off', () => {
    const result = run(exchange(), { env: { LOOPFAST_DISABLE: 'maybe' } });
    expect(result.status, result.stderr).toBe(0);
    const { replies, warnings, client, server } = result.json();
    expect(replies).toEqual(['pong', 'pong']);
    expect(warnings).toEqual([
      {
        name: 'LoopfastWarning',
        code: UNKNOWN_ENV_VALUE_WARNING,
        message:
          'LOOPFAST_DISABLE="maybe" is not a value loopfast knows, so the kill switch stays off: 1, true, yes, on turn it on; 0, false, no, off or empty leave it off (in any case).',
      },
    ]);
    expect(UNKNOWN_ENV_VALUE_WARNING).toBe('LOOPFAST_UNKNOWN_ENV_VALUE');
    expect(result.stderr).toContain('[LOOPFAST_UNKNOWN_ENV_VALUE] LoopfastWarning');
    expect(client).toMatchObject({ state: 'enabled' });
    expect(server).toMatchObject({ state: 'enabled' });
  });

  it('a value of LOOPFAST_RENDEZVOUS it does not know gives one warning with the accepted values; the default place serves', () => {
    const result = run(exchange(), { env: { LOOPFAST_RENDEZVOUS: 'files' } });
    expect(result.status, result.stderr).toBe(0);
    const { replies, warnings, client } = result.json();
    expect(replies).toEqual(['pong', 'pong']);
    expect(warnings).toEqual([
      {
        name: 'LoopfastWarning',
        code: UNKNOWN_ENV_VALUE_WARNING,
        message:
          'LOOPFAST_RENDEZVOUS="files" is not a value loopfast knows, so the platform\'s default place is used: abstract or file.',
      },
    ]);
    expect(client).toMatchObject({
      state: 'enabled',
      reason: expect.stringMatching(/^connected over the rendezvous @loopfast\/1\/s\//),
    });
  });

  it.each([
    ['Yes', 'disabled'],
    [' ON ', 'disabled'],
    ['1', 'disabled'],
    ['0', 'enabled'],
    ['Off', 'enabled'],
    ['', 'enabled'],
  ])('LOOPFAST_DISABLE=%j is known: no warning, the client reads %s', (value, state) => {
    const result = run(exchange(), { env: { LOOPFAST_DISABLE: value } });
    expect(result.status, result.stderr).toBe(0);
    const { replies, warnings, client } = result.json();
    expect(replies).toEqual(['pong', 'pong']);
    expect(warnings).toEqual([]);
    expect(client).toMatchObject({ state });
  });

  it('under the preload too, once per process for the preload and the API together', () => {
    const script = `
import { once } from 'node:events';
import net from 'node:net';
import { connect, fastPathInfo } from ${JSON.stringify(netEntry)};
const server = net.createServer((socket) => socket.end('pong'));
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const states = [];
for (const client of [
  net.connect(server.address().port, '127.0.0.1'),
  connect({ port: server.address().port, host: '127.0.0.1', loopbackFastPath: true }),
]) {
  client.resume();
  await once(client, 'close');
  states.push(fastPathInfo(client).state);
}
await new Promise((resolve) => setImmediate(resolve));
process.stdout.write(JSON.stringify({ states }));
server.close();
`;
    const result = run(script, {
      args: ['--import', registerEntry],
      env: { LOOPFAST_DISABLE: 'maybe', LOOPFAST_DISABEL: '1' },
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.json()).toEqual({ states: ['enabled', 'enabled'] });
    // The preload warns as it loads, before the program could listen: Node prints each warning.
    const codes = [...result.stderr.matchAll(/\[(LOOPFAST_\w+)\] LoopfastWarning/g)].map(
      ([, code]) => code,
    );
    expect(codes).toEqual([UNKNOWN_ENV_WARNING, UNKNOWN_ENV_VALUE_WARNING]);
  });
});

describe('NODE_DEBUG=loopfast', () => {
  it('logs each decision once: one server is pending once (naming no backend yet), then enabled', () => {
    const result = run(
      `
import { once } from 'node:events';
import { createServer } from ${JSON.stringify(netEntry)};
const server = createServer({ loopbackFastPath: true });
server.listen(0, '127.0.0.1');
await once(server, 'listening');
server.close();
`,
      { env: { NODE_DEBUG: 'loopfast' } },
    );
    expect(result.status, result.stderr).toBe(0);
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('LOOPFAST '));
    const pending = lines.filter((line) => line.endsWith(' server pending: not listening yet'));
    expect(pending).toHaveLength(1);
    // A backend is used: no line says there is none.
    expect(lines.filter((line) => line.includes('no backend'))).toEqual([]);
    expect(
      lines.filter((line) => / server enabled: listening on TCP and on the rendezvous /.test(line)),
    ).toHaveLength(process.platform === 'win32' ? 0 : 1);
  });
});

describe('options are checked where they are given', () => {
  const code = (call: () => unknown) => {
    try {
      call();
    } catch (error) {
      return {
        name: (error as Error).name,
        code: (error as { code?: string }).code,
        message: (error as Error).message,
      };
    }
    return null;
  };

  it("createLoopfast refuses wrong defaults at once, with Node's codes and the option's name", () => {
    expect(code(() => createLoopfast({ loopbackFastPath: 1 as unknown as boolean }))).toEqual({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_TYPE',
      message:
        'The "defaults.loopbackFastPath" argument must be of type boolean. Received type number (1)',
    });
    expect(code(() => createLoopfast({ backend: 'nap' as 'napi' }))).toMatchObject({
      name: 'TypeError',
      code: 'ERR_INVALID_ARG_VALUE',
    });
    expect(code(() => createLoopfast({ backend: {} as never }))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    expect(code(() => createLoopfast({ optionPolicy: 'loud' as 'warn' }))).toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
    });
    expect(code(() => createLoopfast('fast' as never))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
      message: expect.stringContaining('"defaults"'),
    });
    expect(code(() => createLoopfast(null as never))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    expect(
      code(() => createLoopfast({ backend: ffi, loopbackFastPath: true, optionPolicy: 'allow' })),
    ).toBeNull();
    expect(code(() => createLoopfast())).toBeNull();
  });

  it('the agent and the undici connector refuse them when made, not at the first request', () => {
    expect(code(() => new FastPathAgent({ loopbackFastPath: 'yes' as never }))).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
      message: expect.stringContaining('"options.loopbackFastPath"'),
    });
    expect(code(() => createUndiciConnector({ optionPolicy: 'never' as never }))).toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
    });
    expect(
      code(() => createLoopfast().createHttpAgent({ backend: 'rust' as never })),
    ).toMatchObject({
      code: 'ERR_INVALID_ARG_VALUE',
    });
  });

  it('attachFastPath refuses what is not a net.Server with a coded TypeError', () => {
    for (const notServer of [{}, null, undefined, 'server', new http.Agent()]) {
      expect(
        code(() => attachFastPath(notServer as never, { loopbackFastPath: true })),
      ).toMatchObject({
        name: 'TypeError',
        code: 'ERR_INVALID_ARG_TYPE',
        message: expect.stringContaining('The "server" argument must be an instance of net.Server'),
      });
    }
    expect(
      code(() => createLoopfast({ loopbackFastPath: true }).attachFastPath({} as never)),
    ).toMatchObject({
      code: 'ERR_INVALID_ARG_TYPE',
    });
    // The server itself comes back, with its own type.
    const server = http.createServer();
    const attached: http.Server = attachFastPath(server, { loopbackFastPath: true });
    expect(attached).toBe(server);
    expect(typeof attached.closeAllConnections).toBe('function');
  });
});

describe('a backend that could not load', () => {
  it('is not named as the status backend; a loaded one that failed is', () => {
    const unavailable = new LoopfastError(LoopfastErrorCode.BACKEND_UNAVAILABLE, 'no addon here');
    expect(statuses.unavailable(unavailable, 'napi')).toMatchObject({
      state: 'unsupported',
      backend: null,
      reason: 'no addon here',
      error: unavailable,
    });
    expect(statuses.cannotMakeSocket(unavailable, true, 'napi')).toMatchObject({
      state: 'unsupported',
      backend: null,
    });
    // Loaded, and the runtime refused the handoff: the backend took part.
    const handoff = new LoopfastError('ERR_LOOPFAST_HANDOFF_UNAVAILABLE', 'no tcp_wrap');
    expect(statuses.unavailable(handoff, 'napi').backend).toBe('napi');
    const failed = Object.assign(new Error('EMFILE'), { code: 'EMFILE' });
    expect(statuses.cannotMakeSocket(failed, false, 'ffi')).toMatchObject({
      state: 'failed',
      backend: 'ffi',
    });
  });

  describe.runIf(process.platform !== 'win32')(
    'under the permission model (no --allow-addons)',
    () => {
      const flag = process.allowedNodeEnvironmentFlags.has('--permission')
        ? '--permission'
        : '--experimental-permission';

      it.each(['napi', 'ffi', 'auto'])(
        'backend %s: the status names the real cause, and TCP carries on',
        (backend) => {
          // A rendezvous directory of its own that the sandboxed process may write, so its server
          // serves the rendezvous and its client reaches the backend, which cannot load.
          const runtime = mkdtempSync(join(work, 'runtime-'));
          const result = run(exchange(backend), {
            args: [flag, '--allow-fs-read=*', `--allow-fs-write=${runtime}/*`],
            env: { XDG_RUNTIME_DIR: runtime },
          });
          expect(result.status, result.stderr).toBe(0);
          const { replies, client } = result.json();
          expect(replies).toEqual(['pong', 'pong']);
          expect(client).toMatchObject({
            requested: true,
            state: 'unsupported',
            backend: null,
            errorCode: 'ERR_LOOPFAST_BACKEND_UNAVAILABLE',
          });
          expect(client.reason).toContain("Node's permission model forbids native addons");
          expect(client.reason).toContain('--allow-addons');
          expect(client.reason).not.toMatch(/C\+\+ toolchain|binary package/);
          expect(client.reason).toMatch(
            backend === 'ffi' ? /^the ffi backend/ : /^@loopfast\/napi: /,
          );
        },
      );
    },
  );
});
