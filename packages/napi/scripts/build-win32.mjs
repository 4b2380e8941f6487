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
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = fileURLToPath(new URL('..', import.meta.url));
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

function has(tool) {
  return spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
}

const missing = [CXX, DLLTOOL, OBJDUMP].filter((tool) => !has(tool));
if (missing.length > 0) {
  const line = `${missing.join(', ')} not found: the win32-x64 binary of @loopfast/napi was NOT built`;
  if (process.env.CI) {
    process.stderr.write(`\nERROR: ${line}. In CI it must be (.ci/run installs mingw-w64).\n\n`);
    process.exit(1);
  }
  process.stderr.write(
    `\n${'*'.repeat(100)}\n*** SKIPPED: ${line}.\n*** The package would ship without prebuilds/${TUPLE}; ` +
      `install g++-mingw-w64-x86-64-posix (.ci/run does).\n${'*'.repeat(100)}\n\n`,
  );
  rmSync(dirname(OUTPUT), { recursive: true, force: true });
  process.exit(0);
}

// binding.gyp is a Python literal; the two things read from it are simple enough for patterns.
const gyp = readFileSync(join(root, 'binding.gyp'), 'utf8').replace(/#.*$/gm, '');
const napiVersion = /"loopfast_napi_version"\s*:\s*"(\d+)"/.exec(gyp)?.[1];
const sourcesList = /"sources"\s*:\s*\[([^\]]*)\]/.exec(gyp)?.[1];
if (!napiVersion || !sourcesList)
  throw new Error('binding.gyp: no loopfast_napi_version or sources');
const sources = [...sourcesList.matchAll(/"([^"]+\.cc)"/g)].map((match) => match[1]);

const headers = dirname(require.resolve('node-api-headers/package.json'));
const addonApi = require('node-addon-api').include_dir;

const defines = [
  `NAPI_VERSION=${napiVersion}`,
  'NODE_ADDON_API_DISABLE_DEPRECATED',
  'NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS',
  'BUILDING_NODE_EXTENSION',
  'NODE_GYP_MODULE_NAME=loopfast_napi',
  'WIN32_LEAN_AND_MEAN',
  'NOMINMAX',
];
const compileFlags = [
  '-std=c++17',
  '-O2',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-fno-exceptions',
  '-fno-rtti',
  '-fvisibility=hidden',
  '-ffunction-sections',
  '-fdata-sections',
  ...defines.map((define) => `-D${define}`),
  `-I${join(headers, 'include')}`,
  `-I${addonApi}`,
];

function run(tool, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${tool} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

const started = Date.now();
rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });

// The import library for the Node-API functions node.exe exports.
const importLibrary = join(WORK, 'libnode_api.a');
await run(DLLTOOL, [
  '-d',
  join(headers, 'def', 'node_api.def'),
  '-D',
  'node.exe',
  '-l',
  importLibrary,
]);

// Compile, a few files at a time.
const objects = sources.map((source) => join(WORK, `${source.replace(/[/\\]/g, '_')}.o`));
const queue = sources.map((source, index) => ['-c', source, '-o', objects[index], ...compileFlags]);
const workers = Array.from({ length: Math.min(availableParallelism(), queue.length) }, async () => {
  for (let args = queue.shift(); args; args = queue.shift()) await run(CXX, args);
});
await Promise.all(workers);

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

rmSync(dirname(OUTPUT), { recursive: true, force: true });
mkdirSync(dirname(OUTPUT), { recursive: true });
renameSync(linked, OUTPUT);
const size = statSync(OUTPUT).size;
process.stdout.write(
  `built ${relative(root, OUTPUT)} (${Math.round(size / 1024)} KiB, imports ${imports.join(', ')}) in ${
    Date.now() - started
  } ms\n`,
);
