#!/usr/bin/env node
/**
 * Cross-compiles the addon for linux-arm64 (glibc) with Debian's aarch64 toolchain on an x64
 * Linux machine, into `prebuilds/linux-arm64/@loopfast+napi.glibc.node` (the name prebuildify's
 * `--tag-libc` gives the linux-x64 one), so the published package carries an arm64 binary and
 * users on 64-bit ARM Linux with glibc need no compiler.
 *
 * - Compiler: `aarch64-linux-gnu-g++` (Debian's g++-aarch64-linux-gnu), against its glibc
 *   sysroot.
 * - Node-API: the headers of `node-api-headers`, which the win32 build uses too. As node-gyp
 *   does on Linux, the Node-API functions stay undefined in the binary; the dynamic linker takes
 *   them from the `node` process that loads it.
 * - Flags as node-gyp gives the linux-x64 build (position-independent, `-pthread`, libstdc++
 *   linked dynamically), stripped, with unused sections dropped.
 * - The script checks the result: an AArch64 shared object that needs nothing but libc,
 *   libstdc++, libm and libgcc_s, exports `napi_register_module_v1`, leaves only Node-API
 *   functions unresolved, and asks for no glibc newer than 2.28, the oldest Node's own
 *   linux-arm64 builds run on.
 * - Sources, defines and the Node-API version come from binding.gyp, so all builds stay in step.
 *
 * Without the cross-compiler the build still succeeds and says loudly that the linux-arm64
 * binary was skipped, except in CI (env CI set), where a missing compiler is an error.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { compileAll, compilerFlags, place, requireTools, root, run } from './cross-compile.mjs';

const CXX = 'aarch64-linux-gnu-g++';
const READELF = 'aarch64-linux-gnu-readelf';
const TUPLE = 'linux-arm64';
const OUTPUT = join(root, 'prebuilds', TUPLE, '@loopfast+napi.glibc.node');
const WORK = join(root, 'build', TUPLE);

/** Shared libraries every glibc system has (the C++ runtime as for the linux-x64 build). */
const ALLOWED_NEEDED = new Set(['libc.so.6', 'libm.so.6', 'libstdc++.so.6', 'libgcc_s.so.1']);
/** The newest glibc symbol version the binary may ask for: Node's arm64 builds need 2.28. */
const NEWEST_GLIBC = [2, 28];

if (process.platform === 'linux' && process.arch === 'arm64') {
  // On arm64 Linux prebuildify has just built linux-arm64 natively.
  process.exit(0);
}

requireTools(TUPLE, OUTPUT, [CXX, READELF], 'g++-aarch64-linux-gnu');

const started = Date.now();
const objects = await compileAll(
  CXX,
  compilerFlags(['_FILE_OFFSET_BITS=64', '_LARGEFILE_SOURCE'], ['-fPIC', '-pthread']),
  WORK,
);

// Link into a temporary file, check it, then move it into place.
const linked = join(WORK, 'loopfast_napi.node');
await run(CXX, [
  '-shared',
  '-pthread',
  '-s',
  '-Wl,--gc-sections',
  '-Wl,-soname=loopfast_napi.node',
  '-o',
  linked,
  ...objects,
]);

const readelf = (...args) => execFileSync(READELF, [...args, linked], { encoding: 'utf8' });
const header = readelf('-h');
if (!/Type:\s+DYN/.test(header) || !/Machine:\s+AArch64/.test(header)) {
  throw new Error(`the linux-arm64 binary is not an AArch64 shared object:\n${header}`);
}
const needed = [...readelf('-d').matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map(
  (match) => match[1],
);
const foreign = needed.filter((name) => !ALLOWED_NEEDED.has(name));
if (foreign.length > 0 || !needed.includes('libc.so.6')) {
  throw new Error(
    `the linux-arm64 binary needs ${needed.join(', ')}; expected only system libraries`,
  );
}
// Symbol table rows: Num: Value Size Type Bind Vis Ndx Name[@version].
const symbols = readelf('--dyn-syms', '-W')
  .split('\n')
  .map((line) => line.trim().split(/\s+/))
  .filter((fields) => /^\d+:$/.test(fields[0] ?? '') && fields.length >= 8)
  .map(([, , , type, bind, , section, name]) => ({ type, bind, section, name }));
const exported = symbols.some(
  (symbol) =>
    symbol.name === 'napi_register_module_v1' &&
    symbol.section !== 'UND' &&
    symbol.bind === 'GLOBAL',
);
if (!exported) throw new Error('the linux-arm64 binary does not export napi_register_module_v1');
// Unresolved and unversioned, so neither glibc nor the C++ runtime provides it: only Node may.
const unresolved = symbols.filter(
  (symbol) => symbol.section === 'UND' && symbol.bind === 'GLOBAL' && !symbol.name.includes('@'),
);
const strangers = unresolved.filter((symbol) => !symbol.name.startsWith('napi_'));
if (strangers.length > 0 || unresolved.length === 0) {
  throw new Error(
    `the linux-arm64 binary leaves ${strangers.map((symbol) => symbol.name).join(', ') || 'no Node-API function'} to the loading process; expected Node-API functions only`,
  );
}
const glibc = symbols
  .map((symbol) => /@GLIBC_(\d+)\.(\d+)/.exec(symbol.name))
  .filter((match) => match !== null)
  .map((match) => [Number(match[1]), Number(match[2])])
  .reduce(
    (newest, version) =>
      version[0] > newest[0] || (version[0] === newest[0] && version[1] > newest[1])
        ? version
        : newest,
    [0, 0],
  );
if (glibc[0] > NEWEST_GLIBC[0] || (glibc[0] === NEWEST_GLIBC[0] && glibc[1] > NEWEST_GLIBC[1])) {
  throw new Error(
    `the linux-arm64 binary needs glibc ${glibc.join('.')}; Node's own arm64 builds run on ${NEWEST_GLIBC.join('.')}`,
  );
}

place(linked, OUTPUT, started, `needs ${needed.join(', ')}, glibc ${glibc.join('.')}`);
