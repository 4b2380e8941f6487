#!/usr/bin/env node
/**
 * `loopfast-node-tests <node>/test [options]`: runs Node's own tests (default `test-net-*` and
 * `test-http-*` of `test/parallel`) plainly and through loopfast's preload, and prints a table
 * and a summary. Node's tests are not part of this repository: point it at a Node source tree
 * of the version of the Node binary that runs them. See the README.
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { cell, formatSummary, formatTable } from './report.js';
import type { Mode } from './run-test.js';
import { classify, runSuite } from './suite.js';
import { DEFAULT_PATTERNS, selectTests } from './tests.js';

const USAGE = `Usage: loopfast-node-tests <path to a Node source tree's test/> [options]
  --node <path>        the Node binary to run the tests with (default: this one)
  --register <path>    the preload's entry (default: @loopfast/net/register of this workspace)
  --pattern <glob>     test/parallel files to run, repeatable (default: test-net-* and test-http-*)
  --import             also run each test through the preload with --import (--require always)
  --parallel <n>       tests at once (default 2)
  --timeout <seconds>  the limit per run (default 120)
  --confirm <n>        runs more of a test failing only through the preload, each way (default 1)
  --differences        print only the rows where the modes differ
  --json <file>        write every run (verdict, exit, time, output tail) as JSON
`;

function positiveInteger(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} takes a whole number`);
  return value;
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      node: { type: 'string', default: process.execPath },
      register: { type: 'string' },
      pattern: { type: 'string', multiple: true },
      import: { type: 'boolean', default: false },
      parallel: { type: 'string', default: '2' },
      timeout: { type: 'string', default: '120' },
      confirm: { type: 'string', default: '1' },
      differences: { type: 'boolean', default: false },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || positionals.length !== 1) {
    process.stderr.write(USAGE);
    return values.help ? 0 : 2;
  }
  const testDir = resolve(positionals[0] as string);
  const register =
    values.register ?? createRequire(import.meta.url).resolve('@loopfast/net/register');
  const modes: Mode[] = values.import ? ['plain', 'require', 'import'] : ['plain', 'require'];
  const patterns = values.pattern ?? DEFAULT_PATTERNS;
  const tests = selectTests(testDir, patterns);
  const settings = {
    node: values.node,
    register,
    modes,
    parallel: Math.max(1, positiveInteger(values.parallel, 'parallel')),
    timeoutMs: positiveInteger(values.timeout, 'timeout') * 1000,
    confirm: positiveInteger(values.confirm, 'confirm'),
  };
  const version = execFileSync(settings.node, ['--version'], { encoding: 'utf8' }).trim();
  process.stderr.write(
    `${tests.length} tests (${patterns.join(', ')}) from ${testDir} on Node ${version}, ${modes.join(' + ')}\n`,
  );
  let done = 0;
  const results = await runSuite(tests, {
    ...settings,
    onRun: (test, mode, outcome) => {
      done++;
      if (outcome.verdict !== 'pass' || done % 50 === 0) {
        process.stderr.write(`[${done}] ${test.name} ${mode}: ${cell(outcome)}\n`);
      }
    },
  });
  const shown = values.differences
    ? results.filter((result) =>
        modes.some((mode) => mode !== 'plain' && classify(result, mode) !== 'same'),
      )
    : results;
  process.stdout.write(formatTable(shown, modes));
  process.stdout.write('\n');
  process.stdout.write(
    formatSummary(results, modes, `Node ${version}, ${tests.length} tests from ${testDir}`),
  );
  if (values.json) {
    writeFileSync(values.json, `${JSON.stringify({ node: version, testDir, results }, null, 2)}\n`);
  }
  const broken = results.some((result) =>
    modes.some((mode) => mode !== 'plain' && classify(result, mode) === 'preload-only-failure'),
  );
  return broken ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`loopfast-node-tests: ${error.message}\n${USAGE}`);
    process.exitCode = 2;
  },
);
