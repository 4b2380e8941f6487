/**
 * A user on this platform without a compiler gets a working backend: the packed package carries
 * `prebuilds/<platform>-<arch>/`, its install step settles on that binary without building (and
 * does nothing at all in the repository, whose build compiles the addon), and
 * the addon and the backend work from the unpacked copy.
 *
 * Needs `pnpm build` first (turbo's `test` task depends on `build`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { socketConstants } from '@loopfast/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const tuple = `${process.platform}-${process.arch}`;
const isPosix = process.platform === 'linux' || process.platform === 'darwin';
/**
 * The cross-compiled binaries that `pnpm build` makes beside this platform's, so Windows and
 * arm64 Linux users need no compiler: win32-x64 with mingw-w64 (`scripts/build-win32.mjs`), a PE
 * image; linux-arm64 with the aarch64 GNU toolchain (`scripts/build-linux-arm64.mjs`), an ELF
 * shared object for AArch64. A machine without a cross-compiler builds without that binary (and
 * says so loudly); in CI both are always there.
 */
const CROSS_BINARIES = [
  {
    tuple: 'win32-x64',
    file: 'prebuilds/win32-x64/@loopfast+napi.node',
    // KiB it may add to the tarball and to the unpacked package: libstdc++ is linked in
    // statically (about 240 KiB stripped, 740 KiB unstripped).
    allowance: { packed: 100, installed: 250 },
    isImage: (bytes: Buffer) => {
      // "MZ", then "PE\0\0" where the header says.
      const pe = bytes.readUInt32LE(0x3c);
      return (
        bytes.subarray(0, 2).toString('latin1') === 'MZ' &&
        bytes.subarray(pe, pe + 4).toString('latin1') === 'PE\0\0'
      );
    },
  },
  {
    tuple: 'linux-arm64',
    file: 'prebuilds/linux-arm64/@loopfast+napi.glibc.node',
    // About 66 KiB, as the linux-x64 one.
    allowance: { packed: 40, installed: 100 },
    // ELF magic, 64-bit class, little-endian, type ET_DYN (3), machine EM_AARCH64 (183).
    isImage: (bytes: Buffer) =>
      bytes.subarray(0, 4).toString('latin1') === '\x7fELF' &&
      bytes[4] === 2 &&
      bytes[5] === 1 &&
      bytes.readUInt16LE(0x10) === 3 &&
      bytes.readUInt16LE(0x12) === 183,
  },
].filter(
  (binary) =>
    binary.tuple !== tuple &&
    (Boolean(process.env.CI) || existsSync(join(packageRoot, ...binary.file.split('/')))),
);

interface NodeGypBuild {
  (dir: string): Record<string, (...args: unknown[]) => unknown>;
  path(dir: string): string;
}
const nodeGypBuild = require('node-gyp-build') as NodeGypBuild;
const nodeGypBuildRoot = dirname(realpathSync(require.resolve('node-gyp-build/package.json')));

/** Every file under `dir`, leaving out `node_modules` (which the tests add to the copy). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules') return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/** Runs an ES module snippet in a fresh Node process and returns what it printed, as JSON. */
function runModule(script: string, cwd: string): unknown {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd,
    encoding: 'utf8',
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

// POSIX only: the Windows lane (Wine) has neither pnpm nor tar to pack with.
describe.runIf(isPosix)(`the packed package on ${tuple}`, () => {
  const C = isPosix ? socketConstants() : socketConstants('linux');
  let work: string;
  let tarball: string;
  let unpacked: string;
  let entry: string;

  beforeAll(() => {
    const prebuilds = join(packageRoot, 'prebuilds', tuple);
    if (!existsSync(prebuilds)) {
      throw new Error(
        `no ${relative(packageRoot, prebuilds)}: run \`pnpm build\` in packages/napi first`,
      );
    }
    work = mkdtempSync(join(tmpdir(), 'loopfast-napi-pack-'));
    execFileSync('pnpm', ['pack', '--pack-destination', work], { cwd: packageRoot, stdio: 'pipe' });
    const tarballs = readdirSync(work).filter((name) => name.endsWith('.tgz'));
    expect(tarballs).toHaveLength(1);
    tarball = join(work, tarballs[0] as string);
    // Where an install puts it: inside a node_modules folder, which the install script looks for.
    unpacked = join(work, 'project', 'node_modules', '@loopfast', 'napi');
    mkdirSync(unpacked, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', unpacked, '--strip-components=1']);
    entry = join(unpacked, 'dist', 'index.js');
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Gives the unpacked copy its two runtime dependencies, as an install would. */
  function linkDependencies(): void {
    const modules = join(unpacked, 'node_modules');
    if (existsSync(modules)) return;
    mkdirSync(join(modules, '@loopfast'), { recursive: true });
    const core = realpathSync(join(packageRoot, 'node_modules', '@loopfast', 'core'));
    symlinkSync(core, join(modules, '@loopfast', 'core'));
    symlinkSync(nodeGypBuildRoot, join(modules, 'node-gyp-build'));
  }

  it(`holds the compiled JS, the prebuilt binaries (${[tuple, ...CROSS_BINARIES.map((binary) => binary.tuple)].join(', ')}) and the sources to build from; no build/`, () => {
    expect(existsSync(join(unpacked, 'build'))).toBe(false);
    const files = filesUnder(unpacked).map((file) => relative(unpacked, file).split(sep).join('/'));
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('binding.gyp');
    expect(files).toContain('src/native/addon.cc');
    const binaries = files.filter((file) => file.endsWith('.node')).sort();
    const own = binaries.filter((file) => file.startsWith(`prebuilds/${tuple}/`));
    expect(own).toHaveLength(1);
    expect(binaries).toEqual([...own, ...CROSS_BINARIES.map((binary) => binary.file)].sort());
    for (const binary of CROSS_BINARIES) {
      // The very file the build made, and an image for its platform.
      const packed = readFileSync(join(unpacked, ...binary.file.split('/')));
      expect(binary.isImage(packed), binary.file).toBe(true);
      expect(packed).toEqual(readFileSync(join(packageRoot, ...binary.file.split('/'))));
    }
    expect(files.filter((file) => file.startsWith('test/') || file.endsWith('.o'))).toEqual([]);

    const manifest = JSON.parse(readFileSync(join(unpacked, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(manifest.scripts.install).toBe('node scripts/install.mjs');
    expect(files.filter((file) => file.startsWith('scripts/'))).toEqual(['scripts/install.mjs']);
    const ranges = Object.values(manifest.dependencies);
    expect(ranges.filter((range) => range.startsWith('workspace:'))).toEqual([]);
  });

  it('its install step settles on the prebuilt binary without a compiler', () => {
    linkDependencies();
    // PATH holds only node and node-gyp-build's self-test: no make, no cc, no node-gyp. Had the
    // install step decided to build, it would fail and leave a build/ directory behind.
    const bin = join(work, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    symlinkSync(join(nodeGypBuildRoot, 'build-test.js'), join(bin, 'node-gyp-build-test'));
    const install = spawnSync(process.execPath, ['scripts/install.mjs'], {
      cwd: unpacked,
      env: { PATH: bin, HOME: work },
      encoding: 'utf8',
    });
    expect(install.status, install.stderr).toBe(0);
    expect(install.stdout).not.toContain('in the loopfast repository');
    expect(existsSync(join(unpacked, 'build'))).toBe(false);
  });

  it('its install step does nothing in the repository, where the build compiles the addon', () => {
    // With no compiler on PATH, and node-gyp-build's self-test missing, node-gyp-build would try
    // to compile and fail; the script must not get that far.
    const install = spawnSync(process.execPath, ['scripts/install.mjs'], {
      cwd: packageRoot,
      env: { PATH: join(work, 'no-such-directory'), HOME: work },
      encoding: 'utf8',
    });
    expect(install.status, install.stderr).toBe(0);
    expect(install.stdout).toBe(
      '@loopfast/napi: in the loopfast repository; the build compiles the addon\n',
    );
  });

  it(`loads the addon from prebuilds/${tuple} through node-gyp-build; a real socket works`, () => {
    const chosen = nodeGypBuild.path(unpacked);
    expect(chosen.startsWith(join(unpacked, 'prebuilds', tuple) + sep)).toBe(true);

    const addon = nodeGypBuild(unpacked);
    expect(Object.keys(require.cache)).toContain(chosen);
    const socket = addon.createTcpSocket?.(4) as number;
    expect(Number.isInteger(socket) && socket >= 0).toBe(true);
    expect(addon.getSocketOption?.(socket, C.SOL_SOCKET, C.SO_TYPE)).toBe(C.SOCK_STREAM);
    addon.closeSocket?.(socket);
    // Closed now: the socket check in closeSocket fails with EBADF.
    expect(() => addon.closeSocket?.(socket)).toThrow(
      expect.objectContaining({ syscall: 'getsockopt' }),
    );
  });

  it('works as a backend from the unpacked copy, loading only the prebuilt binary', () => {
    linkDependencies();
    const result = runModule(
      `
      import { createRequire } from 'node:module';
      const { backend } = await import(${JSON.stringify(entry)});
      const socket = backend.createTcpSocket(4);
      const rcvbuf = backend.getSocketOption(socket, ${C.SOL_SOCKET}, ${C.SO_RCVBUF});
      backend.closeSocket(socket);
      const cache = createRequire(import.meta.url).cache;
      const addons = Object.keys(cache).filter((file) => file.endsWith('.node'));
      console.log(JSON.stringify({ name: backend.name, rcvbuf, addons }));
      `,
      work,
    ) as { name: string; rcvbuf: number; addons: string[] };
    expect(result.name).toBe('napi');
    expect(result.rcvbuf).toBeGreaterThan(0);
    expect(result.addons).toHaveLength(1);
    const prebuilds = realpathSync(join(unpacked, 'prebuilds', tuple)) + sep;
    expect(realpathSync(result.addons[0] as string).startsWith(prebuilds)).toBe(true);
  });

  it('without a binary for the platform: import works, validation still comes first, then BACKEND_UNAVAILABLE', () => {
    linkDependencies();
    const prebuilds = join(unpacked, 'prebuilds');
    renameSync(prebuilds, `${prebuilds}.hidden`);
    try {
      const result = runModule(
        `
        const { backend } = await import(${JSON.stringify(entry)});
        const outcome = (call) => {
          try { call(); return null; } catch (e) { return { name: e.name, code: e.code, cause: e.cause !== undefined, message: e.message }; }
        };
        console.log(JSON.stringify({
          badFamily: outcome(() => backend.createTcpSocket(5)),
          noBinary: outcome(() => backend.createTcpSocket(4)),
          again: outcome(() => backend.getSocketOption(0, 1, 1)),
        }));
        `,
        work,
      ) as Record<string, { name: string; code: string; cause: boolean; message: string }>;
      expect(result.badFamily).toMatchObject({ name: 'TypeError', code: 'ERR_INVALID_ARG_VALUE' });
      expect(result.noBinary).toMatchObject({
        name: 'LoopfastError',
        code: 'ERR_LOOPFAST_BACKEND_UNAVAILABLE',
        cause: true,
      });
      expect(result.noBinary?.message).toContain('No native build was found');
      expect(result.again).toMatchObject({ code: 'ERR_LOOPFAST_BACKEND_UNAVAILABLE' });
    } finally {
      renameSync(`${prebuilds}.hidden`, prebuilds);
    }
  });

  it('on a platform it was not built for, every call says so (after validating)', () => {
    linkDependencies();
    const result = runModule(
      `
      Object.defineProperty(process, 'platform', { value: 'aix' });
      const { backend } = await import(${JSON.stringify(entry)});
      const outcome = (call) => {
        try { call(); return null; } catch (e) { return { name: e.name, code: e.code }; }
      };
      console.log(JSON.stringify({
        badSocket: outcome(() => backend.closeSocket(-1)),
        calls: [
          outcome(() => backend.createTcpSocket(4)),
          outcome(() => backend.applyLoopbackFastPath(3)),
          outcome(() => backend.ioctl(3, 0, null, 0)),
          outcome(() => backend.getSocketOption(3, 1, 1)),
          outcome(() => backend.setSocketOption(3, 1, 1, 1)),
          outcome(() => backend.getSocketOptionBuffer(3, 1, 1, 4)),
          outcome(() => backend.setSocketOptionBuffer(3, 1, 1, Buffer.alloc(4))),
          outcome(() => backend.getPeerCredentials(3)),
          outcome(() => backend.connectUnixSocket('/tmp/loopfast.sock')),
          outcome(() => backend.getUnixPeerAddress(3)),
          outcome(() => backend.closeSocket(3)),
        ],
      }));
      `,
      work,
    ) as { badSocket: { code: string }; calls: { name: string; code: string }[] };
    expect(result.badSocket.code).toBe('ERR_OUT_OF_RANGE');
    expect(result.calls).toHaveLength(11);
    for (const call of result.calls) {
      expect(call).toEqual({ name: 'LoopfastError', code: 'ERR_LOOPFAST_UNSUPPORTED_PLATFORM' });
    }
  });

  it('stays small: stripped binaries', () => {
    // Generous bounds, so only a real regression (an unstripped or -O3 binary, a stray file)
    // trips them: this platform's package (its linux binary is about 66 KiB), plus what each
    // cross-compiled binary is allowed.
    const budget = CROSS_BINARIES.reduce(
      (sum, { allowance }) => ({
        packed: sum.packed + allowance.packed,
        installed: sum.installed + allowance.installed,
      }),
      { packed: 100, installed: 250 },
    );
    const packed = statSync(tarball).size;
    const installed = filesUnder(unpacked).reduce((sum, file) => sum + statSync(file).size, 0);
    expect(packed).toBeLessThan(budget.packed * 1024);
    expect(installed).toBeLessThan(budget.installed * 1024);
  });
});
