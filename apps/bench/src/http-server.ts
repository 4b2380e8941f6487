/**
 * The HTTP scenarios' server process, forked by the measuring process (with the preload for the
 * `preload` mode, without it otherwise): Node's own `http.createServer`, one per listener asked
 * for, each answering a request whose body has the agreed size with a body of the same size. The
 * program is the same in every mode, so whatever changes between modes is the preload's doing.
 * It lives only as long as its IPC channel: a lost parent ends it.
 *
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { fastPathInfo } from '@loopfast/net';
import {
  cpuMicros,
  type FromHttpServer,
  type HttpEndpoint,
  type HttpListenRequest,
  type ToHttpServer,
} from './http-protocol.js';
import { listenFor } from './listen.js';
import type { HttpModeId } from './modes.js';
import { keptStatus, type StatusRecord, toStatusRecord } from './protocol.js';

const servers: Server[] = [];
const accepted: Partial<Record<HttpModeId, StatusRecord>> = {};
/** Sockets whose status is counted already: a keep-alive connection carries many requests. */
const checked = new WeakSet<Socket>();

/**
 * The request handler of mode `id`: reads the body, checks its size, and answers 200 with a body
 * of `bodySize` bytes (400 without a body when the size is wrong, which the client counts as a
 * failure). The first request on each socket records the socket's fast-path status.
 */
function handler(
  id: HttpModeId,
  bodySize: number,
): (request: IncomingMessage, response: ServerResponse) => void {
  const body = Buffer.alloc(bodySize, 0x62);
  return (request, response) => {
    const socket = request.socket;
    if (!checked.has(socket)) {
      checked.add(socket);
      accepted[id] = keptStatus(accepted[id] ?? null, fastPathInfo(socket));
    }
    let received = 0;
    request.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    request.on('end', () => {
      if (received !== bodySize) {
        response.writeHead(400, { 'content-length': 0 }).end();
        return;
      }
      response.writeHead(200, { 'content-length': bodySize }).end(body);
    });
  };
}

async function listen(request: HttpListenRequest, bodySize: number): Promise<HttpEndpoint> {
  const server = createServer(handler(request.id, bodySize));
  servers.push(server);
  const at = await listenFor(server, request.id, request.transport, request.path);
  const status = at.error === null ? toStatusRecord(fastPathInfo(server)) : null;
  return { id: request.id, ...at, server: status };
}

function send(message: FromHttpServer): void {
  process.send?.(message);
}

/** Closes every server and its connections (which removes Unix socket files), then exits. */
async function stop(): Promise<void> {
  const closed = Promise.all(
    servers.map((server) => {
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return done;
    }),
  );
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  process.exit(0);
}

async function onMessage(message: ToHttpServer): Promise<void> {
  if (message.type === 'start') {
    const endpoints = await Promise.all(
      message.listeners.map((listener) => listen(listener, message.bodySize)),
    );
    send({ type: 'ready', endpoints });
  } else if (message.type === 'status') {
    send({ type: 'status', accepted });
  } else if (message.type === 'cpu') {
    send({ type: 'cpu', micros: cpuMicros() });
  } else if (message.type === 'stop') {
    await stop();
  }
}

if (process.send !== undefined) {
  process.on('message', (message: ToHttpServer) => {
    onMessage(message).catch((error: Error) => send({ type: 'error', message: error.message }));
  });
  // The parent is gone (or done): nothing else should keep this process.
  process.on('disconnect', () => process.exit(0));
}
