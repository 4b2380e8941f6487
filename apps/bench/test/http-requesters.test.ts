/**
 * The load process's requesters against a real `http` server in this process: a `fetch` run as
 * long as a `--full` one leaves no signal gathering listeners (Node warns past 1,500, once per
 * further listener), and closing a requester aborts what is still in flight.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpRun } from '../src/http-protocol.js';
import { fetchRequester } from '../src/http-requesters.js';

const BODY = 64;

let server: Server | null = null;

afterEach(async () => {
  server?.closeAllConnections();
  server?.close();
  server = null;
});

/** A server on 127.0.0.1 that answers each request with a 64-byte body, or never (`silent`). */
async function serve(silent = false): Promise<number> {
  server = createServer((request, response) => {
    request.resume();
    if (!silent) request.on('end', () => response.end(Buffer.alloc(BODY, 0x62)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

function fetchRun(port: number, requests: number): HttpRun {
  return {
    mode: 'net',
    kind: 'fetch',
    port,
    path: null,
    concurrency: 16,
    requests,
    timeLimitMs: 60_000,
    bodySize: BODY,
  };
}

describe("the fetch requester (Node's built-in fetch)", () => {
  it('makes 5,000 requests, 16 in flight, without a MaxListenersExceededWarning', async () => {
    const port = await serve();
    const requester = fetchRequester(fetchRun(port, 5000), Buffer.alloc(BODY, 0x61));
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      let started = 0;
      let bytes = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (started < 5000) {
            started++;
            const answered = await requester.one();
            bytes += answered;
          }
        }),
      );
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(bytes).toBe(5000 * BODY);
      expect(warnings.filter((name) => name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      requester.close();
    }
  });

  it('aborts the requests still in flight when closed', async () => {
    const port = await serve(true);
    const requester = fetchRequester(fetchRun(port, 3), Buffer.alloc(BODY, 0x61));
    const pending = [requester.one(), requester.one(), requester.one()];
    await new Promise((resolve) => setTimeout(resolve, 100));
    requester.close();
    const outcomes = await Promise.allSettled(pending);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const outcome of outcomes) {
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ name: 'AbortError' });
    }
  });
});
