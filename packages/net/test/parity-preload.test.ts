/**
 * The parity table (packages/conformance/src/parity-suite.ts) with the preload loaded: the
 * subject is `node:net` itself as a program started with `--import @loopfast/net/register` (and,
 * recorded apart, `--require`) sees it (`createServer`, `connect` and `createConnection` looked up
 * on `node:net` at each call), so
 * every row goes through the preload's `net.connect`, `net.createConnection` and
 * `net.Server.prototype.listen`. (Its `net.Socket.prototype.connect` hands the normalized call
 * `net.connect` makes to Node; a bare `new net.Socket().connect()` is not a row of the table.)
 * The first row proves the client, the server and the accepted socket really took the
 * rendezvous.
 *
 * The preload replaces those functions for its whole process, so `node:net`'s own outcomes (the
 * references) cannot be made there. The table runs in child processes instead, started alike:
 * the same script, Node binary, directory and environment (without `NODE_OPTIONS`, so nothing
 * reaches a child but its command line), one with the preload and one without, each recording
 * every row (`recordParity`); this file compares the recordings row by row, with the same
 * documented differences as parity.test.ts. The preload's behaviours run with its own client
 * and server only: in its process every `net` caller is the preload, so no `node:net` peer exists.
 *
 * A second plain recording is held against the references first: a control proving that every
 * row gives the same outcome in two processes, so a difference found for the preload is its own.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  decodeParityRecording,
  encodeParityRecording,
  type ParityRecording,
  type ParitySubject,
  parityConformance,
} from '@loopfast/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childEnv, NET_URL, Proc, removeScripts, stopAll, writeScript } from './support/agents.js';
import { PACKAGE_DIR, type PreloadFlag, preloadArgs } from './support/preload.js';
import { freshTemp, removeTemps } from './support/rendezvous.js';

const require = createRequire(import.meta.url);
/** The table's module alone (the package index also loads suites this script has no use for). */
const PARITY_URL = pathToFileURL(
  join(dirname(require.resolve('@loopfast/conformance')), 'parity-suite.js'),
).href;
const FFI_URL = pathToFileURL(require.resolve('@loopfast/ffi')).href;

/** How long one recording may take, whatever happens in it (about 6 s; each row is bounded). */
const RECORDING_MS = 60_000;

/** What a child is told of the subject it records. */
type Described = Pick<ParitySubject, 'label' | 'fastPath' | 'transport' | 'mechanism'>;

/**
 * Records the table for `node:net` as this process sees it. The descriptors for the
 * `listen({ fd })` rows come from the ffi backend, in both children alike.
 */
const RECORDER = writeScript(
  'parity-recorder.mjs',
  `
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { backend } from ${JSON.stringify(FFI_URL)};
import { fastPathInfo } from ${JSON.stringify(NET_URL)};
import { encodeParityRecording, recordParity } from ${JSON.stringify(PARITY_URL)};
const [file, described] = [process.argv[2], JSON.parse(process.argv[3])];
const recording = await recordParity({
  ...described,
  // Looked up on node:net at each call, as a program does: with the preload, its replacements.
  createServer: (...args) => net.createServer(...args),
  connect: (...args) => net.connect(...args),
  createConnection: (...args) => net.createConnection(...args),
  fastPathInfo,
  makeTcpDescriptor: () => backend.createTcpSocket(4),
});
writeFileSync(file, encodeParityRecording(recording));
`,
);

const tmp = freshTemp('parity-preload');

/**
 * Runs the recorder in a child started with `flag` (and nothing else: `NODE_OPTIONS` removed),
 * as `name`, and decodes what it wrote.
 */
async function record(
  name: string,
  flag: PreloadFlag,
  subject: Described,
): Promise<ParityRecording> {
  const file = join(tmp, `${name}.v8`);
  const proc = new Proc(
    process.execPath,
    [...preloadArgs(flag), RECORDER, file, JSON.stringify(subject)],
    {
      env: childEnv(tmp, { NODE_OPTIONS: undefined }),
      cwd: PACKAGE_DIR,
      killAfterMs: RECORDING_MS,
    },
  );
  proc.end();
  const exit = await proc.exited;
  if (exit.code !== 0) throw new Error(`the ${name} recording failed: ${proc.describe()}`);
  return decodeParityRecording(readFileSync(file));
}

/** The recording started last: the next one waits for its end. */
let previous: Promise<unknown> = Promise.resolve();

/**
 * `start` on the first call, once the recording before it has ended; its promise after. One at
 * a time: a few rows take what only one process can hold at once (`listen('12ab')` a path in
 * the working directory, `listen({ port: 1 })` port 1 when run as root).
 */
function inTurn<T>(start: () => Promise<T>): () => Promise<T> {
  let started: Promise<T> | undefined;
  return () => {
    if (!started) {
      started = previous.then(start);
      previous = started.catch(() => {});
    }
    return started;
  };
}

afterAll(async () => {
  await stopAll();
  removeTemps();
  removeScripts();
});

describe.runIf(process.platform === 'linux')('parity table with the preload', () => {
  const PLAIN: Described = {
    label: 'node:net',
    fastPath: false,
    transport: 'tcp',
    mechanism: null,
  };
  const PRELOAD: Described = {
    label: 'preload (node:net with @loopfast/net/register), unix-rendezvous',
    fastPath: true,
    transport: 'unix-rendezvous',
    mechanism: 'unix-rendezvous',
  };
  const PRELOAD_REQUIRE: Described = {
    ...PRELOAD,
    label: 'preload with --require (node:net with @loopfast/net/register), unix-rendezvous',
  };
  const references = inTurn(() => record('references', 'none', PLAIN));
  const control = inTurn(() => record('control', 'none', PLAIN));
  const preloaded = inTurn(() => record('preload', 'import', PRELOAD));
  // The CommonJS way loads the preload, and so patches `node:net`, at another point of start-up.
  const required = inTurn(() => record('preload-require', 'require', PRELOAD_REQUIRE));

  // The rows read the recordings: wait for all four once, bounded, rather than in a row.
  beforeAll(
    () => Promise.allSettled([references(), control(), preloaded(), required()]),
    4 * RECORDING_MS + 5000,
  );

  parityConformance({
    ...PLAIN,
    label: 'node:net in another process (control)',
    recording: control,
    references,
  });
  parityConformance({ ...PRELOAD, recording: preloaded, references });
  parityConformance({ ...PRELOAD_REQUIRE, recording: required, references });
});

describe('parity recordings between processes', () => {
  const recording = (outcome: unknown): ParityRecording => ({
    node: process.version,
    startedWith: { execArgv: [], nodeOptions: null },
    rows: new Map([['row', { outcome }]]),
  });

  it('carry outcomes exactly, where JSON would not: undefined values, NaN, Infinity', () => {
    // A key whose value is undefined is not a missing key to the documented differences.
    const outcome = {
      remotePort: undefined,
      events: ['end', undefined],
      values: [Number.NaN, Number.POSITIVE_INFINITY, null],
      nested: { address: { port: undefined } },
    };
    const decoded = decodeParityRecording(encodeParityRecording(recording(outcome)));
    expect(decoded.rows.get('row')).toStrictEqual({ outcome });
    expect(decoded).toStrictEqual(recording(outcome));
  });

  it('refuse what is not plain data, and bytes that are not a recording', () => {
    expect(() => encodeParityRecording(recording({ listener: () => {} }))).toThrow();
    expect(() =>
      decodeParityRecording(encodeParityRecording(recording(1)).subarray(0, 8)),
    ).toThrow();
    expect(() => decodeParityRecording(Buffer.from(JSON.stringify({ rows: {} })))).toThrow();
  });
});
