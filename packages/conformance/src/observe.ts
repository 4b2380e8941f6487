/**
 * Observing `net` objects the same way whichever library made them, so two runs (one through
 * `node:net`, one through `@loopfast/net`) can be compared value for value: what a call threw,
 * which events an object emitted and in which order, and where it ended up.
 *
 * Nothing here changes what it observes: events are seen by wrapping the object's own `emit`
 * (adding a `'data'` or `'readable'` listener would change how a stream flows).
 *
 * This module imports nothing but Node, so a child process can load it alone.
 *
 * @module
 */
import type { EventEmitter } from 'node:events';
import type { Server, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A thrown or emitted error, as far as users can branch on it. */
export interface ErrorShape {
  /** The nearest built-in class: `TypeError`, `RangeError`, `AggregateError`, ... or `Error`. */
  readonly class: string;
  readonly name: string;
  readonly code: unknown;
  readonly message: string;
  readonly errno?: unknown;
  readonly syscall?: unknown;
  readonly address?: unknown;
  readonly port?: unknown;
}

const BUILT_IN_ERRORS: readonly (readonly [string, new () => Error])[] = [
  ['AggregateError', AggregateError as unknown as new () => Error],
  ['RangeError', RangeError],
  ['TypeError', TypeError],
  ['SyntaxError', SyntaxError],
  ['URIError', URIError],
  ['EvalError', EvalError],
  ['ReferenceError', ReferenceError],
];

/** Replaces what differs from run to run (ports, temporary paths) in a string. */
export type Scrub = (text: string) => string;

/** The identity scrub. */
export const noScrub: Scrub = (text) => text;

/**
 * A scrub that replaces each given value (a port, a path) by its label, longest value first so
 * that a path containing another is replaced whole.
 */
export function scrubber(values: Readonly<Record<string, string | number | undefined>>): Scrub {
  const pairs = Object.entries(values)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([label, value]) => [label, String(value)] as const)
    .sort((a, b) => b[1].length - a[1].length);
  return (text) => {
    let out = text;
    for (const [label, value] of pairs) {
      // Whole numbers only: port 80 must not eat part of 8080.
      const pattern = /^\d+$/.test(value)
        ? new RegExp(`(?<![\\d])${value}(?![\\d])`, 'g')
        : new RegExp(value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g');
      out = out.replace(pattern, `<${label}>`);
    }
    return out;
  };
}

/** What users see of an error: its class, `code`, message and system-error fields. */
export function errorShape(error: unknown, scrub: Scrub = noScrub): ErrorShape {
  if (!(error instanceof Error)) {
    return { class: typeof error, name: typeof error, code: undefined, message: String(error) };
  }
  const found = BUILT_IN_ERRORS.find(([, type]) => error instanceof type);
  const fields = error as Error & Record<string, unknown>;
  const shape: Record<string, unknown> = {
    class: found?.[0] ?? 'Error',
    name: error.name,
    code: fields.code,
    message: scrub(error.message),
  };
  for (const key of ['errno', 'syscall', 'address', 'port'] as const) {
    if (key in fields) {
      const value = fields[key];
      shape[key] =
        typeof value === 'string' || typeof value === 'number' ? scrub(String(value)) : value;
    }
  }
  return shape as unknown as ErrorShape;
}

/** Runs `call`: what it returned, or the shape of what it threw. */
export function attempt<T>(
  call: () => T,
  scrub: Scrub = noScrub,
): { readonly value?: T; readonly threw: ErrorShape | null } {
  try {
    return { value: call(), threw: null };
  } catch (error) {
    return { threw: errorShape(error, scrub) };
  }
}

/** Events never recorded: listener bookkeeping. */
const BOOKKEEPING = new Set(['newListener', 'removeListener']);

/**
 * Events left out of a trace unless asked for: `'readable'` and `'drain'` come as often as the
 * kernel splits or fills buffers, which depends on timing and buffer sizes, not on the API.
 */
export const TIMING_EVENTS: ReadonlySet<string> = new Set(['readable', 'drain']);

/** How one event is written into a trace. */
function describeEvent(name: string, args: readonly unknown[], scrub: Scrub): string {
  const [first] = args;
  if (name === 'error') {
    const shape = errorShape(first, scrub);
    return `error:${String(shape.code ?? shape.name)}`;
  }
  if (name === 'close' && typeof first === 'boolean') return `close(${first})`;
  if (name === 'lookup') {
    const [error, address, family, host] = args as [Error | null, unknown, unknown, unknown];
    const outcome = error ? `error ${String((error as { code?: unknown }).code)}` : address;
    return `lookup(${String(outcome)},${String(family)},${String(host)})`;
  }
  if (name === 'connectionAttempt' || name === 'connectionAttemptFailed') {
    const [address, port, family] = args;
    const shown = typeof port === 'number' ? portToken(port) : port;
    return `${name}(${scrub(String(address))},${String(shown)},${String(family)})`;
  }
  return name;
}

/** A trace of events: names in order, consecutive `'data'` events folded into one. */
export interface EventTrace {
  /** The events so far. */
  readonly events: string[];
  /** Every `'error'` emitted, whole. */
  readonly errors: unknown[];
  /** Stops recording (the object's own `emit` is put back). */
  stop(): void;
}

/**
 * Records the events `target` emits, by wrapping its `emit`. `include` picks events beyond the
 * default set (everything but {@link TIMING_EVENTS}).
 */
export function recordEvents(
  target: EventEmitter,
  options: { scrub?: Scrub; include?: readonly string[]; exclude?: readonly string[] } = {},
): EventTrace {
  const scrub = options.scrub ?? noScrub;
  const include = new Set(options.include ?? []);
  const exclude = new Set(options.exclude ?? []);
  const events: string[] = [];
  const errors: unknown[] = [];
  const hadOwn = Object.hasOwn(target, 'emit');
  const own = target.emit;
  const original = target.emit;
  const wrapped = function recordingEmit(
    this: EventEmitter,
    name: string | symbol,
    ...args: unknown[]
  ): boolean {
    if (typeof name === 'string' && !BOOKKEEPING.has(name) && !exclude.has(name)) {
      if (!TIMING_EVENTS.has(name) || include.has(name)) {
        const entry = describeEvent(name, args, scrub);
        if (!(entry === 'data' && events.at(-1) === 'data')) events.push(entry);
      }
      if (name === 'error') errors.push(args[0]);
    }
    return original.call(this, name, ...args);
  };
  target.emit = wrapped as EventEmitter['emit'];
  return {
    events,
    errors,
    stop() {
      if (target.emit !== wrapped) return;
      if (hadOwn) target.emit = own;
      else delete (target as Partial<EventEmitter>).emit;
    },
  };
}

/** Waits until `emitter` emits one of `names`, or `ms` pass; which one came, or `null`. */
export function firstOf(
  emitter: EventEmitter,
  names: readonly string[],
  ms: number,
): Promise<string | null> {
  return new Promise((resolve) => {
    const listeners = new Map<string, () => void>();
    const finish = (name: string | null) => {
      clearTimeout(timer);
      for (const [event, listener] of listeners) emitter.off(event, listener);
      resolve(name);
    };
    for (const name of names) {
      const listener = () => finish(name);
      listeners.set(name, listener);
      emitter.once(name, listener);
    }
    const timer = setTimeout(() => finish(null), ms);
  });
}

/**
 * Lets pending callbacks run: a few turns of the event loop and a short pause, so events that a
 * call schedules (next tick, immediate, a local name lookup, libuv's deferred close) have come.
 * Never an assertion about time: waiting longer changes nothing that is compared.
 */
export async function settle(ms = 30): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  await sleep(ms);
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A port as a trace shows it: which known port it is, or just that it is one. */
export function portToken(
  port: unknown,
  known: Readonly<Record<string, number | undefined>> = {},
): unknown {
  if (typeof port !== 'number') return port;
  for (const [label, value] of Object.entries(known)) if (value === port) return `<${label}>`;
  return port > 0 && port < 65536 ? '<ephemeral port>' : port;
}

/** `server.address()` as a trace shows it. */
export function serverAddress(
  server: Server,
  scrub: Scrub = noScrub,
  known: Readonly<Record<string, number | undefined>> = {},
): unknown {
  const address = server.address();
  if (address === null) return null;
  if (typeof address === 'string') return scrub(address);
  return { address: address.address, family: address.family, port: portToken(address.port, known) };
}

/**
 * The address properties of a socket, as a trace shows them. A client's local port and an
 * accepted socket's remote port are the client's ephemeral port, shown as one whatever its number
 * (over the rendezvous it is drawn at random, and may equal a listener's port elsewhere); the
 * other end's port is named when it is a known one.
 */
export function socketAddresses(
  socket: Socket,
  known: Readonly<Record<string, number | undefined>> = {},
): Record<string, unknown> {
  const accepted = (socket as { server?: unknown }).server != null;
  const localKnown = accepted ? known : {};
  const local = socket.address() as { address?: string; family?: string; port?: number } | object;
  const localEnd =
    local && 'address' in local
      ? { address: local.address, family: local.family, port: portToken(local.port, localKnown) }
      : local;
  return {
    remoteAddress: socket.remoteAddress,
    remoteFamily: socket.remoteFamily,
    remotePort: portToken(socket.remotePort, accepted ? {} : known),
    localAddress: socket.localAddress,
    localFamily: socket.localFamily,
    localPort: portToken(socket.localPort, localKnown),
    address: localEnd,
  };
}

/** The state of a socket users read: flags, counters and timeout. */
export function socketState(socket: Socket): Record<string, unknown> {
  return {
    readyState: socket.readyState,
    pending: socket.pending,
    connecting: socket.connecting,
    destroyed: socket.destroyed,
    readable: socket.readable,
    writable: socket.writable,
    bytesRead: socket.bytesRead,
    bytesWritten: socket.bytesWritten,
    timeout: socket.timeout,
  };
}

/** Closes a server if it is listening, and waits for it. */
export async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** How long a `listen` may take to say anything before that counts as a hang. */
const LISTEN_HANG_MS = 5000;

/** What a `listen` call did, as far as users can tell. */
export interface ListenOutcome {
  readonly threw: ErrorShape | null;
  readonly events: string[];
  readonly listening: boolean;
  readonly address: unknown;
}

/**
 * Makes a `listen` call and watches what follows: the throw, or the events until `'listening'`,
 * `'error'` or `'close'` (bounded: a hang is an outcome), then a little longer for late ones
 * (`lateMs`: a `'listening'` after a `close()` or an abort), and the state it ends in.
 */
export async function listenOutcome(
  server: Server,
  args: readonly unknown[],
  options: {
    scrub?: Scrub;
    known?: Readonly<Record<string, number>>;
    afterListen?: (server: Server) => void;
    lateMs?: number;
  } = {},
): Promise<ListenOutcome> {
  const scrub = options.scrub;
  const trace = recordEvents(server, scrub ? { scrub } : {});
  server.on('error', () => {});
  const result = attempt(() => (server.listen as (...a: unknown[]) => Server)(...args), scrub);
  if (result.threw === null) options.afterListen?.(server);
  if (result.threw === null) {
    const first = await firstOf(server, ['listening', 'error', 'close'], LISTEN_HANG_MS);
    if (first === null)
      trace.events.push(`(no listening, error or close within ${LISTEN_HANG_MS} ms)`);
    else if (options.lateMs) await firstOf(server, ['listening', 'error'], options.lateMs);
  }
  await settle();
  const outcome = {
    threw: result.threw,
    events: [...trace.events],
    listening: server.listening,
    address: serverAddress(server, scrub, options.known),
  };
  trace.stop();
  return outcome;
}
