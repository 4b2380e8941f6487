#!/usr/bin/env node
/**
 * Cross-compiles the addon for win32-x64 with mingw-w64 on Linux, into
 * `prebuilds/win32-x64/@loopfast+napi.node`, so the published package carries a Windows binary
 * next to the linux-x64 one and Windows users need no compiler.
 *
 * - Compiler: `x86_64-w64-mingw32-g++-posix` (the `-win32` thread model lacks `std::mutex`,
 *   which node-addon-api uses).
 * - Node-API: the headers and `def/node_api.def` of `node-api-headers`; the import library is
 *   made from the def file with `x86_64-w64-mingw32-dlltool -D node.exe`, so the binary imports
 *   the Node-API functions from the host process, `node.exe`.
 * - Linked fully `-static` (libstdc++, libgcc and winpthread inside the binary): with only
 *   `-static-libgcc -static-libstdc++` it still imports libwinpthread-1.dll, which Windows
 *   machines do not have. The script checks the result imports nothing but Windows system DLLs
 *   and node.exe.
 * - Sources, defines and the Node-API version come from binding.gyp, so both builds stay in step.
 *
 * Without the cross-compiler the build still succeeds on Linux and says loudly that the win32
 * binary was skipped, except in CI (env CI set), where a missing compiler is an error.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  compileAll,
  compilerFlags,
  nodeApiHeaders,
  place,
  requireTools,
  root,
  run,
} from './cross-compile.mjs';

const CXX = 'x86_64-w64-mingw32-g++-posix';
const DLLTOOL = 'x86_64-w64-mingw32-dlltool';
const OBJDUMP = 'x86_64-w64-mingw32-objdump';
const TUPLE = 'win32-x64';
const OUTPUT = join(root, 'prebuilds', TUPLE, '@loopfast+napi.node');
const WORK = join(root, 'build', TUPLE);

/** DLLs a Windows 7+ machine always has, plus the host process that exports Node-API. */
const ALLOWED_IMPORTS = new Set([
  'node.exe',
  'kernel32.dll',
  'ws2_32.dll',
  'msvcrt.dll',
  'advapi32.dll',
  'user32.dll',
  'ntdll.dll',
]);

if (process.platform === 'win32') {
  // On Windows prebuildify has just built win32-x64 natively, with the real toolchain.
  process.exit(0);
}

requireTools(TUPLE, OUTPUT, [CXX, DLLTOOL, OBJDUMP], 'g++-mingw-w64-x86-64-posix');

const started = Date.now();
const objects = await compileAll(CXX, compilerFlags(['WIN32_LEAN_AND_MEAN', 'NOMINMAX'], []), WORK);

// The import library for the Node-API functions node.exe exports.
const importLibrary = join(WORK, 'libnode_api.a');
await run(DLLTOOL, [
  '-d',
  join(nodeApiHeaders, 'def', 'node_api.def'),
  '-D',
  'node.exe',
  '-l',
  importLibrary,
]);

// Link into a temporary file, check it, then move it into place.
const linked = join(WORK, 'loopfast_napi.node');
await run(CXX, [
  '-shared',
  '-static',
  '-s',
  '-Wl,--gc-sections',
  '-o',
  linked,
  ...objects,
  importLibrary,
  '-lws2_32',
]);

const dump = execFileSync(OBJDUMP, ['-p', linked], { encoding: 'utf8' });
const imports = [...dump.matchAll(/DLL Name: (\S+)/g)].map((match) => match[1].toLowerCase());
const foreign = imports.filter((name) => !ALLOWED_IMPORTS.has(name));
if (foreign.length > 0 || !imports.includes('node.exe') || !imports.includes('ws2_32.dll')) {
  throw new Error(
    `the win32 binary imports ${imports.join(', ')}; expected only system DLLs and node.exe`,
  );
}
for (const symbol of ['napi_register_module_v1']) {
  if (!new RegExp(`\\]\\s+${symbol}$`, 'm').test(dump)) {
    throw new Error(`the win32 binary does not export ${symbol}`);
  }
}

place(linked, OUTPUT, started, `imports ${imports.join(', ')}`);
