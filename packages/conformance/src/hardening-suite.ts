/**
 * The hardening suite: `@loopfast/net` under load and under faults, for each backend and each
 * mechanism, bounded in count and in time, every figure measured and reported.
 *
 * Each part runs in a fresh child process (hardening-worker.ts), so its descriptor counts, heap
 * and memory are its own, a raised descriptor limit applies to it alone, and a crash fails the
 * test instead of the runner. Every child is killed when its part ends or overruns its bound.
 * The children load the built `@loopfast/net` (its `dist`), as a user's process would.
 *
 * Parts (counts are the defaults; `heavy: false` shrinks them, see {@link HardeningOptions}):
 * - churn: 20,000 connect / exchange / close cycles; descriptors back to baseline ±2; heap
 *   growth reported;
 * - concurrency: 2,000 connections open at once, each exchanging data, all closed cleanly (the
 *   child runs with its descriptor limit raised to 8192 by `prlimit`, or `ulimit -n` in a shell);
 * - integrity: 1 GiB through 16 connections (512 MiB each way), write sizes 1 B to 256 KiB (both
 *   included), readers that pause and resume, SHA-256 equal both ways, peak memory reported and
 *   bounded;
 * - faults: a peer process SIGKILLed mid-stream in each role (the other side gets an error or
 *   the end within 2 s); `server.close()` with live connections; `destroy()` right after
 *   `connect()` at several moments; `close()` during a listen's lookup; aborted signals;
 *   `ECONNREFUSED` exactly as `node:net` gives it;
 * - fuzz: at least 10,000 seeded calls per backend, ffi and napi side by side in one child:
 *   every throw has a `code`, no bad input succeeds, sentinel descriptors opened before are
 *   intact after, and the two backends agree on every call;
 * - Node's permission model, with and without `--allow-addons`: connections work and the status
 *   names the cause.
 *
 * Figures go to a JSON file and to the test output.
 *
 * @module
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { WorkerConfig } from './hardening-worker.js';

type Mechanism = WorkerConfig['mechanism'];

/** What the suite needs to know to start its children. */
export interface HardeningOptions {
  /** URL of the built `@loopfast/net` folder (`dist`), which the children import. */
  readonly netDist: string;
  /** The entry module path of each backend package, by name (`ffi`, `napi`). */
  readonly backends: Readonly<Record<string, string>>;
  /** The mechanisms to run: this platform's, and the Windows route with its stand-in. */
  readonly mechanisms: readonly Mechanism[];
  /** Where the figures are written (JSON). */
  readonly figuresFile: string;
  /**
   * Full counts (20,000 cycles, 2,000 connections, 1 GiB, 20,000 fuzz calls per backend), or a
   * tenth of them with the fuzz at its floor of 10,000 calls per backend, for runs that only need
   * to prove the suite passes.
   */
  readonly heavy: boolean;
  /** The seed of the fuzz and of the integrity part's write sizes. */
  readonly seed?: number;
}

const WORKER = join(dirname(fileURLToPath(import.meta.url)), 'hardening-worker.js');
const MiB = 1024 * 1024;

/** Children alive right now, killed if the suite ends first. */
const live = new Set<ChildProcess>();

interface WorkerRun<T> {
  readonly result: T | null;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderr: string;
  readonly seconds: number;
}

/**
 * Runs one part in a child process, bounded: SIGKILLed after `timeoutMs`. `prefix` runs it
 * under another command (`prlimit`); `nodeFlags` go before the worker script.
 */
function runWorker<T>(
  config: WorkerConfig,
  options: {
    timeoutMs: number;
    prefix?: readonly string[];
    nodeFlags?: readonly string[];
    env?: NodeJS.ProcessEnv;
  },
): Promise<WorkerRun<T>> {
  const tmp = mkdtempSync(join(tmpdir(), 'loopfast-hardening-'));
  const started = performance.now();
  const command = options.prefix?.[0] ?? process.execPath;
  const args = [
    ...(options.prefix ? [...options.prefix.slice(1), process.execPath] : []),
    ...(options.nodeFlags ?? ['--expose-gc']),
    WORKER,
    JSON.stringify(config),
  ];
  // A private TMPDIR: the rendezvous directory of this part is its own.
  const child = spawn(command, args, {
    env: { ...process.env, ...options.env, TMPDIR: tmp },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (data) => {
    stdout += String(data);
  });
  child.stderr?.on('data', (data) => {
    stderr += String(data);
  });
  const timer = setTimeout(() => {
    stderr += `\n(killed: the part overran its bound of ${options.timeoutMs} ms)`;
    child.kill('SIGKILL');
  }, options.timeoutMs);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      rmSync(tmp, { recursive: true, force: true });
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      resolve({
        result: line ? (JSON.parse(line.slice('RESULT '.length)) as T) : null,
        code,
        signal,
        stderr,
        seconds: (performance.now() - started) / 1000,
      });
    });
  });
}

/** Fails with what the child said when it produced no result. */
function resultOf<T>(run: WorkerRun<T>): T {
  expect(
    run.result,
    `the worker ended with code ${run.code}, signal ${run.signal}: ${run.stderr}`,
  ).not.toBeNull();
  return run.result as T;
}

/** How to start a child with at least `limit` descriptors: `prlimit`, else a shell's `ulimit`. */
function raisedLimit(limit: number): readonly string[] {
  if (spawnSync('prlimit', [`--nofile=${limit}:${limit}`, 'true']).status === 0) {
    return ['prlimit', `--nofile=${limit}:${limit}`];
  }
  return ['bash', '-c', `ulimit -n ${limit} && exec "$0" "$@"`];
}

/** The permission flag of this Node: `--permission` from Node 22, `--experimental-permission` on 20. */
function permissionFlag(): string {
  return Number(process.versions.node.split('.')[0]) >= 22
    ? '--permission'
    : '--experimental-permission';
}

/** Registers the hardening suite. */
export function hardeningConformance(options: HardeningOptions): void {
  const scale = options.heavy ? 1 : 0.1;
  const counts = {
    cycles: Math.round(20_000 * scale),
    connections: Math.round(2_000 * scale),
    totalBytes: Math.round(1024 * scale) * MiB,
    fuzzCalls: Math.max(10_000, Math.round(20_000 * scale)),
    rounds: 100,
  };
  const seed = options.seed ?? 20_240_601;
  const figures: Record<string, unknown> = {
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    heavy: options.heavy,
    seed,
    counts,
    parts: {} as Record<string, unknown>,
  };
  const parts = figures.parts as Record<string, unknown>;
  const backendNames = Object.keys(options.backends);
  const base = (backend: string, mechanism: Mechanism) => ({
    netDist: options.netDist,
    backends: options.backends,
    backend,
    mechanism,
    seed,
  });

  afterAll(() => {
    for (const child of live) child.kill('SIGKILL');
    mkdirSync(dirname(options.figuresFile), { recursive: true });
    writeFileSync(options.figuresFile, `${JSON.stringify(figures, null, 2)}\n`);
    process.stdout.write(
      `\nloopfast hardening figures (${options.figuresFile}):\n${JSON.stringify(figures, null, 2)}\n`,
    );
  });

  describe(`hardening (${options.heavy ? 'full counts' : 'a tenth of the counts'}, Node ${process.version})`, () => {
    for (const backend of backendNames) {
      for (const mechanism of options.mechanisms) {
        const label = `${backend} backend, ${mechanism}`;
        const record = (part: string, value: unknown) => {
          parts[`${label}: ${part}`] = value;
        };

        describe(label, () => {
          it(`churn: ${counts.cycles} connect/exchange/close cycles; descriptors back to baseline ±2; heap growth reported`, async () => {
            const run = await runWorker<Record<string, number> & { errors: object }>(
              {
                ...base(backend, mechanism),
                part: 'churn',
                counts: { cycles: counts.cycles, lanes: 8 },
              },
              { timeoutMs: 90_000 },
            );
            const r = resultOf(run);
            record('churn', { ...r, wallSeconds: run.seconds });
            expect(r.good).toBe(counts.cycles);
            expect(r.enabled).toBe(counts.cycles);
            expect(r.errors).toEqual({});
            expect(Math.abs((r.fdsAfter as number) - (r.fdsBefore as number))).toBeLessThanOrEqual(
              2,
            );
          }, 120_000);

          it(`concurrency: ${counts.connections} connections open at once, each exchanging data, all closed cleanly`, async () => {
            // 2,000 connections hold 4,000 descriptors in one process: the child runs with its
            // limit raised to 8192 (prlimit, or ulimit -n in a shell), whatever the runner has.
            const run = await runWorker<Record<string, number> & { errors: object }>(
              {
                ...base(backend, mechanism),
                part: 'concurrency',
                counts: { connections: counts.connections, batch: 200 },
              },
              { timeoutMs: 90_000, prefix: raisedLimit(8192) },
            );
            const r = resultOf(run);
            record('concurrency', { ...r, wallSeconds: run.seconds });
            expect(r.descriptorLimit).toBeGreaterThanOrEqual(8192);
            expect(r.openAtOnce).toBe(counts.connections);
            expect(Number(r.fdsPeak) - Number(r.fdsBefore)).toBeGreaterThanOrEqual(
              counts.connections * 2,
            );
            expect(r.exchanged).toBe(counts.connections);
            expect(r.closedCleanly).toBe(counts.connections);
            expect(r.enabled).toBe(counts.connections);
            expect(r.errors).toEqual({});
            expect(r.connectionsLeft).toBe(0);
            expect(Math.abs(Number(r.fdsAfter) - Number(r.fdsBefore))).toBeLessThanOrEqual(2);
          }, 120_000);

          it(`integrity: ${counts.totalBytes / MiB} MiB through 16 connections, random write sizes, pausing readers, SHA-256 equal both ways, memory bounded`, async () => {
            const run = await runWorker<Record<string, number | boolean>>(
              {
                ...base(backend, mechanism),
                part: 'integrity',
                counts: { connections: 16, totalBytes: counts.totalBytes },
              },
              { timeoutMs: 120_000 },
            );
            const r = resultOf(run);
            record('integrity', { ...r, wallSeconds: run.seconds });
            expect(r.totalBytes).toBe(counts.totalBytes);
            expect(r.matchedClientToServer).toBe(16);
            expect(r.matchedServerToClient).toBe(16);
            expect(r.allReceivedBytes).toBe(true);
            expect(r.enabled).toBe(16);
            expect(r.readerPauses).toBeGreaterThan(0);
            expect(r.smallestWriteBytes).toBe(1);
            expect(r.largestWriteBytes).toBe(256 * 1024);
            // Bounded: the bytes stream through; a transfer that buffered them would grow by GiB.
            expect(r.peakRssGrowthBytes).toBeLessThan(256 * MiB);
          }, 150_000);

          it('faults: destroy() at several moments, close() with live connections, close() during a lookup, aborted signals, ECONNREFUSED as node:net', async () => {
            const run = await runWorker<Record<string, Record<string, unknown>>>(
              { ...base(backend, mechanism), part: 'faults', counts: { rounds: counts.rounds } },
              { timeoutMs: 90_000 },
            );
            const r = resultOf(run);
            record('faults', { ...r, wallSeconds: run.seconds });
            for (const [moment, figures] of Object.entries(r.destroy ?? {})) {
              const f = figures as Record<string, number>;
              const changed = (figures as { changed?: string[] }).changed ?? [];
              expect({
                moment,
                closed: f.closed,
                errors: f.errors,
                fds: f.fdsAfter,
                changed,
              }).toEqual({
                moment,
                closed: counts.rounds,
                errors: 0,
                fds: f.fdsBefore,
                changed: [],
              });
            }
            expect(r.closeWithLive).toMatchObject({
              listeningRightAfterClose: false,
              closeEventsBeforeConnectionsEnded: 0,
              echoesAfterClose: 50,
              closeEvents: 1,
              callbacks: 1,
            });
            expect(r.closeWithLive?.fdsAfter).toBe(r.closeWithLive?.fdsBefore);
            expect(r.listenCancelled).toMatchObject({ listened: 0 });
            expect(r.listenCancelled?.fdsAfter).toBe(r.listenCancelled?.fdsBefore);
            expect(r.connectAborted).toMatchObject({ abortErrors: counts.rounds });
            expect(r.connectAborted?.fdsAfter).toBe(r.connectAborted?.fdsBefore);
            const refused = r.refused as { node: unknown; loopfast: unknown };
            expect(refused.loopfast).toEqual(refused.node);
          }, 120_000);

          for (const role of ['server-dies', 'client-dies'] as const) {
            it(`a peer process SIGKILLed mid-stream (${role === 'server-dies' ? 'the server' : 'the client'} dies): the other side gets an error or the end within 2 s`, async () => {
              const run = await runWorker<Record<string, unknown>>(
                { ...base(backend, mechanism), part: 'kill-peer', role, counts: {} },
                { timeoutMs: 30_000 },
              );
              const r = resultOf(run);
              record(`peer killed, ${role}`, { ...r, wallSeconds: run.seconds });
              expect(r.ownState).toBe('enabled');
              expect(r.peerState).toBe('enabled');
              expect(r.receivedBeforeKill).toBeGreaterThanOrEqual(MiB);
              expect(String(r.outcome)).toMatch(/^(end|error \w+)$/);
              expect(r.ms).toBeLessThan(2000);
            }, 40_000);
          }
        });
      }
    }

    it(`fuzz: ${counts.fuzzCalls} seeded calls per backend (${backendNames.join(' and ')} side by side): every throw has a code, no bad input succeeds, sentinels intact, the backends agree`, async () => {
      const run = await runWorker<Record<string, unknown>>(
        {
          ...base(backendNames[0] as string, 'unix-rendezvous'),
          part: 'fuzz',
          counts: { calls: counts.fuzzCalls },
        },
        { timeoutMs: 90_000 },
      );
      expect(run.signal, run.stderr).toBeNull();
      const r = resultOf(run);
      parts.fuzz = { ...r, wallSeconds: run.seconds };
      expect(r.callsPerBackend).toBeGreaterThanOrEqual(10_000);
      expect(r.backends).toEqual(backendNames);
      expect(r.codeless).toEqual([]);
      expect(r.silentSuccesses).toEqual([]);
      expect(r.disagreements).toEqual([]);
      expect(r.sentinels).toBeGreaterThan(3);
      expect(r.sentinelsDamaged).toEqual([]);
      expect(r.sentinelFileReads).toBe('sentinel');
      expect(r.sentinelServerReplies).toBe('sentinel');
      expect(r.returns).toBeGreaterThan(1000);
    }, 120_000);

    describe(`Node's permission model (${permissionFlag()})`, () => {
      type View = { state: string; mechanism: string | null; reason: string };
      type Outcome = { text: string; server: View; client: View; accepted: View };
      const cases = backendNames.flatMap((backend) =>
        options.mechanisms.flatMap((mechanism) =>
          (['without --allow-addons', 'with --allow-addons'] as const).map(
            (addons) => [backend, mechanism, addons] as const,
          ),
        ),
      );
      it.each(cases)(
        '%s backend, %s, %s: connections work and the status names the cause',
        async (backend, mechanism, addons) => {
          const flags = [
            permissionFlag(),
            '--allow-fs-read=*',
            ...(addons === 'with --allow-addons' ? ['--allow-addons'] : []),
          ];
          const run = await runWorker<Outcome>(
            { ...base(backend, mechanism), part: 'permission', counts: {} },
            { timeoutMs: 30_000, nodeFlags: flags },
          );
          const r = resultOf(run);
          parts[`permission: ${backend} backend, ${mechanism}, ${addons}`] = r;
          expect(r.text).toBe('hi');
          // The Windows route needs process.binding('tcp_wrap'), which the permission model
          // refuses on every side. On Linux the rendezvous needs no file (the abstract
          // namespace), so the server serves it; the client either cannot load its addon and
          // uses TCP (so its connection is accepted over TCP), or, with addons allowed, uses it.
          type Expected = { state: string; reason: RegExp };
          const tcpWrap: Expected = {
            state: 'unsupported',
            reason: /process\.binding\('tcp_wrap'\) is unavailable \(ERR_ACCESS_DENIED/,
          };
          const allowed = addons === 'with --allow-addons';
          const rendezvous: Record<'server' | 'accepted' | 'client', Expected> = {
            server: {
              state: 'enabled',
              reason: /^listening on TCP and on the rendezvous @loopfast\//,
            },
            accepted: allowed
              ? { state: 'enabled', reason: /^accepted over the rendezvous @loopfast\// }
              : { state: 'no-fast-peer', reason: /^accepted over TCP: / },
            client: allowed
              ? { state: 'enabled', reason: /^connected over the rendezvous @loopfast\// }
              : {
                  state: 'unsupported',
                  reason:
                    /permission model forbids native addons in this process: add --allow-addons/,
                },
          };
          const expected =
            mechanism === 'unix-rendezvous'
              ? rendezvous
              : { server: tcpWrap, accepted: tcpWrap, client: tcpWrap };
          for (const side of ['server', 'accepted', 'client'] as const) {
            expect(r[side].state, side).toBe(expected[side].state);
            expect(r[side].reason, side).toMatch(expected[side].reason);
          }
        },
        40_000,
      );

      it.runIf(options.mechanisms.includes('unix-rendezvous'))(
        'the file rendezvous, with --allow-addons and --allow-fs-write for its directory, works under the permission model',
        async () => {
          const dir = mkdtempSync(join(tmpdir(), 'loopfast-permission-'));
          try {
            const run = await runWorker<Outcome>(
              {
                ...base(backendNames[0] as string, 'unix-rendezvous'),
                part: 'permission',
                counts: {},
              },
              {
                timeoutMs: 30_000,
                nodeFlags: [
                  permissionFlag(),
                  '--allow-fs-read=*',
                  `--allow-fs-write=${dir}`,
                  '--allow-addons',
                ],
                env: { XDG_RUNTIME_DIR: dir, LOOPFAST_RENDEZVOUS: 'file' },
              },
            );
            const r = resultOf(run);
            parts['permission: the file rendezvous with --allow-fs-write'] = r;
            expect(r.text).toBe('hi');
            for (const view of [r.server, r.client, r.accepted]) {
              expect(view).toMatchObject({ state: 'enabled', mechanism: 'unix-rendezvous' });
            }
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        },
        40_000,
      );
    });
  });
}
