/**
 * The published types, as a TypeScript user meets them: `tsc --strict` (TypeScript 5.9, the
 * workspace's) over every JavaScript example of the READMEs compiled as TypeScript, plus a file
 * of type-level checks, against the real `@types/node` and undici 6 and 7 (declaration files
 * checked too: no `skipLibCheck`). Each project is a directory of its own whose `node_modules`
 * links the built workspace packages, as an install would.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  allExamples,
  linkProject,
  tscPath,
  type UndiciVersion,
  undiciVersionOf,
} from './readme-blocks.js';

const projects: string[] = [];
afterAll(() => {
  for (const dir of projects) rmSync(dir, { recursive: true, force: true });
});

/** Type-level checks of the public API: each line compiles, or fails where it says it must. */
const TYPE_CHECKS = `import http from 'node:http';
import type { Server, Socket } from 'node:net';
import { isUnsupportedError, type UnsupportedError } from '@loopfast/core';
import {
  attachFastPath,
  connect,
  createConnection,
  createLoopfast,
  createServer,
  createUndiciConnector,
  FastPathAgent,
  type UndiciConnector,
} from '@loopfast/net';
import { Agent, buildConnector } from 'undici';

// The connector is undici's own connector type, and fits Agent({ connect }) and Client options.
const connector: buildConnector.connector = createUndiciConnector();
const typed: UndiciConnector = createUndiciConnector({ backend: 'ffi' });
const agent = new Agent({ connect: typed });
void connector;
void agent;

// attachFastPath returns the server's own type.
const httpServer: http.Server = attachFastPath(http.createServer(), { loopbackFastPath: true });
httpServer.closeAllConnections();
const bound: http.Server = createLoopfast({ loopbackFastPath: true }).attachFastPath(http.createServer());
void bound;

// isUnsupportedError narrows an unknown error.
export function describeError(error: unknown): string {
  if (!isUnsupportedError(error)) return 'other';
  const narrowed: UnsupportedError = error;
  return \`\${narrowed.code} \${narrowed.message} \${narrowed.errno ?? ''}\`;
}

// Every overload of connect, createConnection and createServer.
const sockets: Socket[] = [
  connect({ port: 1, host: '127.0.0.1', loopbackFastPath: true, backend: 'auto', optionPolicy: 'warn' }),
  connect(1, '127.0.0.1', () => {}),
  connect('/tmp/loopfast-example.sock'),
  createConnection({ port: 1, loopbackFastPath: true }, () => {}),
  createConnection(1),
];
const servers: Server[] = [
  createServer(),
  createServer((socket) => socket.end()),
  createServer({ loopbackFastPath: true, pauseOnConnect: true }, (socket) => socket.resume()),
];
const httpAgent: http.Agent = new FastPathAgent({ keepAlive: true, optionPolicy: 'allow' });
void sockets;
void servers;
void httpAgent;

// Mistakes the types catch.
// @ts-expect-error loopbackFastPath is a boolean
connect({ port: 1, loopbackFastPath: 1 });
// @ts-expect-error attachFastPath takes a net.Server
attachFastPath({});
// @ts-expect-error the backend names are 'napi', 'ffi' and 'auto'
createLoopfast({ backend: 'nap' });
// @ts-expect-error the policies are 'warn', 'throw' and 'allow'
createServer({ optionPolicy: 'loud' });
`;

/** CommonJS TypeScript: \`import x = require()\` of the ES module packages. */
const COMMONJS = `import net = require('@loopfast/net');
import core = require('@loopfast/core');

const server = net.createServer({ loopbackFastPath: true }, (socket) => socket.end());
const code: string = core.SIO_LOOPBACK_FAST_PATH.toString(16);
export = { server, code };
`;

interface Project {
  readonly module: 'nodenext' | 'node16' | 'preserve';
  readonly undici: UndiciVersion;
  /** The examples' and checks' file extension: `.mts` (an ES module under node*) or `.ts`. */
  readonly extension: '.mts' | '.ts';
  readonly examples: boolean;
  readonly commonjs: boolean;
}

/** Writes a project and runs `tsc -p` on it; returns tsc's exit code and output. */
function compile(project: Project): { status: number | null; output: string; files: string[] } {
  const dir = mkdtempSync(join(tmpdir(), `loopfast-types-${project.module}-`));
  projects.push(dir);
  linkProject(dir, project.undici);
  const files: string[] = [];
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    files.push(name);
  };
  if (project.examples) {
    for (const example of allExamples()) write(`${example.name}${project.extension}`, example.code);
    write(`type-checks${project.extension}`, TYPE_CHECKS);
  }
  if (project.commonjs) write('commonjs.cts', COMMONJS);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: 'es2022',
        lib: ['es2022'],
        module: project.module,
        ...(project.module === 'preserve' ? { moduleResolution: 'bundler' } : {}),
        types: ['node'],
        noEmit: true,
        skipLibCheck: false,
      },
      files,
    }),
  );
  const { NODE_PATH: _storePath, ...env } = process.env;
  const result = spawnSync(process.execPath, [tscPath, '-p', dir, '--pretty', 'false'], {
    cwd: dir,
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}`, files };
}

describe('tsc --strict over the READMEs and the public types', () => {
  it('finds the examples to compile', () => {
    expect(allExamples().length).toBeGreaterThanOrEqual(7);
  });

  for (const undici of ['undici', 'undici6'] as const) {
    it(`module nodenext, undici ${undiciVersionOf(undici)}: every example, the type checks and CommonJS (import = require) compile`, () => {
      const result = compile({
        module: 'nodenext',
        undici,
        extension: '.mts',
        examples: true,
        commonjs: true,
      });
      expect(result.output).toBe('');
      expect(result.status).toBe(0);
      expect(result.files).toContain('type-checks.mts');
    }, 60_000);
  }

  it(`moduleResolution bundler (module preserve), undici ${undiciVersionOf('undici')}: every example and the type checks compile`, () => {
    const result = compile({
      module: 'preserve',
      undici: 'undici',
      extension: '.ts',
      examples: true,
      commonjs: false,
    });
    expect(result.output).toBe('');
    expect(result.status).toBe(0);
  }, 60_000);

  it('module node16: ES module code compiles; import = require() of the packages is refused (TS1471), as the README says', () => {
    const result = compile({
      module: 'node16',
      undici: 'undici',
      extension: '.mts',
      examples: true,
      commonjs: true,
    });
    expect(result.status).not.toBe(0);
    const errors = result.output.trim().split('\n');
    expect(errors).toEqual([
      expect.stringMatching(/^commonjs\.cts\(1,\d+\): error TS1471: Module '@loopfast\/net' /),
      expect.stringMatching(/^commonjs\.cts\(2,\d+\): error TS1471: Module '@loopfast\/core' /),
    ]);
  }, 60_000);
});
