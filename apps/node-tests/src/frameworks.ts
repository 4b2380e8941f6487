/**
 * Runs a framework's own test suite (Express's, ws's: mocha suites) from a copy of its source
 * tree with its devDependencies installed, plainly and through loopfast's preload, and counts the
 * connections the suite's servers accepted and how many of them came over the fast path. The
 * preload and the counter go in `NODE_OPTIONS`, as a user would run a suite through the preload,
 * so the processes a suite starts load them too.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcessCount } from './count-connections.js';
import type { Mode } from './run-test.js';

/** How to run one framework's suite from its tree. */
export interface FrameworkSuite {
  /** The suite's name (`express`, `ws`). */
  readonly name: string;
  /** The script that runs the suite, from the tree's root. */
  script(tree: string): string;
  /** Its arguments, as the framework's `npm test` passes them (without coverage). */
  readonly args: readonly string[];
}

/** The script of the `mocha` command installed in `tree`. */
export function mochaScript(tree: string): string {
  const manifest = join(tree, 'node_modules', 'mocha', 'package.json');
  if (!existsSync(manifest)) {
    throw new Error(`no mocha in ${tree}/node_modules: install the suite's devDependencies first`);
  }
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: Record<string, string> };
  return join(dirname(manifest), bin.mocha as string);
}

/** The suites this runner knows, by name: their `npm test` without the coverage wrapper. */
export const FRAMEWORK_SUITES: Readonly<Record<string, FrameworkSuite>> = {
  express: {
    name: 'express',
    script: mochaScript,
    args: [
      '--require',
      'test/support/env',
      '--reporter',
      'spec',
      '--check-leaks',
      'test/',
      'test/acceptance/',
    ],
  },
  ws: {
    name: 'ws',
    script: mochaScript,
    args: ['--reporter', 'spec', '--throw-deprecation', 'test/*.test.js'],
  },
};

/** A failed test of a mocha run: its title (the suites' and its own, joined) and first error line. */
export interface SuiteFailure {
  readonly title: string;
  readonly reason: string;
}

/** The end of a mocha spec report: its counts and failures; `null` counts when none was printed. */
export interface SuiteSummary {
  readonly passing: number | null;
  readonly failing: number;
  readonly pending: number;
  readonly failures: readonly SuiteFailure[];
}

/** Reads the summary a mocha spec reporter prints at the end of a run. */
export function parseMochaSummary(output: string): SuiteSummary {
  const lines = output.split(/\r?\n/);
  // The last match: a suite's own output may look like a summary before the real one.
  const lastIndex = (pattern: RegExp): number => {
    for (let index = lines.length - 1; index >= 0; index--) {
      if (pattern.test(lines[index] as string)) return index;
    }
    return -1;
  };
  const count = (word: string): number | null => {
    const pattern = new RegExp(`^\\s+(\\d+) ${word}\\b`);
    const index = lastIndex(pattern);
    return index < 0 ? null : Number(pattern.exec(lines[index] as string)?.[1]);
  };
  const failing = count('failing') ?? 0;
  const failures: SuiteFailure[] = [];
  const start = lastIndex(/^\s+\d+ failing\b/);
  if (start >= 0) {
    for (let index = start + 1; index < lines.length; index++) {
      const first = /^\s+(\d+)\) (.*)$/.exec(lines[index] as string);
      if (!first || Number(first[1]) !== failures.length + 1) continue;
      // The title runs over the suites' lines down to the test's own, which ends with ':'.
      const title: string[] = [(first[2] as string).trim()];
      while (!(title.at(-1) as string).endsWith(':') && index + 1 < lines.length) {
        title.push((lines[++index] as string).trim());
      }
      const reason = lines.slice(index + 1).find((line) => line.trim() !== '') ?? '';
      failures.push({ title: title.join(' ').replace(/:$/, ''), reason: reason.trim() });
    }
  }
  return { passing: count('passing'), failing, pending: count('pending') ?? 0, failures };
}

/** The connections of one run, summed over its processes. */
export interface ConnectionCount {
  /** Connections the suite's servers accepted. */
  readonly connections: number;
  /** Of those, the ones over the fast path (the rendezvous on Linux and macOS). */
  readonly fastPath: number;
  /** The others' reasons, with their number, most frequent first. */
  readonly reasons: ReadonlyArray<readonly [string, number]>;
  /** The processes that accepted any. */
  readonly processes: number;
}

/** Sums the counts the counter wrote, one per process. */
export function sumCounts(counts: readonly ProcessCount[]): ConnectionCount {
  let connections = 0;
  let fastPath = 0;
  let processes = 0;
  const reasons = new Map<string, number>();
  for (const count of counts) {
    processes++;
    connections += count.connections;
    fastPath += count.fastPath;
    for (const [reason, n] of Object.entries(count.reasons)) {
      reasons.set(reason, (reasons.get(reason) ?? 0) + n);
    }
  }
  return {
    connections,
    fastPath,
    processes,
    reasons: [...reasons].sort((a, b) => b[1] - a[1]),
  };
}

/** One run of a suite. */
export interface SuiteRun {
  readonly suite: string;
  readonly mode: Mode;
  /** The exit code, or `null` when a signal (or the time limit) ended it. */
  readonly code: number | null;
  readonly timedOut: boolean;
  /**
   * Whether it printed its summary and then did not exit within the grace period (mocha waits
   * for whatever a failed test left open, such as a server it never closed): it was killed then.
   */
  readonly hung: boolean;
  readonly ms: number;
  readonly summary: SuiteSummary;
  readonly count: ConnectionCount;
  /** The last lines of its output. */
  readonly tail: string;
}

/** What a run needs besides the suite and its tree. */
export interface SuiteSettings {
  /** The Node binary. */
  readonly node: string;
  /** The preload's entry (`@loopfast/net/register`), as a path. */
  readonly register: string;
  /** The time limit in milliseconds. */
  readonly timeoutMs: number;
  /** How long a run may go on after printing its summary, in milliseconds. */
  readonly graceMs: number;
}

/** The built counter, the same path from `dist` and from `src` (which the tests run). */
const counter = fileURLToPath(new URL('../dist/count-connections.js', import.meta.url));

/** `NODE_OPTIONS` of a run in `mode`: the preload (if any) and the counter, quoted. */
export function nodeOptions(mode: Mode, register: string): string {
  const quote = (path: string) => `"${path.replace(/(["\\])/g, '\\$1')}"`;
  const preload = mode === 'plain' ? [] : [`--${mode}`, quote(register)];
  return [...preload, '--import', quote(counter)].join(' ');
}

/**
 * Runs `suite` once from `tree` in `mode`, in a process group of its own that is killed at the
 * time limit and when the run ends (servers its tests left behind must not outlive it).
 */
export function runFrameworkSuite(
  suite: FrameworkSuite,
  tree: string,
  mode: Mode,
  settings: SuiteSettings,
): Promise<SuiteRun> {
  const temp = mkdtempSync(join(tmpdir(), 'loopfast-frameworks-'));
  const countDir = join(temp, 'counts');
  mkdirSync(countDir);
  const { NODE_OPTIONS: _options, ...inherited } = process.env;
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    NODE_OPTIONS: nodeOptions(mode, settings.register),
    FRAMEWORK_COUNT_DIR: countDir,
  };
  if (mode !== 'plain') {
    // The package the preload belongs to, so its status is the one the counter reads.
    env.FRAMEWORK_COUNT_NET = createRequire(settings.register).resolve('@loopfast/net');
  }
  const started = performance.now();
  const child = spawn(settings.node, [suite.script(tree), ...suite.args], {
    cwd: tree,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  let grace: NodeJS.Timeout | undefined;
  let hung = false;
  const add = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (grace === undefined && /^\s+\d+ passing\b/m.test(output)) {
      grace = setTimeout(() => {
        hung = true;
        killGroup();
      }, settings.graceMs);
    }
  };
  child.stdout.on('data', add);
  child.stderr.on('data', add);
  let timedOut = false;
  const killGroup = () => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // The group is gone already.
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup();
  }, settings.timeoutMs);
  return new Promise((resolve) => {
    let finished = false;
    const finish = (code: number | null) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      clearTimeout(grace);
      killGroup();
      const counts = readdirSync(countDir).map(
        (name) => JSON.parse(readFileSync(join(countDir, name), 'utf8')) as ProcessCount,
      );
      rmSync(temp, { recursive: true, force: true, maxRetries: 3 });
      resolve({
        suite: suite.name,
        mode,
        code,
        timedOut,
        hung,
        ms: performance.now() - started,
        summary: parseMochaSummary(output),
        count: sumCounts(counts),
        tail: output.slice(-4000),
      });
    };
    child.once('error', (error) => {
      output += String(error);
      finish(null);
    });
    child.once('close', (code) => finish(code));
  });
}

/** The tests of `run` that failed, and passed in `plain` (a run of the same suite, plainly). */
export function failingOnlyThroughPreload(run: SuiteRun, plain: SuiteRun): SuiteFailure[] {
  const plainFailures = new Set(plain.summary.failures.map((failure) => failure.title));
  return run.summary.failures.filter((failure) => !plainFailures.has(failure.title));
}

const LABEL: Record<Mode, string> = { plain: 'plain', require: '--require', import: '--import' };

/** A table of runs: one row per suite and mode, with its counts and connections. */
export function formatRuns(runs: readonly SuiteRun[]): string {
  const header = [
    'suite',
    'mode',
    'passing',
    'failing',
    'pending',
    'exit',
    'connections',
    'fast path',
    'time',
  ];
  const rows = runs.map((run) => [
    run.suite,
    LABEL[run.mode],
    String(run.summary.passing ?? '?'),
    String(run.summary.failing),
    String(run.summary.pending),
    run.timedOut ? 'timeout' : run.hung ? 'hung' : String(run.code ?? 'signal'),
    String(run.count.connections),
    run.mode === 'plain' ? '-' : String(run.count.fastPath),
    `${(run.ms / 1000).toFixed(1)} s`,
  ]);
  const widths = header.map((_, column) =>
    Math.max(...[header, ...rows].map((row) => (row[column] as string).length)),
  );
  return `${[header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] as number))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

/**
 * What each preloaded run of each suite did differently from the suite's plain run: the tests
 * failing only through the preload, with their first error line, and why connections did not
 * take the fast path.
 */
export function formatDifferences(runs: readonly SuiteRun[]): string {
  const out: string[] = [];
  for (const run of runs) {
    if (run.mode === 'plain') continue;
    const plain = runs.find((other) => other.suite === run.suite && other.mode === 'plain');
    if (!plain) continue;
    const only = failingOnlyThroughPreload(run, plain);
    out.push(`${run.suite} ${LABEL[run.mode]}: failing only through the preload: ${only.length}`);
    for (const failure of only) out.push(`  ${failure.title}\n    ${failure.reason}`);
    for (const [reason, n] of run.count.reasons)
      out.push(`  not over the fast path (${n}): ${reason}`);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
