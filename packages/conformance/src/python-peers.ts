/**
 * Python's `socket` module as a foreign peer: a client of a loopfast server and a server for a
 * loopfast client. Each side sends a deterministic payload, half-closes, reads to EOF and
 * reports SHA-256 digests as JSON.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/** What the Python peer reports. */
export interface PythonReport {
  readonly sentHash: string;
  readonly receivedHash: string;
  readonly receivedBytes: number;
}

const EXCHANGE = `
import hashlib, json, socket, sys
def exchange(conn, size):
    payload = bytes((i * 7 + 3) % 251 for i in range(size))
    conn.sendall(payload)
    conn.shutdown(socket.SHUT_WR)
    h = hashlib.sha256(); n = 0
    while True:
        chunk = conn.recv(65536)
        if not chunk: break
        h.update(chunk); n += len(chunk)
    conn.close()
    print(json.dumps({"sentHash": hashlib.sha256(payload).hexdigest(), "receivedHash": h.hexdigest(), "receivedBytes": n}), flush=True)
`;

const CLIENT = `${EXCHANGE}
family = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
conn = socket.socket(family, socket.SOCK_STREAM)
conn.connect((sys.argv[1], int(sys.argv[2])))
exchange(conn, int(sys.argv[3]))
`;

const SERVER = `${EXCHANGE}
family = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
listener = socket.socket(family, socket.SOCK_STREAM)
listener.bind((sys.argv[1], 0))
listener.listen(1)
print(listener.getsockname()[1], flush=True)
conn, _ = listener.accept()
listener.close()
exchange(conn, int(sys.argv[3]))
`;

/** The payload a Python peer sends for `size` bytes, made the same way in JavaScript. */
export function pythonPayload(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + 3) % 251;
  return bytes;
}

/** Starts Python with `script`; `lines` resolves with its stdout lines once it exits cleanly. */
function runPython(
  python: string,
  script: string,
  args: string[],
): { child: ChildProcess; lines: Promise<string[]> } {
  const child = spawn(python, ['-c', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const lines = once(child, 'exit').then(([code]) => {
    if (code !== 0) throw new Error(`python exited with ${code}`);
    return output.trim().split('\n');
  });
  return { child, lines };
}

/** Runs Python as a client of `host:port`; resolves with its report once it exits. */
export async function runPythonClient(
  python: string,
  host: string,
  port: number,
  size: number,
): Promise<PythonReport> {
  const { lines } = runPython(python, CLIENT, [host, String(port), String(size)]);
  return JSON.parse((await lines).at(-1) ?? '') as PythonReport;
}

/** Starts Python as a server on `host`; returns its port and a promise of its report. */
export async function startPythonServer(
  python: string,
  host: string,
  size: number,
): Promise<{ port: number; report: Promise<PythonReport> }> {
  const { child, lines } = runPython(python, SERVER, [host, '0', String(size)]);
  const [first] = (await once(child.stdout as NodeJS.EventEmitter, 'data')) as [Buffer];
  const port = Number(first.toString().split('\n')[0]);
  return { port, report: lines.then((all) => JSON.parse(all.at(-1) ?? '') as PythonReport) };
}
