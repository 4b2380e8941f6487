/**
 * Run by lanes/arm64.mjs on the arm64 Node under qemu before the suites: both backends make,
 * query and close a real TCP socket, and the report says which native binaries did it, so the
 * lane's closing line names them. Prints one JSON line.
 *
 * The backends are resolved from the package named on the command line (one that depends on
 * both), as its tests resolve them.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const [from] = process.argv.slice(2);
if (!from)
  throw new Error('usage: preflight.mjs <package.json of a package that has both backends>');
const resolve = createRequire(from).resolve;
const { socketConstants } = await import(pathToFileURL(resolve('@loopfast/core')).href);
const { SOL_SOCKET, SO_TYPE, SOCK_STREAM } = socketConstants();

const backends = [];
for (const name of ['@loopfast/ffi', '@loopfast/napi']) {
  const { backend } = await import(pathToFileURL(resolve(name)).href);
  const socket = backend.createTcpSocket(4);
  const type = backend.getSocketOption(socket, SOL_SOCKET, SO_TYPE);
  backend.closeSocket(socket);
  if (type !== SOCK_STREAM) throw new Error(`${name}: SO_TYPE ${type}, not SOCK_STREAM`);
  backends.push(backend.name);
}

const { cache } = createRequire(import.meta.url);
process.stdout.write(
  `${JSON.stringify({
    arch: process.arch,
    node: process.versions.node,
    glibc: process.report.getReport().header.glibcVersionRuntime,
    backends,
    addons: Object.keys(cache).filter((file) => file.endsWith('.node')),
  })}\n`,
);
