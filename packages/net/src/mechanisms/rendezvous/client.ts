/**
 * The client side of the rendezvous: toward a loopback destination, the place's rendezvous of the
 * listener TCP would reach, when it passes every check; otherwise Node's TCP within the same
 * `connect` call, with the reason. The descriptor the place connects is this module's until
 * Node's socket holds it.
 *
 * @module
 */
import { lookup as dnsLookup } from 'node:dns';
import { isIP, type Socket } from 'node:net';
import { type Backend, isLoopbackAddress, type NativeSocket } from '@loopfast/core';
import {
  adoptablePipeHandle,
  type PipeHandle,
  replaceHandle,
} from '../../node-internals/pipe-handle.js';
import { awaitPeer } from '../../node-internals/resets.js';
import { answerConnect } from '../../node-internals/tcp-connect-events.js';
import {
  actAsTcp,
  clientEnds,
  keepReplacedTcpOptions,
} from '../../node-internals/tcp-emulation.js';
import { statuses } from '../../status-catalog.js';
import type { FastPathInfo } from '../../status-record.js';
import { clientSocket, connectOverTcp, startConnect } from '../../tcp-connect.js';
import type { ClientRequest } from '../mechanism.js';
import { blockedByList } from './block-list.js';
import { canonicalAddress } from './names.js';
import { type ClientAttempt, placeFor } from './places.js';

/** A descriptor the place connected, with what its attempt found. */
type Connected = Exclude<ClientAttempt, null | { readonly fd?: undefined }>;

/**
 * Puts the descriptor the place connected into `socket`, in place of the handle it has (none yet,
 * or the TCP handle Node made while the host name resolved), made to answer the TCP connect Node
 * makes on it next. Returns the socket's status: the attempt's, or why Node could not take the
 * descriptor (closed then; the connection goes over Node's TCP).
 */
function handOver(
  backend: Backend,
  socket: Socket,
  { fd, localPort, pairingName, info }: Connected,
  address: string,
  port: number,
): FastPathInfo {
  const handle = descriptorHandle(backend, fd);
  if (handle instanceof Error) return statuses.handoffFailed(handle, backend.name);
  actAsTcp(handle, backend, clientEnds(address, port, localPort));
  keepReplacedTcpOptions(handle, socket);
  if (!replaceHandle(socket, handle)) {
    handle.close();
    return statuses.handoffFailed(new Error('Node has no way to swap handles'), backend.name);
  }
  if (pairingName !== undefined) awaitPeer(pairingName, handle);
  answerConnect(socket, handle);
  return info;
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
 * Connects to a host name as Node does (the caller's `lookup` or `dns.lookup`, with Node's
 * options), and over the rendezvous when the address Node would connect to first has one that
 * passes every check: the descriptor's handle then takes the place of the TCP handle Node made,
 * and answers the connect Node makes on it once it has emitted the lookup's events.
 */
function connectByName(request: ClientRequest, port: number): Socket {
  const { settings, backend, options, host, listener, socket: given, decided } = request;
  const lookup = (options.lookup ?? dnsLookup) as Lookup;
  let socket: Socket | undefined;
  /** The status decided before the socket was known (a lookup that answered at once). */
  let early: FastPathInfo | undefined;
  const decide = (info: FastPathInfo) => {
    if (socket) decided(socket, info);
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
      if (!isLoopbackAddress(address) || blockedByList(options, address)) {
        decide(
          isLoopbackAddress(address)
            ? statuses.blockedAddress(address, backend.name)
            : statuses.notLoopback(address),
        );
        callback(error, answer, answerFamily);
        return;
      }
      const outcome = attemptAt(request, address, port);
      decide(
        outcome?.fd === undefined
          ? (outcome?.info ??
              placeFor(settings).absent(backend, settings, canonicalAddress(address), port))
          : handOver(backend, socket, outcome, address, port),
      );
      callback(error, answer, answerFamily);
    });
  const connectOptions = { ...options, lookup: routed };
  if (request.connectNamed) {
    // TLS makes its socket inside the call: a lookup that answers at once is not routed.
    socket = request.connectNamed(connectOptions, listener);
  } else {
    // As net.connect does, with the socket known first: a custom lookup may answer at once.
    socket = clientSocket(options, given);
    decided(socket, statuses.resolving(host));
    startConnect(socket, given, connectOptions, listener);
  }
  if (early !== undefined || request.connectNamed) {
    decided(socket, early ?? statuses.resolving(host));
  }
  return socket;
}

/**
 * A handle for a connected descriptor the place made, or the error that kept Node from taking
 * it (the descriptor closed).
 */
function descriptorHandle(backend: Backend, fd: NativeSocket): PipeHandle | Error {
  try {
    return adoptablePipeHandle(fd);
  } catch (error) {
    backend.closeSocket(fd);
    return error as Error;
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
  const { settings, backend, options, host, listener, socket: given, decided } = request;
  const tcp = (info: FastPathInfo) => connectOverTcp(request, info);
  if (options.fd !== undefined) return tcp(statuses.callerDescriptor(backend.name));
  if (options.localAddress != null || options.localPort != null) {
    return tcp(statuses.tcpClientAddress(backend.name));
  }
  const port = Number(options.port);
  if (!isIP(host)) return connectByName(request, port);
  // A blocked address is Node's to refuse, with its own events.
  if (blockedByList(options, host)) {
    return tcp(statuses.blockedAddress(host, backend.name));
  }
  const outcome = attemptAt(request, host, port);
  if (outcome === null) {
    return tcp(placeFor(settings).absent(backend, settings, canonicalAddress(host), port));
  }
  if (outcome.fd === undefined) return tcp(outcome.info);
  const socket = clientSocket(options, given);
  decided(socket, handOver(backend, socket, outcome, host, port));
  return startConnect(socket, given, options, listener);
}
