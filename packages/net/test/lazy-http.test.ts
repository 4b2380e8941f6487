/**
 * Importing `@loopfast/net` does not load Node's HTTP or TLS stacks: only `FastPathAgent` needs
 * `node:http` (and the TLS helpers `node:tls` / `node:https`), loaded at first use. Checked in
 * fresh processes, by Node's own list of the built-in modules it has loaded
 * (`process.moduleLoadList`).
 */
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FastPathAgent, fastPathInfo } from '../src/index.js';

const netEntry = createRequire(import.meta.url).resolve('@loopfast/net');

/** The built-in HTTP and TLS modules loaded so far, as `process.moduleLoadList` names them. */
const HTTP_MODULES = `process.moduleLoadList.filter((m) => /^NativeModule (_http_|http|https|http2|tls|_tls_)/.test(m))`;

function run(args: string[]): unknown {
  const { NODE_PATH: _storePath, ...env } = process.env;
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', env, timeout: 20_000 });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

describe('node:http is loaded lazily', () => {
  it('an ES module import of @loopfast/net loads no HTTP module; the first FastPathAgent does', () => {
    const result = run([
      '--input-type=module',
      '-e',
      `const net = await import(${JSON.stringify(netEntry)});
const afterImport = ${HTTP_MODULES};
const server = net.createServer({ loopbackFastPath: true });
const afterServer = ${HTTP_MODULES};
const agent = new net.FastPathAgent();
const afterAgent = ${HTTP_MODULES};
process.stdout.write(JSON.stringify({ afterImport, afterServer, afterAgent }));`,
    ]) as Record<string, string[]>;
    expect(result.afterImport).toEqual([]);
    expect(result.afterServer).toEqual([]);
    expect(result.afterAgent).toContain('NativeModule http');
    expect(result.afterAgent).toContain('NativeModule _http_agent');
  });

  it('so does require() from CommonJS', () => {
    const result = run([
      '-e',
      `const net = require(${JSON.stringify(netEntry)});
process.stdout.write(JSON.stringify({ loaded: ${HTTP_MODULES}, agent: typeof net.FastPathAgent }));`,
    ]) as { loaded: string[]; agent: string };
    expect(result).toEqual({ loaded: [], agent: 'function' });
  });
});

describe('FastPathAgent, built on the lazily loaded http.Agent', () => {
  it('is an http.Agent, keeps its options, and can be subclassed', () => {
    class NamedAgent extends FastPathAgent {
      readonly label = 'mine';
      describe(): string {
        return `${this.label}:${this.maxSockets}`;
      }
    }
    const agent = new NamedAgent({ keepAlive: true, maxSockets: 3 });
    expect(agent).toBeInstanceOf(http.Agent);
    expect(agent).toBeInstanceOf(FastPathAgent);
    expect(agent).toBeInstanceOf(NamedAgent);
    expect(agent.describe()).toBe('mine:3');
    expect((agent as unknown as { keepAlive: boolean }).keepAlive).toBe(true);
    // Statics come from http.Agent too.
    const statics = (agentClass: object) =>
      (agentClass as { defaultMaxSockets?: number }).defaultMaxSockets;
    expect(statics(FastPathAgent)).toBe(statics(http.Agent));
    expect(statics(FastPathAgent)).toBe(Number.POSITIVE_INFINITY);
    agent.destroy();
  });

  it('carries requests over loopfast connections', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    // A plain server: the agent's client socket reports why it went over TCP.
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    const agent = new FastPathAgent({ optionPolicy: 'allow' });
    try {
      const { body, socket } = await new Promise<{ body: string; socket: Socket }>(
        (resolve, reject) => {
          http
            .get({ host: '127.0.0.1', port, agent }, (res) => {
              let body = '';
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => {
                body += chunk;
              });
              res.on('end', () => resolve({ body, socket: res.socket as Socket }));
            })
            .on('error', reject);
        },
      );
      expect(body).toBe('ok');
      expect(fastPathInfo(socket).requested).toBe(true);
    } finally {
      agent.destroy();
      server.close();
    }
  });
});
