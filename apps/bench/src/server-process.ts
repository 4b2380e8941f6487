/**
 * The measuring side's handle on the forked server process: start it with one listener per mode,
 * ask for the accepted sockets' status, stop it. Every wait is bounded.
 *
 * @module
 */
import { fileURLToPath } from 'node:url';
import { forkChild } from './child.js';
import type { ModeId } from './modes.js';
import type {
  Endpoint,
  FromServer,
  ServerModeRequest,
  StatusRecord,
  ToServer,
} from './protocol.js';

/**
 * The compiled server module. Resolved against the package root so it is found both from `dist`
 * (the CLI) and from `src` (tests run through vitest): a forked child runs JavaScript only.
 */
export const SERVER_MODULE: string = fileURLToPath(new URL('../dist/server.js', import.meta.url));

/** A running server process. */
export interface ServerProcess {
  /** Where each mode listens. */
  readonly endpoints: readonly Endpoint[];
  /** The status of the first socket each `@loopfast/net` server accepted. */
  acceptedStatus(): Promise<Partial<Record<ModeId, StatusRecord>>>;
  /** Stops the server process (killing it if it does not exit in time). */
  stop(): Promise<void>;
}

/** Forks the server module and starts one listener per requested mode. */
export async function startServerProcess(
  modes: readonly ServerModeRequest[],
  modulePath: string = SERVER_MODULE,
): Promise<ServerProcess> {
  const child = forkChild<ToServer, FromServer>(modulePath, 'bench server');
  try {
    const { endpoints } = await child.request({ type: 'start', modes }, 'ready');
    return {
      endpoints,
      async acceptedStatus() {
        return (await child.request({ type: 'status' }, 'status')).accepted;
      },
      stop: child.stop,
    };
  } catch (error) {
    await child.stop();
    throw error;
  }
}
