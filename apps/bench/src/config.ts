/**
 * The bench's settings: the `--quick` and `--full` presets, and the command line read into one
 * {@link BenchConfig}, validated up front.
 *
 * @module
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isModeId, type ModeId } from './modes.js';

/** The groups of measurements a run can be limited to with `--scenarios`. */
export type ScenarioGroup = 'pingpong' | 'throughput' | 'connections' | 'http' | 'calls';

/** Every scenario group, in run order. */
export const SCENARIO_GROUPS: readonly ScenarioGroup[] = [
  'pingpong',
  'throughput',
  'connections',
  'http',
  'calls',
];

/** Everything a run needs to know. Every loop it drives is bounded by a count and a time. */
export interface BenchConfig {
  /** The preset the figures started from. */
  readonly preset: 'quick' | 'full';
  /** Measured rounds: each yields one figure per mode; min, median and max are over rounds. */
  readonly rounds: number;
  /**
   * Slices per round: a round's budget is split into this many turns per mode, the modes taking
   * turns (forward, then backward, ...), so a change in the machine's state during a round falls
   * on every mode alike.
   */
  readonly slices: number;
  /** The scenario groups to run. */
  readonly scenarios: readonly ScenarioGroup[];
  /** The modes to run (`null`: every mode this platform has). */
  readonly modes: readonly ModeId[] | null;
  readonly pingPong: {
    /** Payload sizes in bytes: 1 B and 4 KiB. */
    readonly sizes: readonly number[];
    /** Measured round trips per mode and round, at most. */
    readonly count: number;
    /** Unmeasured round trips on each connection (one per slice) first. */
    readonly warmup: number;
    readonly timeLimitMs: number;
  };
  readonly throughput: {
    /** Bytes per mode and round, at most. */
    readonly bytes: number;
    /** Bytes per write: 64 KiB. */
    readonly chunkSize: number;
    readonly timeLimitMs: number;
  };
  readonly connectionRate: {
    /** Connections per mode and round, at most. */
    readonly count: number;
    readonly timeLimitMs: number;
  };
  /** The HTTP scenarios (keep-alive, a new connection per request, `fetch`). */
  readonly http: {
    /** Requests in flight at once, each on a connection of its own: 16. */
    readonly concurrency: number;
    /** Requests per mode and round in each HTTP scenario, at most. */
    readonly requests: number;
    /** Bytes of every request body and of every response body: 64. */
    readonly bodySize: number;
    readonly timeLimitMs: number;
  };
  readonly callCost: {
    /** `getSocketOption` calls per backend and round, at most. */
    readonly calls: number;
    readonly timeLimitMs: number;
  };
  /** Where to write the JSON results, if anywhere. */
  readonly json: string | null;
  /** Where to write the HTML (or, for a `.svg` name, SVG) report, if anywhere. */
  readonly report: string | null;
  /** Show progress on stderr: always, never, or when stderr is a terminal. */
  readonly progress: 'auto' | 'on' | 'off';
}

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The default preset: about 90 s on a 2-core machine, half of it the HTTP scenarios. Each
 * measurement stops at its count or its time limit; the time limits alone cap the whole run at
 * about two and a half minutes however slow the machine.
 */
export const QUICK: BenchConfig = Object.freeze({
  preset: 'quick',
  rounds: 7,
  slices: 4,
  scenarios: SCENARIO_GROUPS,
  modes: null,
  pingPong: { sizes: [1, 4 * KiB], count: 5000, warmup: 100, timeLimitMs: 600 },
  throughput: { bytes: 1024 * MiB, chunkSize: 64 * KiB, timeLimitMs: 600 },
  // Turns of 200 connections (a few tens of milliseconds) let one scheduling hiccup decide a
  // round; 2,000 give each turn about a quarter of the time limit.
  connectionRate: { count: 2000, timeLimitMs: 500 },
  http: { concurrency: 16, requests: 40_000, bodySize: 64, timeLimitMs: 800 },
  callCost: { calls: 200_000, timeLimitMs: 200 },
  json: null,
  report: null,
  progress: 'auto',
});

/** `--full`: more rounds and longer measurements, for figures worth quoting. */
export const FULL: BenchConfig = Object.freeze({
  ...QUICK,
  preset: 'full',
  rounds: 15,
  pingPong: { sizes: [1, 4 * KiB], count: 20_000, warmup: 1000, timeLimitMs: 4000 },
  throughput: { bytes: 4096 * MiB, chunkSize: 64 * KiB, timeLimitMs: 2000 },
  connectionRate: { count: 5000, timeLimitMs: 3000 },
  http: { concurrency: 16, requests: 1_000_000, bodySize: 64, timeLimitMs: 2500 },
  callCost: { calls: 2_000_000, timeLimitMs: 1500 },
});

/** The `--help` text. */
export const USAGE = `Usage: loopfast-bench [--quick | --full] [options]

Measures node:net TCP (the baseline), @loopfast/net with the fast path off, @loopfast/net with
the fast path on once per backend (ffi, napi), and node:net over a Unix socket (POSIX ceiling),
side by side in alternating rounds; then HTTP requests between an http server process and a
client process over TCP, with both processes preloaded (--import @loopfast/net/register), and
over a Unix socketPath (the ceiling); prints tables, ratios against the baseline and target
verdicts.

  --quick                 the default: about a minute and a half on 2 cores
  --full                  more rounds and longer measurements (about 15 minutes on 2 cores)
  --json FILE             write every figure as JSON
  --report FILE           write a self-contained HTML report with charts (.svg: charts only)
  --rounds N              measured rounds (default: quick 7, full 15)
  --slices N              turns per mode within a round (default 4)
  --modes LIST            comma-separated: net,off,on-ffi,on-napi,unix (net is always kept;
                          the HTTP scenarios always run net, preload and unix)
  --scenarios LIST        comma-separated: pingpong,throughput,connections,http,calls
  --pingpong-count N      round trips per mode and round, at most
  --pingpong-warmup N     unmeasured round trips per connection (0 allowed)
  --throughput-bytes N    bytes per mode and round, at most (suffixes KiB, MiB, GiB)
  --connections N         connections per mode and round, at most
  --http-requests N       HTTP requests per mode and round in each HTTP scenario, at most
  --http-concurrency N    HTTP requests in flight at once (default 16)
  --calls N               socket-option calls per backend and round, at most
  --time-limit MS         time limit of every single measurement
  --progress / --no-progress   progress on stderr (default: when stderr is a terminal)
  -h, --help              this text

A missed target is reported, never turned into a failing exit code; the exit code is 1 only when
a measurement itself failed, 2 for bad arguments (a --json or --report file that cannot be
written among them: its directory is checked before anything is measured).`;

/** A command-line mistake; the CLI prints its message and the usage, and exits with 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function positiveInteger(value: string, flag: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1)
    throw new UsageError(`${flag} takes a positive integer, not ${JSON.stringify(value)}`);
  return number;
}

/** Parses a byte count with an optional binary suffix: `1048576`, `64KiB`, `256MiB`, `1GiB`. */
export function parseBytes(value: string, flag = 'size'): number {
  const match = /^\s*(\d+)\s*(B|KiB|MiB|GiB)?\s*$/i.exec(value);
  const unit = (match?.[2] ?? 'B').toLowerCase();
  const factor = unit === 'kib' ? KiB : unit === 'mib' ? MiB : unit === 'gib' ? 1024 * MiB : 1;
  const number = match ? Number(match[1]) * factor : Number.NaN;
  if (!Number.isSafeInteger(number) || number < 1)
    throw new UsageError(`${flag} takes a byte count such as 65536 or 64MiB, not ${value}`);
  return number;
}

function list<T extends string>(
  value: string,
  flag: string,
  valid: (item: string) => item is T,
): T[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  const wrong = items.filter((item) => !valid(item));
  if (items.length === 0 || wrong.length > 0)
    throw new UsageError(
      `${flag}: unknown ${wrong.length > 0 ? wrong.join(', ') : '(empty list)'}`,
    );
  return [...new Set(items as T[])];
}

function isScenarioGroup(value: string): value is ScenarioGroup {
  return (SCENARIO_GROUPS as readonly string[]).includes(value);
}

/** The outcome of reading the command line. */
export type ParsedArgs = { readonly help: true } | { readonly help: false; config: BenchConfig };

/**
 * Reads the command line (without the `node` and script entries) into a {@link BenchConfig}.
 * @throws {@link UsageError} for unknown flags and bad values.
 */
export function parseBenchArgs(argv: readonly string[]): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        full: { type: 'boolean' },
        json: { type: 'string' },
        report: { type: 'string' },
        rounds: { type: 'string' },
        slices: { type: 'string' },
        modes: { type: 'string' },
        scenarios: { type: 'string' },
        'pingpong-count': { type: 'string' },
        'pingpong-warmup': { type: 'string' },
        'throughput-bytes': { type: 'string' },
        connections: { type: 'string' },
        'http-requests': { type: 'string' },
        'http-concurrency': { type: 'string' },
        calls: { type: 'string' },
        'time-limit': { type: 'string' },
        progress: { type: 'boolean' },
        'no-progress': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help) return { help: true };
  if (v.quick && v.full) throw new UsageError('--quick and --full exclude each other');
  const base = v.full ? FULL : QUICK;
  const str = (name: string) => v[name] as string | undefined;
  const int = (name: string, fallback: number) => {
    const value = str(name);
    return value === undefined ? fallback : positiveInteger(value, `--${name}`);
  };
  const timeLimit = str('time-limit');
  const limit = (fallback: number) =>
    timeLimit === undefined ? fallback : positiveInteger(timeLimit, '--time-limit');
  const modes = str('modes');
  const scenarios = str('scenarios');
  const bytes = str('throughput-bytes');
  const selectedModes = modes === undefined ? null : list(modes, '--modes', isModeId);
  if (v.progress && v['no-progress'])
    throw new UsageError('--progress and --no-progress exclude each other');
  return {
    help: false,
    config: {
      preset: base.preset,
      rounds: int('rounds', base.rounds),
      slices: int('slices', base.slices),
      scenarios:
        scenarios === undefined ? base.scenarios : list(scenarios, '--scenarios', isScenarioGroup),
      // The baseline is what every ratio divides by: it is always measured.
      modes: selectedModes === null ? null : [...new Set<ModeId>(['net', ...selectedModes])],
      pingPong: {
        ...base.pingPong,
        count: int('pingpong-count', base.pingPong.count),
        warmup: str('pingpong-warmup') === '0' ? 0 : int('pingpong-warmup', base.pingPong.warmup),
        timeLimitMs: limit(base.pingPong.timeLimitMs),
      },
      throughput: {
        ...base.throughput,
        bytes:
          bytes === undefined ? base.throughput.bytes : parseBytes(bytes, '--throughput-bytes'),
        timeLimitMs: limit(base.throughput.timeLimitMs),
      },
      connectionRate: {
        count: int('connections', base.connectionRate.count),
        timeLimitMs: limit(base.connectionRate.timeLimitMs),
      },
      http: {
        ...base.http,
        concurrency: int('http-concurrency', base.http.concurrency),
        requests: int('http-requests', base.http.requests),
        timeLimitMs: limit(base.http.timeLimitMs),
      },
      callCost: {
        calls: int('calls', base.callCost.calls),
        timeLimitMs: limit(base.callCost.timeLimitMs),
      },
      json: str('json') ?? null,
      report: str('report') ?? null,
      progress: v.progress ? 'on' : v['no-progress'] ? 'off' : 'auto',
    },
  };
}

/**
 * Why the file a `--json` or `--report` flag names could not be written, or `null` if it can be:
 * its directory must exist and be writable, and the name must not be a directory. Checked before
 * measuring, so a typo costs a second, not a whole run.
 */
export function outputPathProblem(path: string, flag: string): string | null {
  const file = resolve(path);
  const directory = dirname(file);
  try {
    if (statSync(file).isDirectory()) return `${flag} ${path}: is a directory, not a file name`;
  } catch {
    // No such file yet: it will be made.
  }
  let isDirectory: boolean;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR'
      ? `${flag} ${path}: the directory ${directory} does not exist`
      : `${flag} ${path}: cannot reach ${directory} (${code})`;
  }
  if (!isDirectory) return `${flag} ${path}: ${directory} is not a directory`;
  try {
    accessSync(directory, constants.W_OK);
  } catch {
    return `${flag} ${path}: the directory ${directory} is not writable`;
  }
  return null;
}

/** The problems of every output file a configuration names (empty when all can be written). */
export function outputPathProblems(config: Pick<BenchConfig, 'json' | 'report'>): string[] {
  const problems: string[] = [];
  for (const [flag, path] of [
    ['--json', config.json],
    ['--report', config.report],
  ] as const) {
    const problem = path === null ? null : outputPathProblem(path, flag);
    if (problem !== null) problems.push(problem);
  }
  return problems;
}
