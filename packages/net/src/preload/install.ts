/**
 * The preload (`node --import @loopfast/net/register`): every TCP client and server the process
 * makes goes through loopfast with the fast path asked for, without a change to the program.
 *
 * What is replaced, and why each:
 * - `net.connect` / `net.createConnection`: undici (so Node's built-in `fetch`), ioredis and most
 *   clients look them up at call time.
 * - `http.Agent.prototype.createConnection`, where it is `net.createConnection` as `node:http`
 *   captured it when it loaded before the preload (on Node 22 and later it forwards to
 *   `net.createConnection` at call time, and is left as it is).
 * - `tls.connect`: TLS (so `https.Agent`, the global one included, and `http2.connect` for
 *   `https:`) over a socket from loopfast's `connect`; the handshake and its checks stay Node's.
 * - `net.Socket.prototype.connect`: drivers such as `pg` make `new net.Socket()` and call
 *   `connect` on it; only the prototype sees that.
 * - `net.Server.prototype.listen`: `net.createServer`, `http`, `https`, `http2` and every
 *   framework listen through it.
 * - `module.syncBuiltinESMExports()`, so named ES imports of `node:net` and `node:tls` see the
 *   new functions.
 *
 * Nothing is loaded at start-up: a process that never uses the network pays for nothing, and a
 * program that reaches into Node's internals before it loads `node:http` (as Node's own tests
 * do) finds them untouched. `node:net` and `node:tls` are patched the moment they load, by
 * whoever loads them (the program with `require` or `import`, `node:http` loading `node:net`,
 * Node's `fetch`), before the loader hands them to anyone: Node lists each built-in module in
 * `process.moduleLoadList` as it finishes loading, and that list's additions are watched until
 * both are patched. What the replacements do (`replacements.ts`: loopfast's `connect`, its
 * mechanisms) and the backend load at the first connect or listen that may take the fast path.
 * What start-up needs is this one module (and the variables' names from
 * `@loopfast/core/environment`): each module loaded costs time.
 *
 * loopfast's own internals call Node's originals (`node-originals.ts`), and the replacements
 * hand a call to Node untouched while loopfast itself is inside a connect, so nothing recurses.
 * Installing is idempotent across loads and across copies of the package: the first one wins.
 *
 * @module
 */
import type Module from 'node:module';
import type net from 'node:net';
import type { Server, Socket } from 'node:net';
import type tls from 'node:tls';
// Reads `@loopfast/core/environment` alone, not the package's entry: that loads Node's `net`,
// which must wait for the program.
import { checkedKillSwitch } from '../environment.js';
import type * as Replacements from './replacements.js';

// ---------------------------------------------------------------------------------------------
// How a replacement names the function of Node's it replaced: `node:net` and `node:tls` are
// patched when they load, which may be before or after loopfast's own modules capture Node's
// functions (`node-originals.ts`), and those must get Node's either way.

/** Where a replacement keeps the function it replaced (shared by every copy of loopfast). */
const kReplaced = Symbol.for('loopfast.replaced');

type Replacement = { [kReplaced]?: unknown };

/** Marks `replacement` as standing in for `original`; returns `replacement`. */
function replacing<T extends object>(replacement: T, original: unknown): T {
  Object.defineProperty(replacement, kReplaced, { value: original, configurable: true });
  return replacement;
}

/** Node's function behind `fn`: what `fn` replaced when it is the preload's, else `fn` itself. */
export function original<T>(fn: T): T {
  return ((fn as Replacement)[kReplaced] as T | undefined) ?? fn;
}

// ---------------------------------------------------------------------------------------------
// The preload

/** What the first install left on `globalThis`, for every later load to find. */
const kPreload = Symbol.for('loopfast.preload');

/** Whether the preload is in force in this process, and why not when it is not. */
export interface PreloadState {
  /** Whether the functions are replaced. */
  readonly installed: boolean;
  /** Why, in plain words. */
  readonly reason: string;
}

/** How deep loopfast is inside a connect the preload started (its own calls go to Node). */
let depth = 0;

/** Runs `run` as loopfast's own: the replacements hand what it calls to Node. */
export function within<T>(run: () => T): T {
  depth++;
  try {
    return run();
  } finally {
    depth--;
  }
}

let replacements: typeof Replacements | undefined;

/** `node:module`, taken when needed: an import of it would load it (and more) at start-up. */
function moduleApi(): typeof Module {
  return process.getBuiltinModule('node:module') as typeof Module;
}

/** What the replacements do, loaded at the first call that needs it. */
function replacementsModule(): typeof Replacements {
  replacements ??= moduleApi().createRequire(import.meta.url)(
    './replacements.js',
  ) as typeof Replacements;
  return replacements;
}

type Connect = (...args: unknown[]) => Socket;
type SocketConnect = (this: Socket, ...args: unknown[]) => Socket;
type Listen = (this: Server, ...args: unknown[]) => Server;
type TlsConnect = (...args: unknown[]) => tls.TLSSocket;

/** Node's functions the replacements stand in for, as they were when they were replaced. */
let nodeConnect: Connect;
let nodeSocketConnect: SocketConnect;
let nodeListen: Listen;
let nodeTlsConnect: TlsConnect;

/** `net.connect`, `net.createConnection` and `http.Agent.prototype.createConnection`. */
function preloadConnect(...args: unknown[]): Socket {
  return replacementsModule().connect(args);
}

/**
 * The options of the `net.connect` the preload has handed to Node's, whose call of
 * `Socket#connect` (through whatever is patched onto the prototype) the preload then carries.
 */
let carrying: object | undefined;

/**
 * Node's `net.connect(options, listener)`: Node makes and announces the socket and calls
 * `net.Socket.prototype.connect` as it is now, as for any `net.connect` (instrumentation patched
 * onto the prototype sees it), and the preload carries that call.
 */
export function connectCarried(options: object, listener: unknown): Socket {
  const outer = carrying;
  carrying = options;
  try {
    return nodeConnect(options, listener);
  } finally {
    carrying = outer;
  }
}

type Bare = Socket & { _handle: object | null; connecting: boolean };

/**
 * `net.Socket.prototype.connect`: the call of a `net.connect` the preload handed to Node's, or
 * on a socket nobody connected yet (the `pg` way); any other call goes to Node untouched.
 */
function preloadSocketConnect(this: Socket, ...args: unknown[]): Socket {
  const socket = this as Bare;
  const [first] = args;
  if (carrying !== undefined && Array.isArray(first) && first[0] === carrying) {
    carrying = undefined;
    return replacementsModule().socketConnect(this, first[0], first[1], args);
  }
  // Node's own `net.connect` passes its normalized [options, listener] as one array: whoever
  // called Node's original (loopfast's internals, or code holding it from before the preload)
  // asked for Node's connect.
  if (
    depth > 0 ||
    Array.isArray(first) ||
    socket._handle ||
    socket.connecting ||
    socket.destroyed
  ) {
    return nodeSocketConnect.apply(this, args);
  }
  return replacementsModule().socketConnect(this, undefined, undefined, args);
}

/**
 * `net.Server.prototype.listen`. A server with a `listen` of its own was attached already (by
 * the program through `attachFastPath`, or here): its wrapper is what calls this, and Node's is
 * the answer.
 */
function preloadListen(this: Server, ...args: unknown[]): Server {
  if (depth > 0 || Object.hasOwn(this, 'listen') || this.listening) {
    return nodeListen.apply(this, args);
  }
  return replacementsModule().listen(this, args);
}

/** `tls.connect`. */
function preloadTlsConnect(...args: unknown[]): tls.TLSSocket {
  if (depth > 0) return nodeTlsConnect(...args);
  return within(() => replacementsModule().tlsConnect(args, nodeTlsConnect as typeof tls.connect));
}

type Http = { Agent: { prototype: { createConnection: unknown } } };

/** Where the first install keeps Node's `net` functions it replaced, for every copy of loopfast. */
const kNodeNet = Symbol.for('loopfast.node-net');

/** Node's `net` functions the preload replaced. */
export interface NodeNet {
  readonly connect: Connect;
  readonly socketConnect: SocketConnect;
  readonly listen: Listen;
}

/**
 * Node's `net` functions as the preload found them, or `undefined` where it did not patch
 * `node:net`: what is on `node:net` now may be a wrapper someone put over the preload's.
 */
export function replacedNet(): NodeNet | undefined {
  return (globalThis as { [kNodeNet]?: NodeNet })[kNodeNet];
}

function patchNet(exports: typeof net): void {
  nodeConnect = exports.connect as Connect;
  nodeSocketConnect = exports.Socket.prototype.connect as SocketConnect;
  nodeListen = exports.Server.prototype.listen as Listen;
  const found: NodeNet = {
    connect: original(nodeConnect),
    socketConnect: original(nodeSocketConnect),
    listen: original(nodeListen),
  };
  Object.defineProperty(globalThis, kNodeNet, { value: found, configurable: true });
  const connect = replacing(preloadConnect, nodeConnect) as typeof net.connect;
  exports.connect = connect;
  exports.createConnection = connect;
  exports.Socket.prototype.connect = replacing(
    preloadSocketConnect,
    nodeSocketConnect,
  ) as Socket['connect'];
  exports.Server.prototype.listen = replacing(preloadListen, nodeListen) as Server['listen'];
}

/** `http.Agent` captured `net.createConnection` if `node:http` loaded before `node:net` was patched. */
function patchHttp(exports: Http): void {
  const agent = exports.Agent.prototype;
  if (agent.createConnection === nodeConnect) agent.createConnection = preloadConnect;
}

function patchTls(exports: typeof tls): void {
  nodeTlsConnect = exports.connect as TlsConnect;
  exports.connect = replacing(preloadTlsConnect, nodeTlsConnect) as typeof tls.connect;
}

/** The entry `process.moduleLoadList` gets when the built-in module `id` has loaded. */
const loaded = (id: string) => `NativeModule ${id}`;

/** A built-in module's exports (it has loaded: this does not load it). */
function builtin<T>(id: string): T {
  return process.getBuiltinModule(id) as T;
}

/**
 * Patches `node:net` and `node:tls` now if they have loaded, else the moment each loads: a
 * module's entry is appended to `process.moduleLoadList` (by Node, with `Array.prototype.push`)
 * right after its body ran, before whoever asked for it gets it. Until both are patched, the
 * list inherits from a proxy of `Array.prototype` whose `set` trap sees each new entry; after,
 * it inherits from `Array.prototype` again.
 */
function watchBuiltins(): void {
  // Node's own list; a runtime without it gets both modules patched now.
  const list = (process as { moduleLoadList?: string[] }).moduleLoadList ?? [
    loaded('net'),
    loaded('tls'),
  ];
  const pending = new Map<unknown, () => void>([
    [
      loaded('net'),
      () => {
        patchNet(builtin('net'));
        if (list.includes(loaded('http'))) patchHttp(builtin('http'));
      },
    ],
    [loaded('tls'), () => patchTls(builtin('tls'))],
  ]);
  const patch = (entry: unknown): void => {
    pending.get(entry)?.();
    pending.delete(entry);
  };
  const early = [...pending.keys()].filter((entry) => list.includes(entry as string));
  for (const entry of early) patch(entry);
  // A module loaded before the preload may have its named ES exports made already.
  if (early.length > 0) moduleApi().syncBuiltinESMExports();
  if (pending.size === 0) return;
  // Inside the trap nothing may load another module: Node would append to the list while it is
  // still appending (V8 aborts on that). No named exports exist yet to update: each `import`
  // and `require` of a built-in module brings them up to date.
  const watcher = new Proxy(Array.prototype, {
    set(target, key, value, receiver) {
      const stored = Reflect.set(target, key, value, receiver);
      if (pending.has(value)) {
        patch(value);
        if (pending.size === 0) Object.setPrototypeOf(list, Array.prototype);
      }
      return stored;
    },
  });
  Object.setPrototypeOf(list, watcher);
}

/**
 * Replaces Node's functions as described in this module's comment, once per process. With the
 * kill switch on (`LOOPFAST_DISABLE=1`) nothing is replaced: the program runs on Node's own
 * `net`, exactly as without the preload. Unknown `LOOPFAST_*` variables give one warning.
 */
export function installPreload(
  env: Readonly<Record<string, string | undefined>> = process.env,
): PreloadState {
  const holder = globalThis as { [kPreload]?: PreloadState };
  const existing = holder[kPreload];
  if (existing) return existing;
  if (checkedKillSwitch(env)) {
    const state = { installed: false, reason: 'the kill switch (LOOPFAST_DISABLE) is on' };
    holder[kPreload] = state;
    return state;
  }
  watchBuiltins();
  const state = { installed: true, reason: 'net, http, tls and https go through loopfast' };
  holder[kPreload] = state;
  return state;
}
