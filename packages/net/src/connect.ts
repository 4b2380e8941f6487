/**
 * `connect` / `createConnection`: a real `net.Socket`, with the fast path applied to it before
 * `connect` where the platform has a mechanism.
 *
 * @module
 */
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import {
  isIP,
  type NetConnectOpts,
  connect as netConnect,
  Socket,
  type SocketConstructorOpts,
} from 'node:net';
import { invalidArgTypeError, isLoopbackAddress } from '@loopfast/core';
import { normalizeConnectArgs, validatePort } from './args.js';
import {
  type FastPathPlan,
  type FastPathSettings,
  planForAddress,
  prepareFastPathSocket,
  statusWithoutAddress,
} from './decision.js';
import { emptyClientHandle, openClientHandle, type TcpHandle, tcpWrap } from './handoff.js';
import { platformMechanism } from './mechanism.js';
import { checkConstructionOptions, guardSocketMethods } from './option-guard.js';
import { type LoopfastDefaults, type LoopfastOptions, readLoopfastOptions } from './options.js';
import { recordStatus, recordStatusLater, status } from './status.js';

/** `net.connect` options plus loopfast's. */
export type ConnectOptions = NetConnectOpts & LoopfastOptions;

/** The connect options as this module reads them; passed on to Node unchanged. */
type ConnectRecord = Record<string, unknown> & {
  host?: string;
  port?: unknown;
  path?: unknown;
  timeout?: number;
  lookup?: LookupFunction;
  noDelay?: unknown;
  keepAlive?: unknown;
};

type LookupFunction = (
  hostname: string,
  options: LookupOneOptions,
  callback: (error: NodeJS.ErrnoException | null, address: string, family: number) => void,
) => void;

/**
 * The normal path: Node's own `connect`. The status follows from the address (the host, or for a
 * name the address it resolved to), decided when someone asks.
 */
function connectPlain(
  settings: FastPathSettings,
  options: ConnectRecord,
  host: string,
  hostIsAddress: boolean,
  listener: (() => void) | undefined,
): Socket {
  const socket = netConnect(options as NetConnectOpts, listener);
  recordStatusLater(socket, () => {
    const address = hostIsAddress ? host : socket.remoteAddress;
    if (address === undefined) return status(true, 'pending', `waiting for ${host} to resolve`);
    const plan = planForAddress(settings, address, 'client');
    // The normal path is taken only where every plan refuses: no mechanism, or no handoff.
    return (plan as Extract<FastPathPlan, { apply: false }>).info;
  });
  return socket;
}

/**
 * Puts a fast-path socket into `handle` if `address` qualifies; otherwise records why not and
 * leaves the handle empty, so libuv makes an ordinary socket at `connect`.
 */
function prepareHandle(
  socket: Socket,
  handle: TcpHandle,
  settings: FastPathSettings,
  address: string,
): void {
  const plan = planForAddress(settings, address, 'client');
  if (!plan.apply) {
    recordStatus(socket, plan.info);
    return;
  }
  const prepared = prepareFastPathSocket(plan.backend, isIP(address) === 6 ? 6 : 4);
  if (prepared.socket !== null) {
    try {
      openClientHandle(handle, prepared.socket);
    } catch (error) {
      plan.backend.closeSocket(prepared.socket);
      recordStatus(
        socket,
        status(true, 'failed', (error as Error).message, {
          error: error as Error,
          backend: plan.backend.name,
        }),
      );
      return;
    }
  }
  recordStatus(socket, prepared.info);
}

/**
 * The native route: a socket built on a `tcp_wrap` handle that loopfast owns, so the fast-path
 * socket can be opened into it before Node connects. Host names are resolved first (through the
 * `lookup` option, one address) so Node never swaps the handle for a fresh one.
 */
function connectNative(
  settings: FastPathSettings,
  options: ConnectRecord,
  host: string,
  hostIsAddress: boolean,
  listener: (() => void) | undefined,
): Socket {
  const handle = emptyClientHandle();
  // manualStart: a read on the unconnected handle would fail with ENOTCONN and destroy the socket.
  const socket = new Socket({
    ...options,
    handle,
    manualStart: true,
  } as unknown as SocketConstructorOpts);
  if (options.timeout) socket.setTimeout(options.timeout);
  let connectOptions = options;
  if (hostIsAddress) {
    prepareHandle(socket, handle, settings, host);
  } else {
    recordStatus(socket, status(true, 'pending', `waiting for ${host} to resolve`));
    const resolve: LookupFunction = options.lookup ?? (dnsLookup as unknown as LookupFunction);
    const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
      resolve(hostname, { ...lookupOptions, all: false }, (error, address, family) => {
        if (!error) prepareHandle(socket, handle, settings, address);
        callback(error, address, family);
      });
    };
    connectOptions = { ...options, lookup, autoSelectFamily: false };
  }
  try {
    return socket.connect(connectOptions as NetConnectOpts, listener);
  } catch (error) {
    // net validates some options (localAddress, lookup) only here; the handle may already own a socket.
    socket.destroy();
    throw error;
  }
}

/** Validates the destination before anything native is made, with `net`'s codes. */
function validateDestination(options: { port?: unknown; host?: unknown }): void {
  if (options.port !== undefined) validatePort(options.port, 'options.port');
  if (options.host !== undefined && typeof options.host !== 'string') {
    throw invalidArgTypeError('options.host', 'of type string', options.host);
  }
}

/** `connect` with a factory's defaults. */
export function connectWith(defaults: LoopfastDefaults, args: readonly unknown[]): Socket {
  const [rawOptions, listener] = normalizeConnectArgs(args);
  const { settings, policy, netOptions } = readLoopfastOptions(
    rawOptions as ConnectRecord & LoopfastOptions,
    defaults,
  );
  const options: ConnectRecord = netOptions;
  const early = statusWithoutAddress(settings);
  if (early) {
    const socket = netConnect(options as NetConnectOpts, listener as () => void);
    recordStatus(socket, early);
    return socket;
  }
  // Truthiness, as net itself decides: http.Agent passes `path: null` for TCP.
  if (options.path) {
    const socket = netConnect(options as NetConnectOpts, listener as () => void);
    recordStatus(
      socket,
      status(true, 'not-loopback', `${String(options.path)} is a pipe path, not a TCP destination`),
    );
    return socket;
  }
  validateDestination(options);
  const host = options.host ?? 'localhost';
  const hostIsAddress = isIP(host) !== 0;
  if (!hostIsAddress || isLoopbackAddress(host)) checkConstructionOptions(policy, options);
  const native =
    platformMechanism(settings.platform).mechanism !== null && !(tcpWrap() instanceof Error);
  const socket = native
    ? connectNative(settings, options, host, hostIsAddress, listener as () => void)
    : connectPlain(settings, options, host, hostIsAddress, listener as () => void);
  guardSocketMethods(socket, policy);
  return socket;
}
