/**
 * A child process of the bench driven over IPC, one request at a time: each request is answered
 * by one message of the expected type, or by an `error` message. Every wait is bounded, and
 * stopping asks first and kills after a grace period.
 *
 * @module
 */
import { type ChildProcess, fork } from 'node:child_process';

/** How long a child gets to start, answer or stop, unless a request says otherwise. */
export const IPC_TIMEOUT_MS = 15_000;

/** What every child may answer instead of the expected message. */
interface ErrorMessage {
  readonly type: 'error';
  readonly message: string;
}

/** A running child, as its parent drives it. */
export interface Child<
  In extends { readonly type: string },
  Out extends { readonly type: string },
> {
  /**
   * Sends `message` and resolves with the first answer of type `reply`. Rejects on an `error`
   * answer, on the child's exit, and after `timeoutMs`; a child that does not answer in time is
   * killed, because its late answer could otherwise be taken for the next request's.
   */
  request<T extends Out['type']>(
    message: In,
    reply: T,
    timeoutMs?: number,
  ): Promise<Extract<Out, { type: T }>>;
  /** Sends `{ type: 'stop' }` and waits for the exit, killing the child if it does not exit in time. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/**
 * Forks `modulePath` (JavaScript) with an IPC channel; its stdout and stderr are the bench's.
 * `name` is how messages call it ("bench server"); `execArgv` replaces the parent's Node flags
 * when given (the preload is given this way).
 */
export function forkChild<
  In extends { readonly type: string },
  Out extends { readonly type: string },
>(modulePath: string, name: string, execArgv?: readonly string[]): Child<In, Out> {
  const child = fork(modulePath, [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    ...(execArgv === undefined ? {} : { execArgv: [...execArgv] }),
  });
  const stop = async () => {
    if (child.connected) child.send({ type: 'stop' });
    if (!(await waitForExit(child, 5000))) {
      child.kill('SIGKILL');
      await waitForExit(child, 5000);
    }
  };
  const request = <T extends Out['type']>(
    message: In,
    reply: T,
    timeoutMs = IPC_TIMEOUT_MS,
  ): Promise<Extract<Out, { type: T }>> => {
    if (exited(child) || !child.connected)
      return Promise.reject(new Error(`the ${name} is not running (code ${child.exitCode})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        child.kill('SIGKILL');
        reject(new Error(`the ${name} did not answer '${reply}' within ${timeoutMs} ms`));
      }, timeoutMs);
      const onMessage = (answer: Out | ErrorMessage) => {
        if (answer.type === 'error') {
          cleanup();
          reject(new Error(`${name}: ${(answer as ErrorMessage).message}`));
        } else if (answer.type === reply) {
          cleanup();
          resolve(answer as Extract<Out, { type: T }>);
        }
      };
      const onExit = (code: number | null, signal: string | null) => {
        cleanup();
        reject(new Error(`the ${name} exited (code ${code}, signal ${signal})`));
      };
      const onError = (error: Error) => {
        cleanup();
        reject(new Error(`the ${name} failed: ${error.message}`));
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
      child.send(message);
    });
  };
  return { request, stop };
}
