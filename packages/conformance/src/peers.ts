/** Small real peers for the suites: a hashing TCP server and a Unix domain socket pair. */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** SHA-256 of some bytes, hex. */
export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** What the exchange server saw on one connection. */
export interface ExchangeRecord {
  /** SHA-256 of every byte the server received. */
  readonly receivedHash: string;
  /** How many bytes the server received. */
  readonly receivedBytes: number;
}

/** A listening TCP server that sends `payload` to each client and hashes what it receives. */
export interface ExchangeServer {
  readonly server: Server;
  readonly port: number;
  readonly payload: Buffer;
  /** Resolves with the record of the next connection once the client has ended it. */
  nextRecord(): Promise<ExchangeRecord>;
  close(): Promise<void>;
}

/** Starts an {@link ExchangeServer} on `host`, port 0. */
export async function startExchangeServer(
  host: string,
  payloadBytes = 256 * 1024,
): Promise<ExchangeServer> {
  const payload = randomBytes(payloadBytes);
  const records: Promise<ExchangeRecord>[] = [];
  let taken = 0;
  const server = createServer((socket: Socket) => {
    const hash = createHash('sha256');
    let receivedBytes = 0;
    socket.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      receivedBytes += chunk.length;
    });
    const record = once(socket, 'end').then(() => {
      socket.end();
      return { receivedHash: hash.digest('hex'), receivedBytes };
    });
    socket.write(payload);
    records.push(record);
  });
  server.listen(0, host);
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return {
    server,
    port: address.port,
    payload,
    nextRecord: async () => {
      // The handler above runs before this `once` settles, so the record is already queued.
      while (records.length <= taken) await once(server, 'connection');
      return records[taken++] as Promise<ExchangeRecord>;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A connected pair over a Unix domain socket: the client and the server's accepted socket. */
export interface UnixPair {
  readonly client: Socket;
  readonly accepted: Socket;
  close(): Promise<void>;
}

/** Connects a client to a fresh Unix domain socket server in a private temporary folder. */
export async function unixPair(): Promise<UnixPair> {
  const dir = mkdtempSync(join(tmpdir(), 'loopfast-unix-'));
  const path = join(dir, 's.sock');
  const server = createServer();
  server.listen(path);
  await once(server, 'listening');
  const acceptedPromise = once(server, 'connection') as Promise<[Socket]>;
  const client = connect(path);
  await once(client, 'connect');
  const [accepted] = await acceptedPromise;
  return {
    client,
    accepted,
    close: async () => {
      client.destroy();
      accepted.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
