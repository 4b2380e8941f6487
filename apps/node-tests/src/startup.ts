#!/usr/bin/env node
/**
 * `loopfast-startup [--pairs n] [--node path]`: what the preload costs a process that never
 * connects: `node -e 0` against `node --import <register> -e 0` and `node --require <register>
 * -e 0`, as whole processes, run in turn (one of each per round, so a slower moment of the
 * machine weighs on all alike), with each one's wall time and peak RSS (from `/usr/bin/time`).
 * Prints the medians and the differences from plain `node`.
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

/** The median of `values`. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** `+1.5`, `-0.3`. */
function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(1)}`;
}

/** One run of `node args`: wall milliseconds and peak RSS in MiB. */
function measure(node: string, args: readonly string[]): { ms: number; mib: number } {
  const started = process.hrtime.bigint();
  const run = spawnSync('/usr/bin/time', ['-f', '%M', node, ...args], { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`${node} ${args.join(' ')}: ${run.stderr || run.error}`);
  return { ms, mib: Number(run.stderr.trim().split('\n').at(-1)) / 1024 };
}

function main(): void {
  const { values } = parseArgs({
    options: {
      pairs: { type: 'string', default: '20' },
      node: { type: 'string', default: process.execPath },
      register: { type: 'string' },
    },
  });
  const register =
    values.register ?? createRequire(import.meta.url).resolve('@loopfast/net/register');
  const variants: Record<string, string[]> = {
    'node -e 0': ['-e', '0'],
    'node --import register -e 0': ['--import', register, '-e', '0'],
    'node --require register -e 0': ['--require', register, '-e', '0'],
  };
  const seen = new Map(
    Object.keys(variants).map((name) => [name, { ms: [] as number[], mib: [] as number[] }]),
  );
  for (let round = 0; round < Number(values.pairs); round++) {
    for (const [name, args] of Object.entries(variants)) {
      const { ms, mib } = measure(values.node, args);
      seen.get(name)?.ms.push(ms);
      seen.get(name)?.mib.push(mib);
    }
  }
  const plain = seen.get('node -e 0') as { ms: number[]; mib: number[] };
  const [baseMs, baseMib] = [median(plain.ms), median(plain.mib)];
  process.stdout.write(`${values.pairs} rounds; medians (wall, peak RSS):\n`);
  for (const [name, { ms, mib }] of seen) {
    const [wall, rss] = [median(ms), median(mib)];
    const delta =
      name === 'node -e 0' ? '' : `  (${signed(wall - baseMs)} ms, ${signed(rss - baseMib)} MiB)`;
    process.stdout.write(
      `${name.padEnd(30)} ${wall.toFixed(1)} ms  ${rss.toFixed(1)} MiB${delta}\n`,
    );
  }
}

main();
