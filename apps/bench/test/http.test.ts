/**
 * The HTTP scenario for real, with a tiny budget: an HTTP server process and a load process per
 * kind of start (plain, and preloaded with `@loopfast/net/register`), every mode and every kind
 * of request. Nothing here asserts a timing; only that every request got its 64-byte body, and
 * that the preload's connections went over the rendezvous on both sides while the other modes'
 * never asked for it. The compiled modules are forked, so the package must be built.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KILL_SWITCH_ENV } from '@loopfast/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_KINDS } from '../src/http-protocol.js';
import {
  HTTP_LOAD_MODULE,
  HTTP_SERVER_MODULE,
  type HttpRig,
  startHttpRig,
} from '../src/http-rig.js';
import { httpModesFor } from '../src/modes.js';
import type { ModeResult } from '../src/results.js';
import { requirementProblem, TARGETS, type TargetSpec } from '../src/targets.js';
import { preloadMode } from './fixture.js';

const MODES = httpModesFor(process.platform);
const REQUESTS = 40;
const BODY = 64;

let dir: string;
let rig: HttpRig;

beforeAll(async () => {
  for (const module of [HTTP_SERVER_MODULE, HTTP_LOAD_MODULE])
    if (!existsSync(module))
      throw new Error(`${module} is missing: build @loopfast/bench first (pnpm build)`);
  dir = mkdtempSync(join(tmpdir(), 'loopfast-bench-http-'));
  rig = await startHttpRig(MODES, { concurrency: 4, bodySize: BODY, socketDir: dir });
});

afterAll(async () => {
  await rig?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the HTTP scenario between two real processes', () => {
  it('starts every mode, each checked with a first request', () => {
    expect(rig.unavailable).toEqual({});
    expect(rig.ready).toEqual(MODES.map((mode) => mode.id));
  });

  const runs = MODES.flatMap((mode) =>
    HTTP_KINDS.filter((kind) => kind !== 'fetch' || mode.transport === 'tcp').map(
      (kind) => [mode.id, kind] as const,
    ),
  );
  it.each(runs)('answers every %s request (%s) with its 64-byte body', async (mode, kind) => {
    const sample = await rig.measure(mode, kind, { requests: REQUESTS, timeLimitMs: 5000 });
    expect(sample).toMatchObject({ requests: REQUESTS, bodyBytes: REQUESTS * BODY });
    expect(sample.ns).toBeGreaterThan(0);
    // Each process's own CPU time for the run: some for every request, and no more than a few
    // threads' worth of the run's wall time (the main thread, the GC's and libuv's helpers).
    for (const micros of [sample.cpuMicros, sample.serverCpuMicros]) {
      expect(micros).toBeGreaterThanOrEqual(REQUESTS);
      expect(micros).toBeLessThan((sample.ns / 1000) * 8);
    }
  });

  it('stops at the time limit before the request count', async () => {
    const sample = await rig.measure('net', 'keep-alive', {
      requests: 10_000_000,
      timeLimitMs: 50,
    });
    expect(sample.requests).toBeGreaterThan(0);
    expect(sample.requests).toBeLessThan(10_000_000);
    expect(sample.bodyBytes).toBe(sample.requests * BODY);
  });

  it.runIf(process.platform !== 'win32')(
    'saw the preload carry every connection over the rendezvous on both sides',
    async () => {
      const preload = (await rig.sides()).preload;
      for (const side of [preload?.client, preload?.server, preload?.accepted])
        expect(side, JSON.stringify(preload)).toMatchObject({
          requested: true,
          state: 'enabled',
          mechanism: 'unix-rendezvous',
        });
    },
  );

  it('saw nothing ask for the fast path without the preload', async () => {
    const sides = await rig.sides();
    for (const mode of MODES.filter((m) => !m.preload))
      for (const side of [sides[mode.id]?.client, sides[mode.id]?.accepted])
        expect(side, mode.id).toMatchObject({ requested: false, state: 'disabled' });
  });
});

describe('the HTTP preload under the kill switch', () => {
  it('runs over TCP, so its targets read N/A with the reason', async () => {
    const preload = MODES.filter((mode) => mode.preload);
    const before = process.env[KILL_SWITCH_ENV];
    // The children inherit the environment when they are forked.
    process.env[KILL_SWITCH_ENV] = '1';
    let killed: HttpRig;
    try {
      killed = await startHttpRig(preload, { concurrency: 2, bodySize: BODY, socketDir: null });
    } finally {
      if (before === undefined) delete process.env[KILL_SWITCH_ENV];
      else process.env[KILL_SWITCH_ENV] = before;
    }
    try {
      const sample = await killed.measure('preload', 'keep-alive', {
        requests: 8,
        timeLimitMs: 5000,
      });
      expect(sample.bodyBytes).toBe(8 * BODY);
      const sides = (await killed.sides()).preload;
      expect(sides?.client).toMatchObject({ requested: false, state: 'disabled' });
      const mode: ModeResult = { ...preloadMode(null), ...sides };
      const spec = TARGETS.find((target) => target.id === 'preload-http-keep-alive') as TargetSpec;
      expect(requirementProblem(spec, [mode])).toMatch(
        /^preload did not go over the unix-rendezvous shortcut \(disabled on client, server and accepted sockets: /,
      );
    } finally {
      await killed.stop();
    }
  });
});
