#!/usr/bin/env node
/**
 * `loopfast-frameworks <suite>=<tree> ... [options]`: runs frameworks' own test suites (`express`,
 * `ws`) from copies of their source trees, plainly and through loopfast's preload, and prints
 * each run's counts, the connections its servers accepted and how many came over the fast path,
 * and the tests failing only through the preload. The trees are not part of this repository:
 * see the README.
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  FRAMEWORK_SUITES,
  failingOnlyThroughPreload,
  formatDifferences,
  formatRuns,
  runFrameworkSuite,
  type SuiteRun,
} from './frameworks.js';
import type { Mode } from './run-test.js';

const USAGE = `Usage: loopfast-frameworks <suite>=<tree> ... [options]
  <suite>=<tree>       a suite (${Object.keys(FRAMEWORK_SUITES).join(', ')}) and its source tree, with its
                       devDependencies installed
  --node <path>        the Node binary (default: this one)
  --register <path>    the preload's entry (default: @loopfast/net/register of this workspace)
  --import             also run each suite through the preload with --import (--require always)
  --timeout <seconds>  the limit per run (default 900)
  --grace <seconds>    how long a run may go on after printing its summary (default 30)
  --json <file>        write every run (counts, failures, connections, output tail) as JSON
`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      node: { type: 'string', default: process.execPath },
      register: { type: 'string' },
      import: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '900' },
      grace: { type: 'string', default: '30' },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    process.stderr.write(USAGE);
    return values.help ? 0 : 2;
  }
  const suites = positionals.map((argument) => {
    const [name, tree] = argument.split(/=(.*)/s) as [string, string | undefined];
    const suite = FRAMEWORK_SUITES[name];
    if (!suite || !tree) throw new Error(`${argument}: expected <suite>=<tree>`);
    return { suite, tree: resolve(tree) };
  });
  const seconds = (name: 'timeout' | 'grace') => {
    const value = Number(values[name]);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} takes a whole number`);
    return value * 1000;
  };
  const settings = {
    node: values.node,
    register: resolve(
      values.register ?? createRequire(import.meta.url).resolve('@loopfast/net/register'),
    ),
    timeoutMs: seconds('timeout'),
    graceMs: seconds('grace'),
  };
  const modes: Mode[] = values.import ? ['plain', 'require', 'import'] : ['plain', 'require'];
  const version = execFileSync(settings.node, ['--version'], { encoding: 'utf8' }).trim();
  const runs: SuiteRun[] = [];
  for (const { suite, tree } of suites) {
    for (const mode of modes) {
      process.stderr.write(`${suite.name} from ${tree} on Node ${version}, ${mode}\n`);
      runs.push(await runFrameworkSuite(suite, tree, mode, settings));
    }
  }
  process.stdout.write(`Node ${version}\n${formatRuns(runs)}\n${formatDifferences(runs)}`);
  if (values.json) {
    writeFileSync(values.json, `${JSON.stringify({ node: version, runs }, null, 2)}\n`);
  }
  const broken = runs.some((run) => {
    const plain = runs.find((other) => other.suite === run.suite && other.mode === 'plain');
    return (
      run.mode !== 'plain' &&
      plain !== undefined &&
      (failingOnlyThroughPreload(run, plain).length > 0 || run.summary.passing === null)
    );
  });
  return broken ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    process.stderr.write(`loopfast-frameworks: ${error.message}\n${USAGE}`);
    process.exitCode = 2;
  },
);
