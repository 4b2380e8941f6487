/**
 * Runs one of Node's tests once, as Node's own runner (`tools/test.py`) does: `node <flags>
 * <file>` from the root of the source tree, with a temp dir of its own (`NODE_TEST_DIR`, under
 * which `test/common/tmpdir` makes `.tmp.<TEST_THREAD_ID>`), a time limit, and the exit status
 * as the verdict. The preload, when asked for, comes before the test's own flags.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TestFile } from './tests.js';

/** How a test is started: plainly, or with the preload by `--require` or `--import`. */
export type Mode = 'plain' | 'require' | 'import';

/** The modes in the order the table shows them. */
export const MODES: readonly Mode[] = ['plain', 'require', 'import'];

/** How one run ended. */
export interface Outcome {
  /** `pass` (exit 0), `fail` (another exit code or a signal) or `timeout` (killed at the limit). */
  readonly verdict: 'pass' | 'fail' | 'timeout';
  /** The exit code, or `null` when a signal ended it. */
  readonly code: number | null;
  /** The signal that ended it, if one did. */
  readonly signal: string | null;
  /** Wall time in milliseconds. */
  readonly ms: number;
  /** The last lines of its output (stdout and stderr), for the report. */
  readonly tail: string;
}

/** What one run needs besides the test. */
export interface RunSettings {
  /** The Node binary. */
  readonly node: string;
  /** The preload's entry (`@loopfast/net/register`), as a path. */
  readonly register: string;
  /** The time limit in milliseconds. */
  readonly timeoutMs: number;
}

/** Keeps the last `limit` characters of what a process wrote. */
class Tail {
  private text = '';
  constructor(private readonly limit: number) {}
  add(chunk: Buffer): void {
    this.text = (this.text + chunk.toString('utf8')).slice(-this.limit);
  }
  toString(): string {
    return this.text;
  }
}

/** The command-line flags of `mode`, before the test's own. */
export function preloadFlags(mode: Mode, register: string): string[] {
  return mode === 'plain' ? [] : [`--${mode}`, register];
}

/** The environment of a run: the caller's, without `NODE_OPTIONS`, with its own temp dirs. */
function environment(temp: string, slot: number): NodeJS.ProcessEnv {
  const { NODE_OPTIONS: _options, ...env } = process.env;
  return { ...env, NODE_TEST_DIR: temp, TEST_THREAD_ID: String(slot), TMPDIR: temp };
}

/**
 * Runs `test` once in `mode`; `slot` (0 .. parallelism - 1) names its `.tmp.<slot>` directory.
 * A test past the time limit is killed with its process group (the children it started too).
 */
export function runTest(
  test: TestFile,
  mode: Mode,
  slot: number,
  settings: RunSettings,
): Promise<Outcome> {
  const temp = mkdtempSync(join(tmpdir(), 'loopfast-node-test-'));
  const started = performance.now();
  const tail = new Tail(4000);
  const child = spawn(
    settings.node,
    [...preloadFlags(mode, settings.register), ...test.flags, test.path],
    {
      // The tree's root, as Node's runner starts tests: some resolve paths from there.
      cwd: dirname(dirname(dirname(test.path))),
      env: environment(temp, slot),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  child.stdout.on('data', (chunk: Buffer) => tail.add(chunk));
  child.stderr.on('data', (chunk: Buffer) => tail.add(chunk));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // It ended by itself meanwhile.
    }
  }, settings.timeoutMs);
  return new Promise((resolve) => {
    let finished = false;
    const finish = (code: number | null, signal: string | null) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      // What the test left running (servers of its children) must not outlive it.
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // Nothing was left.
      }
      rmSync(temp, { recursive: true, force: true, maxRetries: 3 });
      const verdict = timedOut ? 'timeout' : code === 0 ? 'pass' : 'fail';
      resolve({ verdict, code, signal, ms: performance.now() - started, tail: tail.toString() });
    };
    child.once('error', (error) => {
      tail.add(Buffer.from(String(error)));
      finish(null, null);
    });
    child.once('close', finish);
  });
}
