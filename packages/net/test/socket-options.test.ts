/**
 * The options a socket made over the rendezvous takes from the caller: the names Node's socket
 * reads, and only as Node's own copy takes them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backend as napi } from '@loopfast/napi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLoopfast, fastPathInfo } from '../src/index.js';
import { SOCKET_OPTION_NAMES, socketOptionsFrom } from '../src/socket-options.js';

/** Node's own source of a built-in module, as the running Node carries it. */
function nodeSource(id: string): string {
  const natives = (process as unknown as { binding(name: string): Record<string, string> }).binding(
    'natives',
  );
  const source = natives[id];
  if (typeof source !== 'string') throw new Error(`no source for ${id}`);
  return source;
}

/** The text of the top-level function of `source` that starts with `head`. */
function functionText(source: string, head: string): string {
  const start = source.indexOf(head);
  if (start < 0) throw new Error(`${head} not found`);
  const end = source.indexOf('\n}', start);
  return source.slice(start, end);
}

/** Every option name the constructors a `net.Socket` runs read from their options. */
function namesNodeReads(): Set<string> {
  const texts = [
    functionText(nodeSource('net'), 'function Socket(options)'),
    functionText(nodeSource('internal/streams/duplex'), 'function Duplex(options)'),
    functionText(nodeSource('internal/streams/readable'), 'function ReadableState('),
    functionText(nodeSource('internal/streams/readable'), 'function Readable(options)'),
    functionText(nodeSource('internal/streams/writable'), 'function WritableState('),
    functionText(nodeSource('internal/streams/writable'), 'function Writable(options)'),
    functionText(nodeSource('internal/streams/state'), 'function getHighWaterMark('),
    functionText(nodeSource('internal/streams/legacy'), 'function Stream(opts)'),
    functionText(nodeSource('events'), 'EventEmitter.init = function'),
  ];
  const names = new Set<string>();
  for (const text of texts) {
    for (const match of text.matchAll(/\b(?:options|opts)\??\.\s*([A-Za-z_]\w*)/g)) {
      names.add(match[1] as string);
    }
    // The high-water mark of a duplex side is read by a computed name.
    if (/options\[duplexKey\]/.test(text)) {
      names.add('readableHighWaterMark');
      names.add('writableHighWaterMark');
    }
  }
  return names;
}

/** Names a socket made from a descriptor sets itself (`fd`) or never takes from the caller. */
const SET_BY_LOOPFAST = ['fd', 'readable', 'writable', 'manualStart', 'handle'];

describe('SOCKET_OPTION_NAMES', () => {
  it("holds every option the running Node's socket reads", () => {
    const read = namesNodeReads();
    // The extraction must see the constructor's well-known options, or it proves nothing.
    for (const known of ['allowHalfOpen', 'onread', 'highWaterMark', 'objectMode', 'signal']) {
      expect(read).toContain(known);
    }
    const missing = [...read].filter(
      (name) =>
        !SET_BY_LOOPFAST.includes(name) &&
        !(SOCKET_OPTION_NAMES as readonly string[]).includes(name),
    );
    expect(missing).toEqual([]);
  });
});

describe('socketOptionsFrom', () => {
  it('takes own, enumerable, defined options of those names, then its own, which win', () => {
    const options = Object.create({ highWaterMark: 7 }) as Record<string, unknown>;
    Object.assign(options, { port: 80, host: 'x', allowHalfOpen: true, encoding: undefined });
    Object.defineProperty(options, 'noDelay', { value: true, enumerable: false });
    Object.defineProperty(options, 'keepAlive', { get: () => true, enumerable: true });
    const copy = socketOptionsFrom(options, { fd: 3, allowHalfOpen: false });
    expect({ ...copy }).toEqual({ keepAlive: true, allowHalfOpen: false, fd: 3 });
  });

  it("keeps the caller's kind: no prototype for options without one, Object's otherwise", () => {
    const bare = socketOptionsFrom({ __proto__: null, allowHalfOpen: true }, { fd: 3 });
    expect(Object.getPrototypeOf(bare)).toBeNull();
    expect(Object.getPrototypeOf(socketOptionsFrom({ allowHalfOpen: true }, { fd: 3 }))).toBe(
      Object.prototype,
    );
  });
});

describe.runIf(process.platform === 'linux')('a connection over the rendezvous', () => {
  let runtime: string;
  let server: net.Server;
  let port: number;
  // A rendezvous directory of this test's own: the factory reads the environment it is given.
  const lf = () => {
    const defaults = { backend: napi, loopbackFastPath: true, env: { XDG_RUNTIME_DIR: runtime } };
    return createLoopfast(defaults);
  };

  beforeAll(async () => {
    runtime = mkdtempSync(join(tmpdir(), 'loopfast-socket-options-'));
    server = lf().createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(runtime, { recursive: true, force: true });
  });

  /** What a socket shows of the options it was made with, once connected (call it at once). */
  async function shown(socket: net.Socket) {
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const view = {
      allowHalfOpen: socket.allowHalfOpen,
      readableHighWaterMark: socket.readableHighWaterMark,
      writableHighWaterMark: socket.writableHighWaterMark,
      readableEncoding: socket.readableEncoding,
    };
    socket.destroy();
    return view;
  }

  it.each([
    ['ordinary options', (extra: object) => ({ port, host: '127.0.0.1', ...extra })],
    [
      'options without a prototype, as http passes them',
      (extra: object) => ({
        __proto__: null,
        port,
        host: '127.0.0.1',
        method: 'GET',
        headers: {},
        ...extra,
      }),
    ],
  ])('takes the stream options from %s as node:net does', async (_label, make) => {
    const extra = {
      allowHalfOpen: true,
      highWaterMark: 1234,
      writableHighWaterMark: 4321,
      encoding: 'utf8',
    };
    const socket = lf().connect(make(extra) as net.NetConnectOpts);
    expect(fastPathInfo(socket).mechanism).toBe('unix-rendezvous');
    const view = shown(socket);
    const reference = shown(net.connect(make(extra) as net.NetConnectOpts));
    expect(await view).toEqual(await reference);
    // Node's `highWaterMark` wins over the side's own.
    expect(await view).toEqual({
      allowHalfOpen: true,
      readableHighWaterMark: 1234,
      writableHighWaterMark: 1234,
      readableEncoding: 'utf8',
    });
  });

  it('ignores an inherited option, as node:net does', async () => {
    const make = () =>
      Object.assign(Object.create({ highWaterMark: 77, allowHalfOpen: true }), {
        port,
        host: '127.0.0.1',
      }) as net.NetConnectOpts;
    const socket = lf().connect(make());
    expect(fastPathInfo(socket).mechanism).toBe('unix-rendezvous');
    const reference = shown(net.connect(make()));
    const view = await shown(socket);
    expect(view).toEqual(await reference);
    expect(view.allowHalfOpen).toBe(false);
    expect(view.readableHighWaterMark).not.toBe(77);
  });
});
