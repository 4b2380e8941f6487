/**
 * Unix domain socket listeners in other processes, for the backend suite's `connectUnixSocket`
 * rows: a Node server (its pid shows in peer credentials; killed, it leaves a stale socket file
 * behind, which Node's own `close()` would have removed), a Python listener that never accepts
 * (its backlog fills up), and a Python echo server that reports each client's address (Python,
 * not Node, binds the abstract names: libuv before 1.47, in Node 20, pads an abstract name to
 * the whole of `sun_path`, so the name it binds is not the one it was given).
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

// Each accepted client's address (getpeername), as hex of its bytes: '' for an unbound client,
// a NUL and the name for an abstract one. argv: 'abstract' or 'path', then the name or path.
const PYTHON_ECHO_SERVER = `
import socket, sys, threading
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(b"\\0" + sys.argv[2].encode() if sys.argv[1] == "abstract" else sys.argv[2])
listener.listen(8)
print("ready", flush=True)
def echo(conn):
    with conn:
        while True:
            data = conn.recv(65536)
            if not data: break
            conn.sendall(data)
while True:
    conn, peer = listener.accept()
    peer = peer if isinstance(peer, bytes) else peer.encode()
    print("peer " + peer.hex(), flush=True)
    threading.Thread(target=echo, args=(conn,), daemon=True).start()
`;

/** Starts `command args`; resolves once it prints `ready`, rejects if it exits first. */
async function startListener(
  command: string,
  args: string[],
  onLine: (line: string) => void = () => {},
): Promise<UnixListenerProcess> {
  const child: ChildProcess = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  let output = '';
  let pending = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
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

/** A Python echo server in a child process, which reports the address of each client. */
export interface PythonUnixEchoServer extends UnixListenerProcess {
  /**
   * Resolves with the address of the next client the server accepts, as `getpeername` gave it
   * to Python: `''` for an unbound client, `'\0'` and the name for an abstract one, else the
   * path.
   */
  nextPeer(): Promise<string>;
}

/**
 * A Python process that listens on `address` (a path, or on Linux `'\0'` and an abstract name),
 * echoes what each client sends, and reports each client's address.
 */
export async function startPythonUnixEchoServer(
  python: string,
  address: string,
): Promise<PythonUnixEchoServer> {
  const peers: string[] = [];
  const waiting: ((peer: string) => void)[] = [];
  const onLine = (line: string) => {
    if (!line.startsWith('peer ')) return;
    const peer = Buffer.from(line.slice('peer '.length), 'hex').toString('utf8');
    const waiter = waiting.shift();
    if (waiter) waiter(peer);
    else peers.push(peer);
  };
  const args = address.startsWith('\0') ? ['abstract', address.slice(1)] : ['path', address];
  const listener = await startListener(python, ['-c', PYTHON_ECHO_SERVER, ...args], onLine);
  return {
    ...listener,
    nextPeer() {
      const peer = peers.shift();
      if (peer !== undefined) return Promise.resolve(peer);
      return new Promise<string>((resolve) => waiting.push(resolve));
    },
  };
}
