import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One parameter or result as koffi parsed it. */
export interface ParsedType {
  readonly name: string;
  readonly primitive: string;
  readonly size: number;
  /** The pointee, for a pointer. */
  readonly ref?: { readonly name: string; readonly primitive: string; readonly size: number };
}

/** One prototype as koffi parsed it, plus what koffi's type info does not show. */
export interface ParsedPrototype {
  readonly name: string;
  readonly result: ParsedType;
  readonly args: readonly ParsedType[];
  readonly variadic: boolean;
  readonly stdcall: boolean;
}

const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Parses prototype strings with `koffi.proto()` in a fresh child process (koffi type names are
 * process-global, and POSIX and Winsock both have a `getsockopt`). No library is loaded.
 */
export function parsePrototypes(prototypes: Readonly<Record<string, string>>): ParsedPrototype[] {
  const script = `
    const koffi = require('node:module').createRequire(${JSON.stringify(`${PACKAGE_DIR}/package.json`)})('koffi');
    const input = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
    const pick = (t) => ({ name: t.name, primitive: t.primitive, size: t.size,
      ...(t.ref ? { ref: { name: t.ref.name, primitive: t.ref.primitive, size: t.ref.size } } : {}) });
    const out = Object.values(input).map((text) => {
      const { proto } = koffi.proto(text);
      return { name: proto.name, result: pick(proto.result), args: proto.arguments.map((a) => pick(a.type)),
        variadic: /\\.\\.\\.\\s*\\)\\s*$/.test(text), stdcall: /\\b__stdcall\\b/.test(text) };
    });
    process.stdout.write(JSON.stringify(out));`;
  const child = spawnSync(process.execPath, ['-e', script], {
    input: JSON.stringify(prototypes),
    encoding: 'utf8',
  });
  if (child.status !== 0) throw new Error(`koffi could not parse the prototypes:\n${child.stderr}`);
  return JSON.parse(child.stdout) as ParsedPrototype[];
}

/** Whether `compiler` runs here. */
export function hasCompiler(compiler: string): boolean {
  return spawnSync(compiler, ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Whether a header test must run: always in CI, else where the compiler exists (loud skip). */
export function shouldRunWith(compiler: string, what: string): boolean {
  if (hasCompiler(compiler) || process.env.CI) return true;
  process.stderr.write(`\n*** SKIPPED: ${what}: ${compiler} is not installed. ***\n\n`);
  return false;
}

const SIGNATURE_TEMPLATES = String.raw`
#include <cstddef>
#include <type_traits>
template <typename T> constexpr char kindOf() {
  if constexpr (std::is_pointer_v<T>) return 'p';
  else if constexpr (std::is_signed_v<T>) return 's';
  else return 'u';
}
template <typename T> using Pointee = std::remove_cv_t<std::remove_pointer_t<T>>;
template <typename T> constexpr bool hasPointee() {
  if constexpr (!std::is_pointer_v<T>) return false;
  else return !std::is_void_v<Pointee<T>> && !std::is_function_v<Pointee<T>>;
}
template <typename T> constexpr std::size_t pointeeSize() {
  if constexpr (hasPointee<T>()) return sizeof(Pointee<T>); else return 0;
}
template <typename T> constexpr char pointeeKind() {
  if constexpr (hasPointee<T>()) return kindOf<Pointee<T>>(); else return '-';
}
#define LOOPFAST_SIG(VARIADIC, STDCALL) \
  static constexpr bool variadic = VARIADIC; \
  static constexpr bool stdcall = STDCALL; \
  static constexpr std::size_t count = sizeof...(A); \
  static constexpr std::size_t size[] = {sizeof(R), sizeof(A)...}; \
  static constexpr char kind[] = {kindOf<R>(), kindOf<A>()...}; \
  static constexpr std::size_t pointee[] = {0, pointeeSize<A>()...}; \
  static constexpr char pointeeKindOf[] = {'-', pointeeKind<A>()...};
template <typename F> struct Sig;
template <typename R, bool N, typename... A> struct Sig<R (*)(A...) noexcept(N)> { LOOPFAST_SIG(false, false) };
template <typename R, bool N, typename... A> struct Sig<R (*)(A..., ...) noexcept(N)> { LOOPFAST_SIG(true, false) };
#if defined(_WIN32) && !defined(_WIN64)
template <typename R, bool N, typename... A> struct Sig<R (__stdcall *)(A...) noexcept(N)> { LOOPFAST_SIG(false, true) };
#endif
`;

function kindOf(type: { primitive: string }): string {
  if (type.primitive === 'Pointer') return 'p';
  if (/^Int\d+/.test(type.primitive)) return 's';
  if (/^UInt\d+/.test(type.primitive)) return 'u';
  throw new Error(`no C kind for koffi primitive ${type.primitive}`);
}

/** How big a parsed type is on the target, whose pointers and `long`s have the given sizes. */
function sizeOn(
  type: Pick<ParsedType, 'name' | 'primitive' | 'size'>,
  target: HeaderCheckOptions,
): number {
  if (type.primitive === 'Pointer' || /^u?intptr(_t)?$/.test(type.name)) return target.pointerSize;
  if (/\blong\b/.test(type.name) && !/long long/.test(type.name)) return target.longSize;
  return type.size;
}

/** Options for {@link checkAgainstHeaders}. */
export interface HeaderCheckOptions {
  readonly compiler: string;
  readonly args?: readonly string[];
  readonly includes: readonly string[];
  readonly pointerSize: number;
  /** `sizeof(long)` on the target: 4 on Windows (LLP64), 8 on 64-bit Linux and macOS (LP64). */
  readonly longSize: number;
  /** Whether the target distinguishes `__stdcall` (32-bit x86 Windows). */
  readonly checkConvention: boolean;
}

/**
 * Compiles one C++ file that takes each real function's type from the system headers and
 * `static_assert`s, per parameter, what koffi parsed: count, size, pointer/signed/unsigned,
 * pointee size and kind (unless koffi's side is `void *`), variadic and, where the target has
 * more than one convention, `__stdcall`. Returns the failed assertions' messages.
 */
export function checkAgainstHeaders(
  prototypes: readonly ParsedPrototype[],
  options: HeaderCheckOptions,
): string[] {
  const lines = [...options.includes.map((h) => `#include <${h}>`), SIGNATURE_TEMPLATES];
  for (const p of prototypes) {
    const sig = `Sig<decltype(&::${p.name})>`;
    const check = (condition: string, what: string) =>
      lines.push(`static_assert(${condition}, "${p.name}: ${what}");`);
    check(`${sig}::count == ${p.args.length}`, 'argument count');
    check(`${sig}::variadic == ${p.variadic}`, 'variadic');
    if (options.checkConvention) check(`${sig}::stdcall == ${p.stdcall}`, 'calling convention');
    [p.result, ...p.args].forEach((type, i) => {
      const where = i === 0 ? 'result' : `argument ${i}`;
      check(`${sig}::size[${i}] == ${sizeOn(type, options)}`, `${where} size`);
      check(`${sig}::kind[${i}] == '${kindOf(type)}'`, `${where} kind`);
      if (type.ref && type.ref.primitive !== 'Void') {
        check(`${sig}::pointee[${i}] == ${sizeOn(type.ref, options)}`, `${where} pointee size`);
        check(`${sig}::pointeeKindOf[${i}] == '${kindOf(type.ref)}'`, `${where} pointee kind`);
      }
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'loopfast-ffi-prototypes-'));
  try {
    const file = join(dir, 'prototypes.cpp');
    writeFileSync(file, `${lines.join('\n')}\n`);
    try {
      execFileSync(
        options.compiler,
        ['-fsyntax-only', '-std=c++17', ...(options.args ?? []), file],
        {
          stdio: 'pipe',
          env: { ...process.env, LC_ALL: 'C' },
        },
      );
      return [];
    } catch (error) {
      const output = String((error as { stderr?: Buffer }).stderr ?? error);
      const failed = [...output.matchAll(/static assertion failed: (.+)/g)].map((m) => m[1] ?? '');
      if (failed.length === 0)
        throw new Error(`the compiler failed for another reason:\n${output}`);
      return failed;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
