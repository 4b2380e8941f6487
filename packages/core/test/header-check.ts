import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One constant to check: the C expression (usually a header macro) and the value core holds. */
export interface HeaderConstant {
  readonly name: string;
  readonly value: number;
  /** The C expression to evaluate, where it is not `name` itself (`sizeof`, `offsetof`). */
  readonly expression?: string;
  /** How to compare: as an unsigned 32-bit code, or as a signed integer. */
  readonly kind?: 'u32' | 'signed';
}

/** What the compiler said about the constants. */
export interface HeaderCheckResult {
  /** Names whose header value differs from core's. */
  readonly mismatched: string[];
  /** Names the headers do not define. */
  readonly missing: string[];
}

/** Whether `compiler` runs on this machine. */
export function hasCompiler(compiler: string): boolean {
  return spawnSync(compiler, ['--version'], { stdio: 'ignore' }).status === 0;
}

/**
 * Compiles one C file of `_Static_assert`s, one per constant, and reads the compiler's errors:
 * a failed assertion names a mismatch, an undeclared identifier a missing name.
 */
export function checkAgainstHeaders(
  compiler: string,
  includes: readonly string[],
  constants: readonly HeaderConstant[],
  defines: readonly string[] = [],
): HeaderCheckResult {
  const lines = includes.map((h) => `#include <${h}>`);
  for (const { name, value, expression = name, kind = 'signed' } of constants) {
    const assertion =
      kind === 'u32'
        ? `((unsigned long long)(${expression}) & 0xffffffffULL) == ${value >>> 0}ULL`
        : `(long long)(${expression}) == (${value}LL)`;
    lines.push(`_Static_assert(${assertion}, "${name}");`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'loopfast-headers-'));
  try {
    const file = join(dir, 'constants.c');
    writeFileSync(file, `${lines.join('\n')}\n`);
    let output = '';
    try {
      execFileSync(compiler, ['-fsyntax-only', '-std=c11', ...defines.map((d) => `-D${d}`), file], {
        stdio: 'pipe',
        env: { ...process.env, LC_ALL: 'C' },
      });
    } catch (error) {
      output = String((error as { stderr?: Buffer }).stderr ?? error);
    }
    const mismatched = [...output.matchAll(/static assertion failed: "(\w+)"/g)].map(
      (m) => m[1] ?? '',
    );
    const missing = [...output.matchAll(/'(\w+)' undeclared/g)].map((m) => m[1] ?? '');
    if (output && mismatched.length === 0 && missing.length === 0) {
      throw new Error(`the compiler failed for another reason:\n${output}`);
    }
    return { mismatched: [...new Set(mismatched)], missing: [...new Set(missing)] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Whether a header test must run: always in CI, otherwise only where the compiler exists. A
 * skipped run says so on stderr, loudly.
 */
export function shouldRunWith(compiler: string, what: string): boolean {
  if (hasCompiler(compiler)) return true;
  if (process.env.CI) return true;
  process.stderr.write(
    `\n*** SKIPPED: ${what}: ${compiler} is not installed (apt-get install it; .ci/run does). ***\n\n`,
  );
  return false;
}
