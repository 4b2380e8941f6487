/**
 * The documents a contributor and a user read stay true to the code: the error-code table of
 * ARCHITECTURE.md names every code the sources define and gives each the meaning its constant's
 * doc comment gives, source comments point only to files in the repository, relative links
 * resolve, README headings keep their words in the API reference's table of contents (typedoc
 * drops code spans there), the API functions are declared as functions, and the README's
 * `error` row of the status object says what `fastPathInfo` does.
 *
 * Needs `pnpm build` first (the declarations and the built packages are read).
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import {
  connect as netConnect,
  createServer as netCreateServer,
  type Server,
  Socket,
} from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { backend as napi } from '@loopfast/napi';
import { afterAll, describe, expect, it } from 'vitest';
import { connectWith } from '../src/connect.js';
import { createServerWith } from '../src/server.js';
import { type FastPathInfo, type FastPathState, fastPathInfo } from '../src/status-record.js';
import { GUIDES, READMES, repoRoot } from './readme-blocks.js';

/** Every file under `dir` (relative to the repository) whose name matches `pattern`. */
function filesUnder(dir: string, pattern: RegExp): string[] {
  const root = join(repoRoot, dir);
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true }).flatMap((entry) => {
    if (['node_modules', 'dist', 'build', 'prebuilds', '.cache'].includes(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(path, pattern);
    return pattern.test(entry.name) ? [path] : [];
  });
}

const PACKAGE_DIRS = [
  'packages/core',
  'packages/ffi',
  'packages/napi',
  'packages/net',
  'packages/conformance',
  'apps/bench',
];
const sources = (folders: string[]) =>
  PACKAGE_DIRS.flatMap((dir) =>
    folders.flatMap((folder) => filesUnder(join(dir, folder), /\.(ts|mts|cts|mjs|cjs|js|cc|h)$/)),
  );
const read = (file: string) => readFileSync(join(repoRoot, file), 'utf8');

describe('ARCHITECTURE.md', () => {
  const architecture = read('ARCHITECTURE.md');

  it('its one table of error codes names every code the sources define', () => {
    const literals = new Set<string>();
    const environment = new Set<string>();
    for (const file of sources(['src'])) {
      const text = read(file);
      for (const [, code] of text.matchAll(/'((?:ERR_)?LOOPFAST_[A-Z_]+)'/g))
        literals.add(code as string);
      for (const [, name] of text.matchAll(/_ENV = '(LOOPFAST_[A-Z_]+)'/g))
        environment.add(name as string);
    }
    // Environment variables are not codes; the rest must be in the table.
    const codes = [...literals].filter((code) => !environment.has(code)).sort();
    expect(codes).toContain('ERR_LOOPFAST_BACKEND_UNAVAILABLE');
    expect(codes).toContain('LOOPFAST_UNKNOWN_BACKEND');
    const table = architecture.slice(
      architecture.indexOf('## Error codes'),
      architecture.indexOf('## Adding a backend'),
    );
    expect(codes.filter((code) => !table.includes(`\`${code}\``))).toEqual([]);
  });

  it("gives each loopfast code the meaning its constant's doc comment gives", () => {
    const table = architecture.slice(
      architecture.indexOf('## Error codes'),
      architecture.indexOf('## Adding a backend'),
    );
    // Rows of one code of loopfast's own: | `CODE` | meaning (`CONSTANT`) | `file` |
    const rows = [
      ...table.matchAll(/^\| `((?:ERR_)?LOOPFAST_[A-Z_]+)` \| (.*) \| `([\w./-]+)` \|$/gm),
    ];
    expect(rows.length).toBeGreaterThanOrEqual(10);
    const mismatches: string[] = [];
    for (const [, code, meaning, file] of rows as unknown as [string, string, string, string][]) {
      // The constant is the last one the row names in parentheses (`NAME` or `Object.NAME`).
      const constant = [...meaning.matchAll(/\(`(?:\w+\.)?(\w+)`\)/g)].at(-1)?.[1];
      const source = existsSync(join(repoRoot, file)) ? read(file) : '';
      // Its doc comment, right above `export const NAME = 'CODE'` or a member `NAME: 'CODE'`.
      const defined = new RegExp(
        `/\\*\\*\\s*((?:(?!\\*/)[\\s\\S])*?)\\s*\\*/\\s*(?:export const )?${constant} ?[:=] '${code}'`,
      ).exec(source);
      if (constant === undefined || !defined) {
        mismatches.push(`${code}: no documented constant ${constant} = '${code}' in ${file}`);
        continue;
      }
      const doc = (defined[1] as string)
        .replace(/\s*\n\s*\*?\s*/g, ' ')
        .replace(/^Code of the /, '')
        .replace(/\.$/, '');
      if (!meaning.toLowerCase().includes(doc.toLowerCase())) {
        mismatches.push(`${code}: the row does not say "${doc}" (the doc comment of ${constant})`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('names files that exist', () => {
    const paths = [...architecture.matchAll(/`((?:packages|apps)\/[\w./<>-]+)`/g)]
      .map(([, path]) => path as string)
      .filter((path) => !path.includes('<'));
    expect(paths.length).toBeGreaterThan(20);
    expect(paths.filter((path) => !existsSync(join(repoRoot, path)))).toEqual([]);
  });
});

describe('sources', () => {
  it('point to no document outside the repository', () => {
    const offenders = sources(['src', 'test', 'scripts', 'lanes']).filter((file) =>
      /DESIGN\.md|STYLE\.md|\bseeds\//.test(read(file)),
    );
    expect(offenders).toEqual([]);
  });
});

describe('the READMEs, the guides under docs/, ARCHITECTURE.md, RELIABILITY.md and RELEASING.md', () => {
  const documents = [...READMES, ...GUIDES, 'ARCHITECTURE.md', 'RELIABILITY.md', 'RELEASING.md'];

  it('are every page under docs/, and the README links each of them and the other documents', () => {
    expect(filesUnder('docs', /\.md$/).sort()).toEqual([...GUIDES].sort());
    const readme = read('README.md');
    for (const page of [...GUIDES, 'ARCHITECTURE.md', 'RELIABILITY.md', 'RELEASING.md']) {
      expect(readme, page).toContain(`](${page})`);
    }
  });

  it('the README reaches "Quick start" within its first screen (40 lines)', () => {
    const line = read('README.md').split('\n').indexOf('## Quick start');
    expect(line).toBeGreaterThanOrEqual(0);
    expect(line).toBeLessThan(40);
  });

  it('link only to files that exist', () => {
    const broken: string[] = [];
    for (const document of documents) {
      for (const [, target] of read(document).matchAll(/\]\(([^)\s]+)\)/g)) {
        const path = (target as string).split('#')[0] as string;
        if (path === '' || /^[a-z]+:/.test(path)) continue;
        const resolved = join(repoRoot, dirname(document), path);
        if (!existsSync(resolved)) broken.push(`${document}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('have headings without code spans, which the API reference would drop from its contents', () => {
    const coded = documents.flatMap((document) => {
      let fenced = false;
      return read(document)
        .split('\n')
        .filter((line) => {
          if (line.startsWith('```')) fenced = !fenced;
          return !fenced && /^#{1,6} .*`/.test(line);
        })
        .map((line) => `${document}: ${line}`);
    });
    expect(coded).toEqual([]);
  });

  it('the README names the API docs command and where it writes, and the script exists', () => {
    const manifest = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    // `pnpm docs` is pnpm's own command (it opens a package's npm page), so the script is not
    // called that.
    expect(manifest.scripts.docs).toBeUndefined();
    expect(manifest.scripts['docs:build']).toBe('typedoc');
    expect(manifest.scripts.test).toContain(' docs:build ');
    expect(read('turbo.json')).toContain('"//#docs:build"');
    expect(read('README.md')).toMatch(/pnpm docs:build +# .*docs-site\//);
    const typedoc = JSON.parse(read('typedoc.json')) as { out: string };
    expect(typedoc.out).toBe('docs-site');
  });
});

describe('installing before the first release, as the README says', () => {
  it('names pnpm pack:all, a script that packs with scripts/pack-all.mjs, the tarballs and npx @loopfast/net', () => {
    const manifest = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(manifest.scripts['pack:all']).toMatch(/&& node scripts\/pack-all\.mjs$/);
    const readme = read('README.md');
    expect(readme).toContain('pnpm pack:all');
    expect(readme).toMatch(/^npm install \.\/loopfast-core-[\d.]+\.tgz \.\/loopfast-net-/m);
    expect(readme).toContain('npx @loopfast/net doctor');
    // The name `loopfast` on the registry is not ours: no page tells a user to npx it.
    for (const page of [...READMES, ...GUIDES]) {
      expect(read(page), page).not.toMatch(/npx loopfast\b/);
    }
  });
});

describe('the API reference of @loopfast/net', () => {
  // typedoc lists what the declarations declare: a `const` typed `typeof instance.connect`
  // appears under Variables with no parameters, a function with its overloads and examples.
  it('sees connect, createConnection, createServer, attachFastPath and createUndiciConnector as functions', () => {
    const declarations = join(repoRoot, 'packages', 'net', 'dist', 'index.d.ts');
    if (!existsSync(declarations)) {
      throw new Error('packages/net/dist/index.d.ts is missing: run `pnpm build` first');
    }
    const text = readFileSync(declarations, 'utf8');
    for (const name of [
      'connect',
      'createConnection',
      'createServer',
      'attachFastPath',
      'createUndiciConnector',
    ]) {
      expect(text, name).toMatch(new RegExp(`^export declare function ${name}[<(]`, 'm'));
      expect(text, name).not.toMatch(new RegExp(`^export declare (const|let|var) ${name}\\b`, 'm'));
      expect(text, name).not.toMatch(new RegExp(`\\b${name} as ${name}\\b|as ${name}[,\\s}]`));
    }
  });
});

/** A fast-path status from a copy of net and core alone, so that neither backend can be resolved. */
async function noBackendStatus(): Promise<FastPathInfo> {
  const require = createRequire(import.meta.url);
  const work = mkdtempSync(join(tmpdir(), 'loopfast-docs-bare-'));
  try {
    const modules = join(work, 'node_modules', '@loopfast');
    for (const name of ['net', 'core']) {
      const dist = dirname(require.resolve(`@loopfast/${name}`));
      mkdirSync(join(modules, name), { recursive: true });
      cpSync(dist, join(modules, name, 'dist'), { recursive: true });
      cpSync(join(dist, '..', 'package.json'), join(modules, name, 'package.json'));
    }
    const url = pathToFileURL(join(modules, 'net', 'dist', 'index.js')).href;
    const script = join(work, 'status.mjs');
    writeFileSync(
      script,
      `import { connect, fastPathInfo } from ${JSON.stringify(url)};
const socket = connect({ port: 9, host: '127.0.0.1', loopbackFastPath: true });
socket.on('error', () => {});
process.stdout.write(JSON.stringify(fastPathInfo(socket)));
socket.destroy();
`,
    );
    const { NODE_PATH: _storePath, ...env } = process.env;
    const result = spawnSync(process.execPath, [script], {
      encoding: 'utf8',
      env,
      timeout: 20_000,
    });
    return JSON.parse(result.stdout) as FastPathInfo;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// The README's status table, row `error`: when it is an error, and the facts for which it is null.
describe.runIf(process.platform === 'linux')("the README's status row for error", () => {
  const row = read('README.md')
    .split('\n')
    .find((line) => line.startsWith('| `error` |')) as string;
  // A directory of this file's own for the rendezvous (0700, as mkdtemp makes it).
  const runtime = mkdtempSync(join(tmpdir(), 'loopfast-docs-status-'));
  const linux = { backend: napi, loopbackFastPath: true, env: { XDG_RUNTIME_DIR: runtime } };
  const win32 = { platform: 'win32' as const, backend: napi, loopbackFastPath: true };
  const servers: Server[] = [];
  afterAll(async () => {
    await Promise.all(
      servers.map((server) => new Promise((resolve) => server.close(() => resolve(null)))),
    );
    rmSync(runtime, { recursive: true, force: true });
  });

  async function listening(server: Server, ...args: unknown[]): Promise<number> {
    servers.push(server);
    (server.listen as (...a: unknown[]) => Server)(...args);
    await once(server, 'listening');
    return (server.address() as { port: number }).port;
  }

  async function connected(client: Socket): Promise<FastPathInfo> {
    client.on('error', () => {});
    await once(client, 'connect');
    const info = fastPathInfo(client);
    client.destroy();
    return info;
  }

  const quiet = (socket: Socket) => socket.end();

  /** A case for each fact the row names, with the reason `fastPathInfo` gives for it. */
  const FACTS: Record<
    string,
    { state: FastPathState; reason: RegExp; status: () => Promise<FastPathInfo> }
  > = {
    'no fast-path server at the address': {
      state: 'no-fast-peer',
      reason: /^no fast-path server for 127\.0\.0\.1:\d+ /,
      status: async () => {
        const port = await listening(netCreateServer(quiet), 0, '127.0.0.1');
        return connected(connectWith(linux, [{ port, host: '127.0.0.1' }]));
      },
    },
    'accepted over TCP': {
      state: 'no-fast-peer',
      reason: /^accepted over TCP: /,
      status: async () => {
        const server = createServerWith(linux, [quiet]);
        const port = await listening(server, 0, '127.0.0.1');
        const accepted = once(server, 'connection') as Promise<[Socket]>;
        netConnect({ port, host: '127.0.0.1' }).on('error', () => {});
        const [socket] = await accepted;
        return fastPathInfo(socket);
      },
    },
    'a TCP client address': {
      state: 'not-applicable',
      reason: /^localAddress or localPort binds a TCP client address, /,
      status: async () => {
        const port = await listening(createServerWith(linux, [quiet]), 0, '127.0.0.1');
        return connected(
          connectWith(linux, [{ port, host: '127.0.0.1', localAddress: '127.0.0.1' }]),
        );
      },
    },
    'a dual-stack socket': {
      state: 'not-applicable',
      reason: /dual-stack/,
      // The Windows route runs on Linux too (tcp_wrap is Node's on every platform).
      status: async () => {
        const server = createServerWith(win32, [quiet]);
        await listening(server);
        return fastPathInfo(server);
      },
    },
    'no backend installed': {
      state: 'no-backend',
      reason: /^no backend available: @loopfast\/napi is not installed; /,
      status: noBackendStatus,
    },
  };

  it('names the facts for which error is null, and each gives its state with error null', async () => {
    const listed = /`null` when the reason is a fact, not a failed call: ([^|]*?) \|$/.exec(row);
    expect(listed, row).not.toBeNull();
    const facts = (listed?.[1] ?? '').split(', ');
    expect(facts.sort()).toEqual(Object.keys(FACTS).sort());
    for (const fact of facts) {
      const { reason, state, status } = FACTS[fact] as (typeof FACTS)[string];
      const info = await status();
      expect({ fact, state: info.state, error: info.error }).toEqual({ fact, state, error: null });
      expect(info.reason, fact).toMatch(reason);
    }
  });

  it('holds the error when a call raised one, with the fields it names', async () => {
    expect(row).toMatch(
      /^\| `error` \| the error behind a state other than `enabled` when a call raised one /,
    );
    const fields = /a system error has ((?:`\w+`(?:, )?)+);/.exec(row)?.[1]?.match(/\w+/g) ?? [];
    expect(fields).toContain('syscall');
    // Linux has no SIO_LOOPBACK_FAST_PATH: the Windows route's ioctl fails with EOPNOTSUPP.
    const server = createServerWith(win32, [quiet]);
    await listening(server, 0, '127.0.0.1');
    const info = fastPathInfo(server);
    expect(info.state).toBe('unsupported');
    expect(info.error).toMatchObject({ code: 'EOPNOTSUPP', syscall: 'ioctl', backend: 'napi' });
    for (const field of fields) expect(info.error, field).toHaveProperty(field);
  });
});

// The README's table of states: every state the type has, each reached on real sockets.
describe.runIf(process.platform === 'linux')("the README's table of states", () => {
  const readme = read('README.md').split('\n');
  const start = readme.indexOf('| state | meaning | what to do |');
  const after = readme.slice(start + 2);
  const end = after.findIndex((line) => !line.startsWith('|'));
  const rows = after.slice(0, end === -1 ? after.length : end);
  const documented = rows.map((line) => /^\| `([a-z-]+)` \|/.exec(line)?.[1]);
  const runtime = mkdtempSync(join(tmpdir(), 'loopfast-docs-states-'));
  // Open to every user, not sticky: the file rendezvous refuses to serve under it.
  const open = join(runtime, 'open');
  mkdirSync(open);
  chmodSync(open, 0o777);
  const linux = { backend: napi, loopbackFastPath: true, env: { XDG_RUNTIME_DIR: runtime } };
  const win32 = { platform: 'win32' as const, backend: napi, loopbackFastPath: true };
  const opened: (Server | Socket)[] = [];
  afterAll(() => {
    for (const each of opened) {
      if (each instanceof Socket) each.destroy();
      else each.close();
    }
    rmSync(runtime, { recursive: true, force: true });
  });

  async function listening(server: Server, ...args: unknown[]): Promise<number> {
    opened.push(server);
    (server.listen as (...a: unknown[]) => Server)(...args);
    await once(server, 'listening');
    return (server.address() as { port: number }).port;
  }

  async function connected(client: Socket): Promise<FastPathInfo> {
    opened.push(client);
    client.on('error', () => {});
    await once(client, 'connect');
    return fastPathInfo(client);
  }

  const fastServerPort = () =>
    listening(createServerWith(linux, [(s: Socket) => s.end()]), 0, '127.0.0.1');

  const CASES: Record<string, () => Promise<FastPathInfo>> = {
    enabled: async () =>
      connected(connectWith(linux, [{ port: await fastServerPort(), host: '127.0.0.1' }])),
    'no-fast-peer': async () => {
      const port = await listening(
        netCreateServer((s) => s.end()),
        0,
        '127.0.0.1',
      );
      return connected(connectWith(linux, [{ port, host: '127.0.0.1' }]));
    },
    'not-applicable': async () =>
      connected(
        connectWith(linux, [
          { port: await fastServerPort(), host: '127.0.0.1', localAddress: '127.0.0.1' },
        ]),
      ),
    // Linux has no SIO_LOOPBACK_FAST_PATH: the kernel refuses the Windows route's ioctl.
    unsupported: async () => {
      const server = createServerWith(win32, [(s: Socket) => s.end()]);
      await listening(server, 0, '127.0.0.1');
      return fastPathInfo(server);
    },
    'not-loopback': async () => {
      const server = createServerWith(linux, []);
      await listening(server, join(runtime, 'plain.sock'));
      return fastPathInfo(server);
    },
    disabled: async () =>
      connected(
        connectWith({ backend: napi }, [{ port: await fastServerPort(), host: '127.0.0.1' }]),
      ),
    // The file rendezvous in a temp directory open to every user and not sticky: refused.
    failed: async () => {
      const url = pathToFileURL(createRequire(import.meta.url).resolve('@loopfast/net')).href;
      const script = join(runtime, 'failed.mjs');
      writeFileSync(
        script,
        `import { once } from 'node:events';
import { createServer, fastPathInfo } from ${JSON.stringify(url)};
const server = createServer({ loopbackFastPath: true });
server.listen(0, '127.0.0.1');
await once(server, 'listening');
process.stdout.write(JSON.stringify(fastPathInfo(server)));
server.close();
`,
      );
      const { NODE_PATH: _storePath, XDG_RUNTIME_DIR: _runtime, ...env } = process.env;
      const result = spawnSync(process.execPath, [script], {
        encoding: 'utf8',
        env: { ...env, TMPDIR: open, LOOPFAST_RENDEZVOUS: 'file' },
        timeout: 20_000,
      });
      return JSON.parse(result.stdout) as FastPathInfo;
    },
    'no-backend': noBackendStatus,
    pending: async () => {
      const server = createServerWith(linux, []);
      opened.push(server);
      return fastPathInfo(server);
    },
  };

  it('lists every state of FastPathState once, in its own row', () => {
    const declared = read('packages/net/src/status-record.ts');
    const union = /export type FastPathState =([^;]*);/.exec(declared)?.[1] ?? '';
    const states = [...union.matchAll(/'([a-z-]+)'/g)].map((match) => match[1]);
    expect(states.length).toBeGreaterThan(5);
    expect(documented).toEqual(states);
  });

  it.each(documented)('%s: a real case reads it, with a reason', async (state) => {
    const info = await (CASES[state as string] as () => Promise<FastPathInfo>)();
    expect(info.state, info.reason).toBe(state);
    expect(info.reason.length).toBeGreaterThan(10);
  });
});
