import { describe, expect, it } from 'vitest';
import { FULL, parseBenchArgs, parseBytes, QUICK, UsageError } from '../src/config.js';

function config(argv: string[]) {
  const parsed = parseBenchArgs(argv);
  if (parsed.help) throw new Error('help');
  return parsed.config;
}

describe('command line', () => {
  it('defaults to --quick', () => {
    expect(config([])).toEqual(QUICK);
    expect(config(['--quick'])).toEqual(QUICK);
    expect(config(['--full'])).toEqual(FULL);
    expect(parseBenchArgs(['-h'])).toEqual({ help: true });
  });

  it('bounds every measurement by a count and a time limit', () => {
    for (const preset of [QUICK, FULL]) {
      expect(preset.rounds).toBeGreaterThan(0);
      for (const part of [preset.pingPong, preset.connectionRate, preset.http, preset.callCost])
        expect(part.timeLimitMs).toBeGreaterThan(0);
      expect(preset.http).toMatchObject({ concurrency: 16, bodySize: 64 });
      expect(preset.http.requests).toBeGreaterThan(0);
      expect(preset.throughput.bytes).toBeGreaterThan(0);
      expect(preset.throughput.chunkSize).toBe(64 * 1024);
      expect(preset.pingPong.sizes).toEqual([1, 4096]);
    }
  });

  it('takes overrides for tiny runs', () => {
    const tiny = config([
      '--rounds',
      '1',
      '--slices',
      '2',
      '--pingpong-count',
      '20',
      '--pingpong-warmup',
      '0',
      '--throughput-bytes',
      '1MiB',
      '--connections',
      '5',
      '--http-requests',
      '30',
      '--http-concurrency',
      '2',
      '--calls',
      '100',
      '--time-limit',
      '50',
      '--json',
      'out.json',
      '--report',
      'r.html',
      '--no-progress',
      '--scenarios',
      'pingpong,calls',
      '--modes',
      'off,unix',
    ]);
    expect(tiny).toMatchObject({
      rounds: 1,
      slices: 2,
      pingPong: { count: 20, warmup: 0, timeLimitMs: 50 },
      throughput: { bytes: 1024 * 1024, timeLimitMs: 50 },
      connectionRate: { count: 5, timeLimitMs: 50 },
      http: { concurrency: 2, requests: 30, bodySize: 64, timeLimitMs: 50 },
      callCost: { calls: 100, timeLimitMs: 50 },
      json: 'out.json',
      report: 'r.html',
      progress: 'off',
      scenarios: ['pingpong', 'calls'],
    });
    // The baseline is always measured: every ratio divides by it.
    expect(tiny.modes).toEqual(['net', 'off', 'unix']);
  });

  it('refuses mistakes with a UsageError', () => {
    for (const argv of [
      ['--quick', '--full'],
      ['--rounds', '0'],
      ['--rounds', '1.5'],
      ['--slices', '0'],
      ['--http-concurrency', '0'],
      ['--modes', 'net,fast'],
      ['--scenarios', ''],
      ['--throughput-bytes', '12XB'],
      ['--bogus'],
      ['positional'],
      ['--progress', '--no-progress'],
    ])
      expect(() => parseBenchArgs(argv), argv.join(' ')).toThrow(UsageError);
  });

  it('reads byte counts with binary suffixes', () => {
    expect(parseBytes('65536')).toBe(65536);
    expect(parseBytes('64KiB')).toBe(65536);
    expect(parseBytes('256 MiB')).toBe(256 * 1024 * 1024);
    expect(parseBytes('1gib')).toBe(1024 ** 3);
    expect(() => parseBytes('0')).toThrow(UsageError);
  });
});
