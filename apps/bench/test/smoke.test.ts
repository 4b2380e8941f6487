/**
 * A real `--quick` run with tiny counts, through the compiled CLI: client and forked server,
 * every mode and scenario, JSON and report files. Nothing here asserts a timing; only that the
 * run completes, and that the output carries the figures and a verdict for every target.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResult, ModeResult } from '../src/results.js';
import { baselineOf, TARGETS } from '../src/targets.js';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const TINY = [
  '--quick',
  '--rounds',
  '1',
  '--pingpong-count',
  '20',
  '--pingpong-warmup',
  '5',
  '--throughput-bytes',
  '2MiB',
  '--connections',
  '10',
  '--http-requests',
  '40',
  '--calls',
  '2000',
  '--time-limit',
  '2000',
  '--no-progress',
];

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: number }).code ?? 1) : 0;
      resolve({ code: typeof code === 'number' ? code : 1, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(() => {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: build @loopfast/bench first (pnpm build)`);
  dir = mkdtempSync(join(tmpdir(), 'loopfast-bench-test-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loopfast-bench --quick with tiny counts', () => {
  let outcome: { code: number; stdout: string; stderr: string };
  let result: BenchResult;

  beforeAll(async () => {
    outcome = await run([
      ...TINY,
      '--json',
      join(dir, 'out.json'),
      '--report',
      join(dir, 'report.html'),
    ]);
    result = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as BenchResult;
  }, 90_000);

  it('completes with exit code 0 and no failures', () => {
    expect(outcome.stderr).toBe('');
    expect(result.errors).toEqual([]);
    expect(outcome.code).toBe(0);
  });

  it('prints the machine, the modes, every scenario and a verdict for every target', () => {
    const { stdout } = outcome;
    expect(stdout).toContain(`Node ${process.version}`);
    for (const title of [
      'Ping-pong round trip, 1 B',
      'Ping-pong round trip, 4 KiB',
      'Streaming throughput',
      'Connection rate',
      'HTTP requests, keep-alive',
      'HTTP requests, a new connection per request',
      "HTTP requests with Node's built-in fetch",
      'Backend call cost',
    ])
      expect(stdout).toContain(title);
    expect(stdout).toContain('Targets');
    for (const target of TARGETS)
      expect(stdout).toMatch(
        new RegExp(
          `(PASS|MISS|N/A) +${target.description.replace(/[()]/g, '\\$&')} +vs ${baselineOf(target)} `,
        ),
      );
    expect(stdout).toMatch(/\d+ met, \d+ (missed|MISSED), \d+ not applicable/);
  });

  it('writes JSON with every mode, scenario and target verdict', () => {
    expect(result.schema).toBe('loopfast-bench/2');
    const expectedModes =
      process.platform === 'win32'
        ? ['net', 'off', 'on-ffi', 'on-napi', 'preload']
        : ['net', 'off', 'on-ffi', 'on-napi', 'unix', 'preload'];
    expect(result.modes.map((m) => m.id)).toEqual(expectedModes);
    expect(result.modes.every((m) => m.unavailable === null)).toBe(true);
    expect(result.modes.find((m) => m.id === 'off')?.client?.state).toBe('disabled');
    for (const id of ['on-ffi', 'on-napi']) {
      const mode = result.modes.find((m) => m.id === id);
      expect(mode?.client?.requested).toBe(true);
      expect(mode?.accepted?.requested).toBe(true);
      // The rendezvous on all three sides.
      if (process.platform === 'linux')
        for (const side of [mode?.client, mode?.server, mode?.accepted])
          expect([side?.state, side?.mechanism]).toEqual(['enabled', 'unix-rendezvous']);
    }
    // Both HTTP processes started with the preload: every connection over the rendezvous.
    if (process.platform !== 'win32') {
      const preload = result.modes.find((m) => m.id === 'preload');
      for (const side of [preload?.client, preload?.server, preload?.accepted])
        expect([side?.state, side?.mechanism]).toEqual(['enabled', 'unix-rendezvous']);
    }
    expect(result.scenarios.map((s) => s.id)).toEqual([
      'pingpong-1B',
      'pingpong-4KiB',
      'throughput',
      'connection-rate',
      'http-keep-alive',
      'http-new-connection',
      'http-fetch',
      'call-cost',
    ]);
    for (const scenario of result.scenarios)
      for (const series of scenario.series) {
        expect(series.rounds, `${scenario.id} ${series.id}`).toHaveLength(1);
        expect(series.error).toBeNull();
        for (const metric of scenario.metrics)
          expect(series.summary[metric.key]?.median).toBeGreaterThan(0);
      }
    expect(result.targets.map((t) => t.id)).toEqual(TARGETS.map((t) => t.id));
    const shortcutInForce = (mode: ModeResult | undefined) =>
      [mode?.client, mode?.server, mode?.accepted].every(
        (side) => side?.state === 'enabled' && side.mechanism === 'unix-rendezvous',
      );
    for (const [i, spec] of TARGETS.entries()) {
      const target = result.targets[i];
      if (target === undefined) throw new Error(`no verdict for ${spec.id}`);
      expect(target.baseline).toBe(baselineOf(spec));
      const applies =
        target.requiresMechanism === null ||
        shortcutInForce(result.modes.find((m) => m.id === target.mode));
      if (applies) {
        expect(['pass', 'miss'], target.id).toContain(target.verdict);
        expect(target.ratio?.median).toBeGreaterThan(0);
      } else {
        // Judged only on connections that took the shortcut: never a verdict on plain TCP.
        expect(target, target.id).toMatchObject({ verdict: 'n/a', ratio: null });
        expect(target.note).toMatch(/^not applicable: /);
      }
    }
  });

  it('writes a self-contained HTML report with charts and the verdicts', () => {
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<!doctype html>');
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(6);
    expect(html).toMatch(
      /class="(pass|miss)">(PASS|MISS)<\/td><td>fast path off vs node:net, streaming throughput/,
    );
  });
});

describe('loopfast-bench command line', () => {
  it('runs the call-cost scenario alone, without a server, and writes an SVG report', async () => {
    const svg = join(dir, 'calls.svg');
    const { code, stdout } = await run([...TINY, '--scenarios', 'calls', '--report', svg]);
    expect(code).toBe(0);
    expect(stdout).toContain('Backend call cost');
    expect(stdout).toMatch(
      /N\/A {3}fast path off vs node:net, round trip p50, 1 B +vs net {3}not measured: the scenario was not run/,
    );
    expect(stdout).toMatch(
      /N\/A {3}loopfast \(ffi backend\) vs node:net Unix socket, connection rate +vs unix {2}not measured: the scenario was not run\n/,
    );
    expect(readFileSync(svg, 'utf8')).toMatch(/^<\?xml[\s\S]*<svg [\s\S]*Backend call cost/);
  }, 60_000);

  it('prints help, and refuses bad arguments with exit code 2', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: loopfast-bench');
    const bad = await run(['--rounds', 'many']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--rounds takes a positive integer');
  });
});
