/**
 * What the measuring process and the forked server say to each other: the first byte of every
 * connection (what the server does with it), and the IPC messages that start and stop the server.
 *
 * @module
 */
import type { BackendName, ModeId } from './modes.js';

/** First byte of a connection: echo every following byte back (ping-pong, connection rate). */
export const OP_ECHO = 0x45; // 'E'
/** First byte of a connection: count every following byte; at the client's end, reply the count. */
export const OP_SINK = 0x53; // 'S'

/** A fast-path status as it crosses a process boundary (errors reduced to their code). */
export interface StatusRecord {
  readonly requested: boolean;
  readonly state: string;
  readonly reason: string;
  readonly mechanism: string | null;
  readonly backend: string | null;
  readonly errorCode: string | null;
}

/** What the server is asked to listen for, one entry per mode. */
export interface ServerModeRequest {
  readonly id: ModeId;
  readonly library: 'node:net' | '@loopfast/net';
  readonly transport: 'tcp' | 'unix';
  readonly fastPath: boolean;
  readonly backend: BackendName | null;
  /** The Unix socket path, for `transport: 'unix'`. */
  readonly path: string | null;
}

/** Where one mode's server listens, and its status, or why it could not start. */
export interface Endpoint {
  readonly id: ModeId;
  readonly port: number | null;
  readonly path: string | null;
  readonly server: StatusRecord | null;
  readonly error: string | null;
}

/** Measuring process to server. */
export type ToServer =
  | { readonly type: 'start'; readonly modes: readonly ServerModeRequest[] }
  | { readonly type: 'status' }
  | { readonly type: 'stop' };

/** Server to measuring process. */
export type FromServer =
  | { readonly type: 'ready'; readonly endpoints: readonly Endpoint[] }
  | {
      readonly type: 'status';
      /** The status of the first socket each mode's server accepted. */
      readonly accepted: Partial<Record<ModeId, StatusRecord>>;
    }
  | { readonly type: 'error'; readonly message: string };

/** Reduces a `fastPathInfo` result to a {@link StatusRecord}. */
export function toStatusRecord(info: {
  requested: boolean;
  state: string;
  reason: string;
  mechanism: string | null;
  backend: string | null;
  error: Error | null;
}): StatusRecord {
  return {
    requested: info.requested,
    state: info.state,
    reason: info.reason,
    mechanism: info.mechanism,
    backend: info.backend,
    errorCode: (info.error as { code?: string } | null)?.code ?? null,
  };
}

/**
 * What one side reports after many sockets: the first that did not get the fast path, else the
 * first of all. So a side reads `enabled` only when every socket it checked was, and otherwise
 * shows the state and reason of one that was not.
 */
export function keptStatus(
  kept: StatusRecord | null,
  info: Parameters<typeof toStatusRecord>[0],
): StatusRecord {
  if (kept !== null && (kept.state !== 'enabled' || info.state === 'enabled')) return kept;
  return toStatusRecord(info);
}
