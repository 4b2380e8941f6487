/**
 * What the lane runners share: where things are, the CI rule for missing tools, vitest's JSON
 * report, and the closing line each lane prints.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workspace root, as a real path. */
export const repoRoot = realpathSync(fileURLToPath(new URL('../../../', import.meta.url)));

/** The conformance package, whose `node_modules/.cache` keeps what the lanes make. */
export const conformanceRoot = join(repoRoot, 'packages', 'conformance');

/** In CI every lane must run; elsewhere a lane whose tools are missing is skipped, loudly. */
export const inCI = Boolean(process.env.CI) && !['0', 'false'].includes(process.env.CI ?? '');

/** Whether `command` runs (with `args`, `--version` by default). */
export function runs(command, args = ['--version']) {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0;
}

/**
 * Stops the lane because `missing` lists tools it needs: an error in CI, a loud notice and a
 * clean exit elsewhere.
 */
export function missingTools(lane, missing) {
  const what = `missing ${missing.join('; ')}`;
  if (inCI) {
    process.stderr.write(
      `\nERROR: ${lane}: ${what}. In CI every lane runs (.ci/run installs it).\n\n`,
    );
    process.exit(1);
  }
  const lines = [
    `${lane}: SKIPPED, ${what}.`,
    'Install it (bash .ci/run does) to run this lane; in CI (CI=true) it always runs.',
  ];
  const bar = '*'.repeat(100);
  process.stderr.write(`\n${bar}\n${lines.map((line) => `*** ${line}`).join('\n')}\n${bar}\n\n`);
  process.stdout.write(`LANE ${lane}: skipped (missing ${missing.join('; ')})\n`);
  process.exit(0);
}

/** The Node binary an npm package of the `node-<platform>-<arch>` family holds. */
export function nodeFromPackage(name) {
  const require = createRequire(new URL('./package.json', import.meta.url));
  const manifestPath = require.resolve(`${name}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  return { path: join(dirname(manifestPath), manifest.bin.node), version: manifest.version };
}

/** vitest's CLI entry, as a real path (Node for Windows cannot follow pnpm's links to it). */
export function vitestEntry() {
  const require = createRequire(join(repoRoot, 'package.json'));
  return join(realpathSync(dirname(require.resolve('vitest/package.json'))), 'vitest.mjs');
}

/** The counts of a vitest JSON report. */
export function countsOf(reportPath) {
  const report = JSON.parse(readFileSync(reportPath, 'utf8'));
  return {
    files: report.testResults.map((result) => result.name.replaceAll('\\', '/')),
    total: report.numTotalTests,
    passed: report.numPassedTests,
    failed: report.numFailedTests,
    skipped: report.numPendingTests + report.numTodoTests,
  };
}

/**
 * The closing line of a lane, which `.ci/run` repeats at the end of a CI run. `seconds` is `null`
 * for a lane whose durations must not be read as figures (an emulated one).
 */
export function laneLine(lane, what, counts, seconds, note = '') {
  const tally = `${counts.total} tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`;
  const time = seconds === null ? '' : `, ${seconds.toFixed(1)} s`;
  return `LANE ${lane}: ${what}: ${tally}, ${counts.files.length} files${time}${note}\n`;
}
