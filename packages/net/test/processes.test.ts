/**
 * Behaviour that needs a process of its own: no backend installed, the permission model,
 * `NODE_DEBUG=loopfast`, and the once-per-process warning.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const netDist = dirname(require.resolve('@loopfast/net'));
const coreDist = dirname(require.resolve('@loopfast/core'));
const work = mkdtempSync(join(tmpdir(), 'loopfast-net-processes-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A scenario: a fast-path server and client on 127.0.0.1 that exchange a line; prints JSON. */
function scenario(
  imports: string,
  connect: string,
  createServer: string,
  fastPathInfo: string,
): string {
  return `${imports}
import { once } from 'node:events';
const server = ${createServer}({ loopbackFastPath: true }, (socket) => socket.end('pong'));
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const client = ${connect}({ loopbackFastPath: true, port: server.address().port, host: '127.0.0.1' });
let reply = '';
client.setEncoding('utf8');
client.on('data', (chunk) => { reply += chunk; });
await once(client, 'close');
const info = (target) => { const { error, ...rest } = ${fastPathInfo}(target); return { ...rest, errorCode: error?.code ?? null }; };
process.stdout.write(JSON.stringify({ reply, server: info(server), client: info(client) }));
server.close();
`;
}

function run(script: string, args: string[] = [], env: Record<string, string> = {}) {
  const file = join(work, `scenario-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, script);
  // Package runners set NODE_PATH to their whole store; a user's process resolves normally.
  const { NODE_PATH: _storePath, ...inherited } = process.env;
  const result = spawnSync(process.execPath, [...args, file], {
    encoding: 'utf8',
    env: { ...inherited, ...env },
    timeout: 20_000,
  });
  return { ...result, json: () => JSON.parse(result.stdout) };
}

const publicScenario = (from: string) =>
  scenario(
    `import { connect, createServer, fastPathInfo } from ${JSON.stringify(from)};`,
    'connect',
    'createServer',
    'fastPathInfo',
  );

describe('in a process of its own', () => {
  it('with no backend installed: plain net behaviour, unsupported, and the reason', () => {
    // A copy of net and core alone, so neither @loopfast/napi nor @loopfast/ffi can be resolved.
    const modules = join(work, 'bare', 'node_modules', '@loopfast');
    for (const [name, dist] of [
      ['net', netDist],
      ['core', coreDist],
    ] as const) {
      mkdirSync(join(modules, name), { recursive: true });
      cpSync(dist, join(modules, name, 'dist'), { recursive: true });
      cpSync(join(dist, '..', 'package.json'), join(modules, name, 'package.json'));
    }
    const result = run(
      publicScenario(pathToFileURL(join(modules, 'net', 'dist', 'index.js')).href),
    );
    expect(result.status).toBe(0);
    const { reply, client, server } = result.json();
    expect(reply).toBe('pong');
    for (const info of [client, server]) {
      expect(info).toMatchObject({ requested: true, state: 'no-backend', backend: null });
      expect(info.reason).toBe(
        'no backend available: @loopfast/napi is not installed; @loopfast/ffi is not installed',
      );
    }
  });

  describe('under the permission model', () => {
    const flag = process.allowedNodeEnvironmentFlags.has('--permission')
      ? '--permission'
      : '--experimental-permission';
    const args = [flag, '--allow-fs-read=*'];

    it('connections work and the status gives the platform reason', () => {
      const result = run(publicScenario(pathToFileURL(join(netDist, 'index.js')).href), args);
      expect(result.status).toBe(0);
      const { reply, client } = result.json();
      expect(reply).toBe('pong');
      expect(client).toMatchObject({ requested: true, state: 'unsupported' });
    });

    it('on the Windows route, the tcp_wrap handoff is refused and the reason names it', () => {
      const url = (file: string) => JSON.stringify(pathToFileURL(join(netDist, file)).href);
      const script = scenario(
        `import { connectWith } from ${url('connect.js')};
import { createServerWith } from ${url('server.js')};
import { fastPathInfo } from ${url('status-record.js')};
const win32 = { platform: 'win32', backend: 'ffi' };`,
        '((options) => connectWith(win32, [options]))',
        '((options, listener) => createServerWith(win32, [options, listener]))',
        'fastPathInfo',
      );
      const result = run(script, args);
      expect(result.status).toBe(0);
      const { reply, client, server } = result.json();
      expect(reply).toBe('pong');
      for (const info of [client, server]) {
        expect(info).toMatchObject({
          state: 'unsupported',
          errorCode: 'ERR_LOOPFAST_HANDOFF_UNAVAILABLE',
        });
        expect(info.reason).toMatch(
          /process\.binding\('tcp_wrap'\) is unavailable \(ERR_ACCESS_DENIED: the permission model is on\)/,
        );
      }
    });
  });

  it('a CommonJS consumer can require() net and both backends and connect', () => {
    const file = join(work, 'consumer.cjs');
    writeFileSync(
      file,
      `const { connect, createServer, fastPathInfo } = require(${JSON.stringify(join(netDist, 'index.js'))});
const backends = [${JSON.stringify(require.resolve('@loopfast/ffi'))}, ${JSON.stringify(require.resolve('@loopfast/napi'))}].map((path) => require(path).backend);
const server = createServer({ loopbackFastPath: true }, (socket) => socket.end('cjs'));
server.listen(0, '127.0.0.1', () => {
  const client = connect({ port: server.address().port, host: '127.0.0.1', loopbackFastPath: true, backend: backends[1] });
  let reply = '';
  client.on('data', (chunk) => { reply += chunk; });
  client.on('close', () => {
    process.stdout.write(JSON.stringify({ reply, backends: backends.map((b) => b.name), state: fastPathInfo(client).state }));
    server.close();
  });
});
`,
    );
    const { NODE_PATH: _storePath, ...inherited } = process.env;
    const result = spawnSync(process.execPath, [file], {
      encoding: 'utf8',
      env: inherited,
      timeout: 20_000,
    });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      reply: 'cjs',
      backends: ['ffi', 'napi'],
      state: 'enabled',
    });
  });

  it('NODE_DEBUG=loopfast logs each decision', () => {
    const result = run(publicScenario(pathToFileURL(join(netDist, 'index.js')).href), [], {
      NODE_DEBUG: 'loopfast',
    });
    expect(result.status).toBe(0);
    const lines = result.stderr.split('\n').filter((line) => line.startsWith('LOOPFAST '));
    expect(
      lines.some((line) => / server enabled: listening on TCP and on the rendezvous /.test(line)),
    ).toBe(true);
    expect(lines.some((line) => / socket enabled: connected over the rendezvous /.test(line))).toBe(
      true,
    );
    expect(run(publicScenario(pathToFileURL(join(netDist, 'index.js')).href)).stderr).not.toMatch(
      /LOOPFAST /,
    );
  });

  describe("policy 'warn' (the default)", () => {
    const script = (imports: string, connect: string, createServer: string) => `${imports}
import { once } from 'node:events';
const warnings = [];
process.on('warning', (w) => warnings.push({ name: w.name, code: w.code }));
const server = ${createServer}({ loopbackFastPath: true }, (socket) => socket.end());
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const client = ${connect}({ loopbackFastPath: true, port: server.address().port, host: '127.0.0.1' });
await once(client, 'connect');
const results = [client.setNoDelay(true) === client, client.setNoDelay(true) === client, client.setKeepAlive(true) === client];
client.resume();
await once(client, 'close');
await new Promise((resolve) => setImmediate(resolve));
process.stdout.write(JSON.stringify({ results, warnings }));
server.close();
`;

    it('on the Windows route emits one process warning per option, with a code, and lets the call through', () => {
      const url = (file: string) => JSON.stringify(pathToFileURL(join(netDist, file)).href);
      const result = run(
        script(
          `import { connectWith } from ${url('connect.js')};
import { createServerWith } from ${url('server.js')};
const win32 = { platform: 'win32', backend: 'ffi' };`,
          '((options) => connectWith(win32, [options]))',
          '((options, listener) => createServerWith(win32, [options, listener]))',
        ),
      );
      expect(result.status).toBe(0);
      expect(result.json()).toEqual({
        results: [true, true, true],
        warnings: [
          { name: 'LoopfastWarning', code: 'LOOPFAST_UNSUPPORTED_OPTION' },
          { name: 'LoopfastWarning', code: 'LOOPFAST_UNSUPPORTED_OPTION' },
        ],
      });
      expect(result.stderr).toMatch(
        /TCP_NODELAY \(socket\.setNoDelay\(\) \/ \{ noDelay \}\) is not among the socket options/,
      );
      expect(result.stderr).toMatch(/SO_KEEPALIVE/);
    });

    it.runIf(process.platform !== 'win32')(
      'is silent over the rendezvous, whose Unix socket ignores TCP options harmlessly',
      () => {
        const result = run(
          script(
            `import { connect, createServer } from ${JSON.stringify(pathToFileURL(join(netDist, 'index.js')).href)};`,
            'connect',
            'createServer',
          ),
        );
        expect(result.status).toBe(0);
        expect(result.json()).toEqual({ results: [true, true, true], warnings: [] });
      },
    );
  });
});
