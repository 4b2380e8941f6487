/**
 * The modes the bench compares, as data: what carries the connection on each side. Both the
 * client (the measuring process) and the forked server read {@link MODES}; the HTTP scenarios,
 * whose client and server are processes of their own, read {@link HTTP_MODES}.
 *
 * @module
 */

/** A mode's short name, as it appears in tables, JSON and charts. */
export type ModeId = 'net' | 'off' | 'on-ffi' | 'on-napi' | 'unix';

/** A backend package by short name. */
export type BackendName = 'ffi' | 'napi';

/** One way to make the client and server sockets. */
export interface ModeSpec {
  /** The short name. */
  readonly id: ModeId;
  /** A label for tables and charts. */
  readonly label: string;
  /** One line on what the mode is. */
  readonly description: string;
  /** Who makes the sockets: Node's own `net`, or `@loopfast/net`. */
  readonly library: 'node:net' | '@loopfast/net';
  /** TCP on 127.0.0.1, or a Unix domain socket path in a private temp dir. */
  readonly transport: 'tcp' | 'unix';
  /** `loopbackFastPath` for `@loopfast/net` modes. */
  readonly fastPath: boolean;
  /** The backend passed to `@loopfast/net` (only for fast-path-on modes). */
  readonly backend: BackendName | null;
}

/** The host every TCP mode uses: an IP literal, so no name lookup and no family racing. */
export const LOOPBACK_HOST = '127.0.0.1';

/** Every mode, in display order. The first is the baseline every ratio is measured against. */
export const MODES: readonly ModeSpec[] = [
  {
    id: 'net',
    label: 'node:net TCP',
    description: 'node:net over TCP 127.0.0.1: the baseline',
    library: 'node:net',
    transport: 'tcp',
    fastPath: false,
    backend: null,
  },
  {
    id: 'off',
    label: 'loopfast, fast path off',
    description: '@loopfast/net connect/createServer with loopbackFastPath: false',
    library: '@loopfast/net',
    transport: 'tcp',
    fastPath: false,
    backend: null,
  },
  {
    id: 'on-ffi',
    label: 'loopfast, fast path on (ffi)',
    description: '@loopfast/net with loopbackFastPath: true and the koffi backend (@loopfast/ffi)',
    library: '@loopfast/net',
    transport: 'tcp',
    fastPath: true,
    backend: 'ffi',
  },
  {
    id: 'on-napi',
    label: 'loopfast, fast path on (napi)',
    description: '@loopfast/net with loopbackFastPath: true and the N-API backend (@loopfast/napi)',
    library: '@loopfast/net',
    transport: 'tcp',
    fastPath: true,
    backend: 'napi',
  },
  {
    id: 'unix',
    label: 'node:net Unix socket',
    description: 'node:net over a Unix domain socket: the ceiling reference (POSIX only)',
    library: 'node:net',
    transport: 'unix',
    fastPath: false,
    backend: null,
  },
];

/**
 * The baseline mode's id: ratios, and targets that name no other baseline, divide by it. It
 * names a mode of the HTTP scenarios too.
 */
export const BASELINE: ModeId & HttpModeId = 'net';

/**
 * The ceiling mode's id: `node:net` over a Unix domain socket, the most a Unix-socket shortcut
 * can reach on this machine (absent on Windows, where the mode does not run). It names a mode of
 * the HTTP scenarios too (`http` with a `socketPath`).
 */
export const CEILING: ModeId & HttpModeId = 'unix';

/**
 * Whether a mode is also compared with the {@link CEILING}: the fast-path-on modes and the
 * preload, because on POSIX their shortcut carries the connection over the same kind of socket
 * as the ceiling.
 */
export function comparedWithCeiling(id: string): boolean {
  return (
    MODES.some((mode) => mode.id === id && mode.fastPath) ||
    HTTP_MODES.some((mode) => mode.id === id && mode.preload)
  );
}

/** A mode of the HTTP scenarios by short name: `net` and `unix` mean what they mean in {@link MODES}. */
export type HttpModeId = 'net' | 'preload' | 'unix';

/** Any mode's short name: a series, a target or a mode's status names one of these. */
export type AnyModeId = ModeId | HttpModeId;

/**
 * One way to carry the HTTP scenarios' connections. The programs are the same in every mode
 * (Node's `http` server and client, TCP on 127.0.0.1 as written): only how the two processes
 * start, and for the ceiling the address, differ.
 */
export interface HttpModeSpec {
  /** The short name. */
  readonly id: HttpModeId;
  /** A label for tables and charts. */
  readonly label: string;
  /** One line on what the mode is. */
  readonly description: string;
  /** Whether both processes start with `--import @loopfast/net/register`. */
  readonly preload: boolean;
  /** TCP on 127.0.0.1, or a Unix domain socket path (the client's `socketPath`). */
  readonly transport: 'tcp' | 'unix';
}

/** The mode of the preload, which the HTTP targets judge. */
export const PRELOAD: HttpModeId = 'preload';

/** The HTTP scenarios' modes, in display order; the first is the baseline, the last the ceiling. */
export const HTTP_MODES: readonly HttpModeSpec[] = [
  {
    id: 'net',
    label: 'node:net TCP',
    description: 'http over TCP 127.0.0.1, neither process preloaded: the baseline',
    preload: false,
    transport: 'tcp',
  },
  {
    id: 'preload',
    label: 'loopfast preload (HTTP)',
    description:
      'http over TCP 127.0.0.1 as written, both processes started with --import @loopfast/net/register; every connection checked on both sides',
    preload: true,
    transport: 'tcp',
  },
  {
    id: 'unix',
    label: 'node:net Unix socket',
    description: 'http over a Unix domain socket path (socketPath): the ceiling (POSIX only)',
    preload: false,
    transport: 'unix',
  },
];

/** A mode's label, or the id itself for an id that names no mode (a backend in call cost). */
export function modeLabel(id: string): string {
  return [...MODES, ...HTTP_MODES].find((mode) => mode.id === id)?.label ?? id;
}

/** Whether `value` names a mode. */
export function isModeId(value: string): value is ModeId {
  return MODES.some((mode) => mode.id === value);
}

/** The modes that make sense on `platform`: the Unix-socket ceiling is POSIX only. */
export function modesFor(platform: NodeJS.Platform): ModeSpec[] {
  return MODES.filter((mode) => mode.transport === 'tcp' || platform !== 'win32');
}

/**
 * The HTTP modes that make sense on `platform`: on Windows a `socketPath` names a pipe, not a
 * Unix socket, so there is no ceiling there.
 */
export function httpModesFor(platform: NodeJS.Platform): HttpModeSpec[] {
  return HTTP_MODES.filter((mode) => mode.transport === 'tcp' || platform !== 'win32');
}
