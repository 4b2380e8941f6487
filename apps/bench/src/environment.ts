/**
 * What the figures were measured on: machine, operating system, Node and package versions, and
 * the load around the run. Printed with every result, because absolute times mean little without.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, cpus, loadavg, platform, release, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import { isKillSwitchOn } from '@loopfast/core';

/** The machine and software a run measured. */
export interface Environment {
  readonly os: string;
  readonly platform: NodeJS.Platform;
  readonly arch: string;
  readonly cpuModel: string;
  readonly cpuCount: number;
  readonly totalMemoryBytes: number;
  readonly node: string;
  readonly v8: string;
  readonly napi: string | null;
  /** `@loopfast/*` packages and koffi, by package name; `null` where not resolvable. */
  readonly packages: Readonly<Record<string, string | null>>;
  /** The 1-minute load average at the start and at the end (0 on Windows, which has none). */
  readonly loadAverage: { readonly start: number; end: number };
  /** Whether `LOOPFAST_DISABLE` turned the fast path off for this run. */
  readonly killSwitch: boolean;
}

const requireHere = createRequire(import.meta.url);

/**
 * The version of package `name` as resolved from this package (or from package `from`, for a
 * dependency of a dependency), or `null`. Read from the `package.json` above the resolved entry,
 * since `exports` maps usually hide `package.json` itself.
 */
function versionOf(name: string, from?: string): string | null {
  try {
    const base = from === undefined ? requireHere : createRequire(requireHere.resolve(from));
    let dir = dirname(base.resolve(name));
    for (let depth = 0; depth < 6; depth++, dir = dirname(dir)) {
      try {
        const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
          name?: string;
          version?: string;
        };
        if (manifest.name === name) return manifest.version ?? null;
      } catch {
        // no package.json here: look one level up
      }
    }
    return null;
  } catch {
    return null;
  }
}

/** Reads the environment now; call {@link finishEnvironment} at the end of the run. */
export function collectEnvironment(): Environment {
  const cpuList = cpus();
  return {
    os: `${type()} ${release()}`,
    platform: platform(),
    arch: arch(),
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cpuCount: cpuList.length,
    totalMemoryBytes: totalmem(),
    node: process.version,
    v8: process.versions.v8,
    napi: process.versions.napi ?? null,
    packages: {
      '@loopfast/core': versionOf('@loopfast/core'),
      '@loopfast/net': versionOf('@loopfast/net'),
      '@loopfast/ffi': versionOf('@loopfast/ffi'),
      '@loopfast/napi': versionOf('@loopfast/napi'),
      koffi: versionOf('koffi', '@loopfast/ffi'),
    },
    loadAverage: { start: loadavg()[0] ?? 0, end: Number.NaN },
    killSwitch: isKillSwitchOn(process.env),
  };
}

/** Records the end-of-run load average. */
export function finishEnvironment(environment: Environment): void {
  environment.loadAverage.end = loadavg()[0] ?? 0;
}
