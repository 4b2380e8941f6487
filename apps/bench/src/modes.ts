/**
 * The modes the bench compares, as data: what carries the connection on each side. Both the
 * client (the measuring process) and the forked server read this table.
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

/** The baseline mode's id: ratios, and targets that name no other baseline, divide by it. */
export const BASELINE: ModeId = 'net';

/**
 * The ceiling mode's id: `node:net` over a Unix domain socket, the most a Unix-socket shortcut
 * can reach on this machine (absent on Windows, where the mode does not run).
 */
export const CEILING: ModeId = 'unix';

/**
 * Whether a mode is also compared with the {@link CEILING}: the fast-path-on modes, because on
 * POSIX their shortcut carries the connection over the same kind of socket as the ceiling.
 */
export function comparedWithCeiling(id: string): boolean {
  return MODES.some((mode) => mode.id === id && mode.fastPath);
}

/** A mode's label, or the id itself for an id that names no mode (a backend in call cost). */
export function modeLabel(id: string): string {
  return MODES.find((mode) => mode.id === id)?.label ?? id;
}

/** Whether `value` names a mode. */
export function isModeId(value: string): value is ModeId {
  return MODES.some((mode) => mode.id === value);
}

/** The modes that make sense on `platform`: the Unix-socket ceiling is POSIX only. */
export function modesFor(platform: NodeJS.Platform): ModeSpec[] {
  return MODES.filter((mode) => mode.transport === 'tcp' || platform !== 'win32');
}
