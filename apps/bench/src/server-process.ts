/**
 * The measuring side's handle on the forked server process: start it with one listener per mode,
 * ask for the accepted sockets' status, stop it. Every wait is bounded.
 *
 * @module
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
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

/** How long the server gets to start, answer, or stop before it is given up on. */
const IPC_TIMEOUT_MS = 15_000;

/** A running server process. */
export interface ServerProcess {
  /** Where each mode listens. */
  readonly endpoints: readonly Endpoint[];
  /** The status of the first socket each `@loopfast/net` server accepted. */
  acceptedStatus(): Promise<Partial<Record<ModeId, StatusRecord>>>;
  /** Stops the server process (killing it if it does not exit in time). */
  stop(): Promise<void>;
}

function nextMessage<T extends FromServer['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<FromServer, { type: T }>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`the bench server did not answer '${type}' within ${IPC_TIMEOUT_MS} ms`));
    }, IPC_TIMEOUT_MS);
    const onMessage = (message: FromServer) => {
      if (message.type === 'error') {
        cleanup();
        reject(new Error(`bench server: ${message.message}`));
      } else if (message.type === type) {
        cleanup();
        resolve(message as Extract<FromServer, { type: T }>);
      }
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`the bench server exited (code ${code}, signal ${signal})`));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new Error(`the bench server failed: ${error.message}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

function post(child: ChildProcess, message: ToServer): void {
  child.send(message);
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Forks the server module and starts one listener per requested mode. */
export async function startServerProcess(
  modes: readonly ServerModeRequest[],
  modulePath: string = SERVER_MODULE,
): Promise<ServerProcess> {
  const child = fork(modulePath, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const stop = async () => {
    if (child.connected) post(child, { type: 'stop' });
    if (!(await waitForExit(child, 5000))) {
      child.kill('SIGKILL');
      await waitForExit(child, 5000);
    }
  };
  try {
    const ready = nextMessage(child, 'ready');
    post(child, { type: 'start', modes });
    const { endpoints } = await ready;
    return {
      endpoints,
      async acceptedStatus() {
        const answer = nextMessage(child, 'status');
        post(child, { type: 'status' });
        return (await answer).accepted;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
