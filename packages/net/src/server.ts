/**
 * `createServer` and `attachFastPath`: a real `net.Server` whose `listen` follows its route
 * (`route.ts`): Node's own `listen` with the status that says why, or the platform's mechanism.
 * A server that does not ask for the fast path is Node's, untouched. The statuses of servers and
 * of the sockets they accept are recorded here, as the route or the mechanism decides them.
 *
 * @module
 */
import {
  Server as NetServer,
  createServer as netCreateServer,
  type Server,
  type ServerOpts,
  type Socket,
} from 'node:net';
import { LoopfastError } from '@loopfast/core';
import { invalidArgTypeError } from '@loopfast/core/internal';
import { SERVER_LISTENING } from './codes.js';
import type { ServerRequest } from './mechanisms/mechanism.js';
import {
  type FastPathSettings,
  type LoopfastDefaults,
  type LoopfastOptions,
  leavesItToNode,
  type OptionPolicy,
  readLoopfastOptions,
} from './options.js';
import { platformMechanism, routeListen, statusWithoutAddress } from './route.js';
import { statuses } from './status-catalog.js';
import { recordAcceptedStatus, recordStatus } from './status-record.js';

/** `net.createServer` options plus loopfast's. */
export type ServerOptions = ServerOpts & LoopfastOptions;

type Listen = Server['listen'];

/** Replaces `server.listen` with one that plans first; see {@link attachFastPath}. */
function attachWithSettings(
  server: Server,
  settings: FastPathSettings,
  policy: OptionPolicy,
): Server {
  const turnedOff = statusWithoutAddress(settings);
  recordStatus(server, turnedOff ?? statuses.notListening);
  if (!settings.requested) return server;
  const request: ServerRequest = {
    settings,
    policy,
    listen: server.listen,
    decided: (info) => recordStatus(server, info),
    decidedForAccepted: (info) => recordAcceptedStatus(server, info),
    decidedForSocket: recordStatus,
  };
  platformMechanism(settings.platform)?.attach(server, request);

  server.listen = function listenWithFastPath(this: Server, ...args: unknown[]) {
    const route = routeListen(settings);
    if (route.to !== 'mechanism') {
      if (route.info) recordStatus(server, route.info);
      return request.listen.apply(server, args as Parameters<Listen>);
    }
    return route.mechanism.listen(server, request, route.backend, args);
  } as Listen;
  return server;
}

/**
 * Gives an existing `net.Server` (an `http.Server` too) loopfast's `listen`: with
 * `loopbackFastPath`, every TCP form of `listen` gets the platform's fast path. Pipe paths,
 * handles and descriptors pass through untouched. Returns the server.
 */
export function attachFastPath(server: Server, options: LoopfastDefaults = {}): Server {
  if (!(server instanceof NetServer)) {
    throw invalidArgTypeError('server', 'an instance of net.Server (or http.Server)', server);
  }
  if (server.listening) {
    throw new LoopfastError(
      SERVER_LISTENING,
      'attachFastPath() must be called before listen(): the fast path is set up as the server starts listening. Close the server, attach, then listen again.',
    );
  }
  const { settings, policy } = readLoopfastOptions({}, options);
  return attachWithSettings(server, settings, policy);
}

/** `createServer` with a factory's defaults. */
export function createServerWith(defaults: LoopfastDefaults, args: readonly unknown[]): Server {
  const [first, second] = args;
  if (leavesItToNode(defaults, first)) {
    return (netCreateServer as (...a: unknown[]) => Server)(...args);
  }
  const listener = (typeof first === 'function' ? first : second) as
    | ((socket: Socket) => void)
    | undefined;
  const options = (typeof first === 'object' && first !== null ? first : {}) as ServerOptions;
  const { settings, policy, netOptions } = readLoopfastOptions(options, defaults);
  // Anything but options or a listener first is Node's to refuse, with Node's error.
  const server =
    typeof first === 'object' && first !== null
      ? netCreateServer(netOptions, listener)
      : (netCreateServer as (...a: unknown[]) => Server)(...args);
  return attachWithSettings(server, settings, policy);
}
