/**
 * The client side of the rendezvous: toward a loopback destination, the place's rendezvous of the
 * listener TCP would reach, when it passes every check; otherwise Node's TCP within the same
 * `connect` call, with the reason. The descriptor the place connects is this module's until
 * Node's socket holds it.
 *
 * @module
 */
import { lookup as dnsLookup } from 'node:dns';
import { isIP, type NetConnectOpts, Socket, type SocketConstructorOpts } from 'node:net';
import { type Backend, isLoopbackAddress, type NativeSocket } from '@loopfast/core';
import { nodeSocketConnect } from '../../node-originals.js';
import { connectedPipeHandle, replaceHandle } from '../../pipe-handle.js';
import { socketOptionsFrom } from '../../socket-options.js';
import { type FastPathInfo, recordStatus } from '../../status.js';
import { statuses } from '../../statuses.js';
import { connectOverTcp } from '../../tcp-connect.js';
import { finishConnect } from '../../tcp-connect-events.js';
import type { ClientRequest } from '../mechanism.js';
import { blocks, honouredBlockList } from './listener.js';
import { canonicalAddress } from './names.js';
import { type ClientAttempt, placeFor } from './places.js';

/** Makes the user's socket from a connected descriptor: `'connect'` and `'ready'` come next poll. */
function adoptDescriptor(
  request: ClientRequest,
  fd: NativeSocket,
  address: string,
  port: number,
  localPort: number | undefined,
  info: FastPathInfo,
): Socket {
  const { options, host, listener, backend } = request;
  let handle: ReturnType<typeof connectedPipeHandle>;
  try {
    handle = connectedPipeHandle(fd);
  } catch (error) {
    // Node could not take the descriptor (EMFILE, ...): closed, and the connection goes over TCP.
    backend.closeSocket(fd);
    return connectOverTcp(
      options,
      listener,
      host,
      statuses.handoffFailed(error as Error, backend.name),
    );
  }
  // Not reading until `'connect'`, as TCP: a protocol that takes the handle over on
  // `'connect'` (HTTP/2 on Node 22 and later) would lose what the server sent first.
  const adoption = { readable: true, writable: true, manualStart: true };
  let socket: Socket;
  try {
    socket = new Socket(
      socketOptionsFrom(
        options,
        handle ? { handle, ...adoption } : { fd, ...adoption },
      ) as SocketConstructorOpts,
    );
  } catch (error) {
    if (handle) handle.close();
    else backend.closeSocket(fd);
    throw error;
  }
  // Node's socket is open at once; it connects "asynchronously" for the user, as TCP would:
  // writes and `end()` queue until `'connect'`, which Node's stream code waits for.
  (socket as { connecting: boolean }).connecting = true;
  recordStatus(socket, info);
  if (options.timeout) socket.setTimeout(options.timeout);
  if (listener) socket.once('connect', listener);
  finishConnect(socket, { host, address, port, localPort });
  return socket;
}

/** A lookup's answer, as `dns.lookup` gives it with and without `all`. */
type LookupAnswer = string | readonly { readonly address: string; readonly family: number }[];
type LookupCallback = (error: Error | null, address?: LookupAnswer, family?: number) => void;
type Lookup = (hostname: string, options: object, callback: LookupCallback) => void;

/**
 * The address Node would connect to first, from what a lookup answered: the answer itself, or the
 * first of the list that is an IP address of family 4 or 6. `undefined` for anything else (Node
 * then reports its own error).
 */
function firstAddress(answer: LookupAnswer | undefined, family: number | undefined) {
  if (typeof answer === 'string') {
    return isIP(answer) && (family === 4 || family === 6) ? { address: answer, family } : undefined;
  }
  if (!Array.isArray(answer)) return undefined;
  return answer.find(
    (found) =>
      typeof found?.address === 'string' &&
      isIP(found.address) !== 0 &&
      (found.family === 4 || found.family === 6),
  );
}

/**
 * Whether Node, given `answer`, would try its addresses in turn: a list (Node asks for all of
 * them only with `autoSelectFamily`) with valid addresses of both families.
 */
function triesSeveral(answer: LookupAnswer | undefined): boolean {
  if (!Array.isArray(answer)) return false;
  const families = new Set(
    answer
      .filter((found) => typeof found?.address === 'string' && isIP(found.address) !== 0)
      .map((found) => found.family),
  );
  return families.has(4) && families.has(6);
}

/**
 * Connects to a host name as Node does (the caller's `lookup` or `dns.lookup`, with Node's
 * options), and over the rendezvous when the address Node would connect to first has one that
 * passes every check: the descriptor then takes the place of the TCP handle Node made, and Node's
 * connect stops after the lookup, as it does for a socket destroyed meanwhile.
 */
function connectByName(request: ClientRequest, port: number): Socket {
  const { settings, backend, options, host, listener } = request;
  const lookup = (options.lookup ?? dnsLookup) as Lookup;
  let socket: Socket | undefined;
  /** The status decided before the socket was known (a lookup that answered at once). */
  let early: FastPathInfo | undefined;
  const decide = (info: FastPathInfo) => {
    if (socket) recordStatus(socket, info);
    else early = info;
  };
  const routed: Lookup = (hostname, dnsOptions, callback) =>
    lookup(hostname, dnsOptions, (error, answer, answerFamily) => {
      const first = error ? undefined : firstAddress(answer, answerFamily);
      if (first === undefined || socket === undefined || !socket.connecting) {
        callback(error, answer, answerFamily);
        return;
      }
      const { address } = first;
      if (!isLoopbackAddress(address) || blocks(honouredBlockList(options), address)) {
        decide(
          isLoopbackAddress(address)
            ? statuses.blockedAddress(address, backend.name)
            : statuses.notLoopback(address),
        );
        callback(error, answer, answerFamily);
        return;
      }
      const place = placeFor(settings);
      const outcome = attemptAt(request, address, port);
      const handle = outcome?.fd === undefined ? null : descriptorHandle(backend, outcome.fd);
      if (outcome?.fd === undefined || handle === null || !replaceHandle(socket, handle)) {
        handle?.close();
        decide(
          outcome?.info && outcome.fd === undefined
            ? outcome.info
            : place.absent(backend, settings, canonicalAddress(address), port),
        );
        callback(error, answer, answerFamily);
        return;
      }
      // Node emits the lookup of one address, then stops at `connecting`; of several, stops first.
      const connecting = socket as { connecting: boolean };
      connecting.connecting = false;
      callback(error, answer, answerFamily);
      connecting.connecting = true;
      recordStatus(socket, outcome.info);
      if (triesSeveral(answer)) {
        // Node lists the addresses it attempts once it would try several: this one is the first.
        (
          socket as { autoSelectFamilyAttemptedAddresses?: string[] }
        ).autoSelectFamilyAttemptedAddresses = [`${address}:${port}`];
      }
      finishConnect(socket, {
        host,
        address,
        port,
        localPort: outcome.localPort,
        lookups: typeof answer === 'string' ? [] : (answer ?? []),
      });
    });
  const connectOptions = { ...options, lookup: routed };
  if (request.connectNamed) {
    // TLS makes its socket inside the call: a lookup that answers at once is not routed.
    socket = request.connectNamed(connectOptions, listener);
  } else {
    // As net.connect does, with the socket known first: a custom lookup may answer at once.
    socket = new Socket(socketOptionsFrom(options, {}) as SocketConstructorOpts);
    if (options.timeout) socket.setTimeout(options.timeout);
    recordStatus(socket, statuses.resolving(host));
    nodeSocketConnect.call(socket, connectOptions as NetConnectOpts, listener);
  }
  if (early !== undefined || request.connectNamed) {
    recordStatus(socket, early ?? statuses.resolving(host));
  }
  return socket;
}

/**
 * A handle for a connected descriptor the place made, or `null` (the descriptor closed) where
 * Node's binding is out of reach.
 */
function descriptorHandle(backend: Backend, fd: NativeSocket) {
  try {
    const handle = connectedPipeHandle(fd);
    if (handle === null) backend.closeSocket(fd);
    return handle;
  } catch {
    return null;
  }
}

/** The place's attempt, or, should anything in it throw, the status that sends the client to TCP. */
function attemptAt(request: ClientRequest, address: string, port: number): ClientAttempt {
  const { backend, settings } = request;
  try {
    return placeFor(settings).connect(backend, settings, canonicalAddress(address), port);
  } catch (error) {
    return {
      info: statuses.checkFailed('connecting to the rendezvous', error as Error, backend.name),
    };
  }
}

/** Connects over the rendezvous where it passes every check, else over Node's TCP. */
export function connectClient(request: ClientRequest): Socket {
  const { settings, backend, options, host, listener } = request;
  const tcp = (info: FastPathInfo) => connectOverTcp(options, listener, host, info);
  if (options.fd !== undefined) return tcp(statuses.callerDescriptor(backend.name));
  if (options.localAddress != null || options.localPort != null) {
    return tcp(statuses.tcpClientAddress(backend.name));
  }
  // Node raises its own error for a missing port.
  if (options.port === undefined) return tcp(statuses.notRequested);
  const port = Number(options.port);
  if (!isIP(host)) return connectByName(request, port);
  if (!isLoopbackAddress(host)) return tcp(statuses.notLoopback(host));
  // A blocked address is Node's to refuse, with its own events.
  if (blocks(honouredBlockList(options), host)) {
    return tcp(statuses.blockedAddress(host, backend.name));
  }
  const outcome = attemptAt(request, host, port);
  if (outcome === null) {
    return tcp(placeFor(settings).absent(backend, settings, canonicalAddress(host), port));
  }
  if (outcome.fd === undefined) return tcp(outcome.info);
  return adoptDescriptor(request, outcome.fd, host, port, outcome.localPort, outcome.info);
}
