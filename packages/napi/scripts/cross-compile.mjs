/**
 * What the cross-compiling build scripts (build-win32.mjs, build-linux-arm64.mjs) share: the
 * sources, defines and Node-API version from binding.gyp, the headers, the rule for a missing
 * cross toolchain, a parallel compile, and moving the checked binary into `prebuilds/`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The package's root directory. */
export const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The Node-API version and the sources, read from binding.gyp so every build stays in step. It
 * is a Python literal; the two things read from it are simple enough for patterns.
 */
function bindingGyp() {
  const gyp = readFileSync(join(root, 'binding.gyp'), 'utf8').replace(/#.*$/gm, '');
  const napiVersion = /"loopfast_napi_version"\s*:\s*"(\d+)"/.exec(gyp)?.[1];
  const sourcesList = /"sources"\s*:\s*\[([^\]]*)\]/.exec(gyp)?.[1];
  if (!napiVersion || !sourcesList)
    throw new Error('binding.gyp: no loopfast_napi_version or sources');
  const sources = [...sourcesList.matchAll(/"([^"]+\.cc)"/g)].map((match) => match[1]);
  return { napiVersion, sources };
}

/** The directory of `node-api-headers` (its `include/` and, for Windows, `def/`). */
export const nodeApiHeaders = dirname(require.resolve('node-api-headers/package.json'));

/**
 * The compiler flags of a cross build: binding.gyp's (with warnings as errors), its defines and
 * Node-API version, the Node-API and node-addon-api headers, then the target's own `defines` and
 * `flags`.
 */
export function compilerFlags(defines, flags) {
  const all = [
    `NAPI_VERSION=${bindingGyp().napiVersion}`,
    'NODE_ADDON_API_DISABLE_DEPRECATED',
    'NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS',
    'BUILDING_NODE_EXTENSION',
    'NODE_GYP_MODULE_NAME=loopfast_napi',
    ...defines,
  ];
  return [
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
    ...flags,
    ...all.map((define) => `-D${define}`),
    `-I${join(nodeApiHeaders, 'include')}`,
    `-I${require('node-addon-api').include_dir}`,
  ];
}

/**
 * Exits unless every tool in `tools` runs. Without them the build still succeeds and says loudly
 * that the `tuple` binary (at `output`) was skipped, except in CI (env CI set), where a missing
 * tool is an error; `hint` says what installs them.
 */
export function requireTools(tuple, output, tools, hint) {
  const missing = tools.filter(
    (tool) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0,
  );
  if (missing.length === 0) return;
  const line = `${missing.join(', ')} not found: the ${tuple} binary of @loopfast/napi was NOT built`;
  if (process.env.CI) {
    process.stderr.write(`\nERROR: ${line}. In CI it must be (.ci/run installs ${hint}).\n\n`);
    process.exit(1);
  }
  process.stderr.write(
    `\n${'*'.repeat(100)}\n*** SKIPPED: ${line}.\n*** The package would ship without prebuilds/${tuple}; ` +
      `install ${hint} (.ci/run does).\n${'*'.repeat(100)}\n\n`,
  );
  rmSync(dirname(output), { recursive: true, force: true });
  process.exit(0);
}

/** Runs `tool` in the package root with its output shown; rejects unless it exits with 0. */
export function run(tool, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${tool} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

/**
 * Compiles binding.gyp's sources with `cxx` and `flags` into `work`, emptied first, a few at a
 * time; resolves with the objects.
 */
export async function compileAll(cxx, flags, work) {
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const { sources } = bindingGyp();
  const objects = sources.map((source) => join(work, `${source.replace(/[/\\]/g, '_')}.o`));
  const queue = sources.map((source, index) => ['-c', source, '-o', objects[index], ...flags]);
  const workers = Array.from(
    { length: Math.min(availableParallelism(), queue.length) },
    async () => {
      for (let args = queue.shift(); args; args = queue.shift()) await run(cxx, args);
    },
  );
  await Promise.all(workers);
  return objects;
}

/** Moves the checked binary `linked` to `output` (replacing its directory) and says so. */
export function place(linked, output, started, detail) {
  rmSync(dirname(output), { recursive: true, force: true });
  mkdirSync(dirname(output), { recursive: true });
  renameSync(linked, output);
  const size = statSync(output).size;
  process.stdout.write(
    `built ${relative(root, output)} (${Math.round(size / 1024)} KiB, ${detail}) in ${
      Date.now() - started
    } ms\n`,
  );
}
