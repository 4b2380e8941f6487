/**
 * Unix domain socket listeners in other processes, for the backend suite's `connectUnixSocket`
 * rows: a Node server (its pid shows in peer credentials; killed, it leaves a stale socket file
 * behind, which Node's own `close()` would have removed) and a Python listener that never
 * accepts (its backlog fills up).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/** A listener running in a child process. */
export interface UnixListenerProcess {
  /** The child's process id: the pid its listening socket reports as peer credentials. */
  readonly pid: number;
  /** Stops the child with `signal` (`SIGTERM` by default) and waits until it has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

const NODE_SERVER = `
const server = require('node:net').createServer((socket) => socket.pipe(socket));
server.listen(process.argv[1], () => process.stdout.write('ready\\n'));
`;

const PYTHON_LISTENER = `
import socket, sys
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(sys.argv[1])
listener.listen(int(sys.argv[2]))
print("ready", flush=True)
sys.stdin.read()
`;

/** Starts `command args`; resolves once it prints `ready`, rejects if it exits first. */
async function startListener(command: string, args: string[]): Promise<UnixListenerProcess> {
  const child: ChildProcess = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready\n')) resolve();
    });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      reject(new Error(`${command} exited (${code ?? signal}) before it listened: ${output}`)),
    );
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${command} has no pid`);
  return {
    pid,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** A Node process listening on the Unix socket `path`; it echoes what it receives. */
export function startNodeUnixServer(path: string): Promise<UnixListenerProcess> {
  return startListener(process.execPath, ['-e', NODE_SERVER, path]);
}

/**
 * A Python process whose socket is bound to `path` and listens with `backlog`, and which never
 * accepts, so connections queue until the backlog is full.
 */
export function startPythonUnixListener(
  python: string,
  path: string,
  backlog: number,
): Promise<UnixListenerProcess> {
  return startListener(python, ['-c', PYTHON_LISTENER, path, String(backlog)]);
}
