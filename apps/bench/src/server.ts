/**
 * The bench's server process, forked by the measuring process: one listener per mode, made the
 * way that mode says, each serving the tiny protocol of {@link OP_ECHO} and {@link OP_SINK}. It
 * lives only as long as its IPC channel: a lost parent ends it.
 *
 * @module
 */
import { createServer as netCreateServer, type Server, type Socket } from 'node:net';
import { createLoopfast } from '@loopfast/net';
import { backendByName } from './backends.js';
import { listenFor } from './listen.js';
import type { ModeId } from './modes.js';
import {
  type Endpoint,
  type FromServer,
  OP_ECHO,
  OP_SINK,
  type ServerModeRequest,
  type StatusRecord,
  type ToServer,
  toStatusRecord,
} from './protocol.js';

const loopfast = createLoopfast();
const servers: Server[] = [];
const accepted: Partial<Record<ModeId, StatusRecord>> = {};

/**
 * Serves one connection: the first byte picks echo or sink; echo writes every byte back as it
 * comes; sink counts bytes and, when the client ends, replies with the count in decimal.
 */
export function serveConnection(socket: Socket): void {
  let op = -1;
  let count = 0;
  socket.on('data', (chunk: Buffer) => {
    let data = chunk;
    if (op === -1) {
      op = data[0] as number;
      if (op !== OP_ECHO && op !== OP_SINK) {
        socket.destroy();
        return;
      }
      data = data.subarray(1);
      if (data.length === 0) return;
    }
    if (op === OP_ECHO) socket.write(data);
    else count += data.length;
  });
  socket.on('end', () => {
    if (op === OP_SINK) socket.end(String(count));
    else socket.end();
  });
  socket.on('error', () => socket.destroy());
}

function makeServer(request: ServerModeRequest): Server {
  const onConnection = (socket: Socket) => {
    if (request.library === '@loopfast/net' && accepted[request.id] === undefined)
      accepted[request.id] = toStatusRecord(loopfast.fastPathInfo(socket));
    serveConnection(socket);
  };
  if (request.library === 'node:net') return netCreateServer({ allowHalfOpen: true }, onConnection);
  return loopfast.createServer(
    {
      allowHalfOpen: true,
      loopbackFastPath: request.fastPath,
      ...(request.backend === null ? {} : { backend: backendByName(request.backend) }),
    },
    onConnection,
  );
}

async function listen(request: ServerModeRequest): Promise<Endpoint> {
  const server = makeServer(request);
  servers.push(server);
  const at = await listenFor(server, request.id, request.transport, request.path);
  const status =
    request.library === '@loopfast/net' ? toStatusRecord(loopfast.fastPathInfo(server)) : null;
  return { id: request.id, ...at, server: at.error === null ? status : null };
}

function send(message: FromServer): void {
  process.send?.(message);
}

/** Closes every listener (which removes Unix socket files), waiting at most two seconds. */
async function stop(): Promise<void> {
  const closed = Promise.all(
    servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  process.exit(0);
}

async function onMessage(message: ToServer): Promise<void> {
  if (message.type === 'start') {
    send({ type: 'ready', endpoints: await Promise.all(message.modes.map(listen)) });
  } else if (message.type === 'status') {
    send({ type: 'status', accepted });
  } else if (message.type === 'stop') {
    await stop();
  }
}

if (process.send !== undefined) {
  process.on('message', (message: ToServer) => {
    onMessage(message).catch((error: Error) => send({ type: 'error', message: error.message }));
  });
  // The parent is gone (or done): nothing else keeps this process, so end it.
  process.on('disconnect', () => process.exit(0));
}
