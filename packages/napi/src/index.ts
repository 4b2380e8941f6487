/**
 * `@loopfast/napi`: the loopfast {@link Backend} implemented as a Node-API addon, shipped with
 * prebuilt binaries (`prebuilds/<platform>-<arch>/`) and built from source where none matches.
 *
 * The addon loads on the first method call, so importing this module never throws. Every method
 * validates its arguments with `@loopfast/core`'s validators before any native call.
 *
 * @packageDocumentation
 */
import { createRequire } from 'node:module';
import { constants as osConstants } from 'node:os';
import {
  type Backend,
  type ConnectedUnixSocket,
  type IpFamily,
  LoopfastError,
  LoopfastErrorCode,
  type NativeSocket,
  type PeerCredentials,
  socketConstants,
  type TcpListenerEntry,
} from '@loopfast/core';
import {
  MAX_OPTION_BUFFER,
  notUnixSocketError,
  systemErrorFromErrno,
  tcpListenerRequest,
  tcpListenersFromAnswer,
  unixAddressFromSunPath,
  validateBoolean,
  validateBytes,
  validateFamily,
  validateInt32,
  validateInteger,
  validateIoctlBuffers,
  validateSocketDescriptor,
  validateTcpListenerQuery,
  validateUint32,
  validateUnixSocketPath,
} from '@loopfast/core/internal';
import { BACKEND_NAME, loadAddon, translateNativeError } from './addon.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const FAST_PATH_POSIX_HINT =
  'SIO_LOOPBACK_FAST_PATH is a Windows control code; the connection can use the normal loopback path.';

const isWindows = process.platform === 'win32';

/**
 * The refusal of a socket that is not `AF_UNIX`, for a call that only means something on one:
 * `feature` says what exists only on Unix domain sockets, `lack` what this socket's peer has not.
 * (The kernel would answer `SO_PEERCRED` for a TCP socket too, with placeholders, pid 0, uid and
 * gid 4294967295 on Linux, that must never pass for a peer's identity.)
 */
function notUnixSocket(
  socket: NativeSocket,
  family: number,
  feature: string,
  lack: string,
): LoopfastError {
  return notUnixSocketError(socket, family, feature, lack, BACKEND_NAME);
}

/** Loads the addon (on first use), calls it, and turns a native failure into core's error. */
function callAddon<T>(call: (addon: ReturnType<typeof loadAddon>) => T): T {
  const addon = loadAddon();
  try {
    return call(addon);
  } catch (error) {
    throw translateNativeError(error);
  }
}

/** `connectUnixSocket`, the peer's credentials written to `credentials` when given. */
function connectUnix(
  path: string,
  localAddress: string | undefined,
  credentials: Float64Array | undefined,
): NativeSocket {
  const pathBytes = validateUnixSocketPath(path, process.platform);
  const localBytes =
    localAddress === undefined
      ? undefined
      : validateUnixSocketPath(localAddress, process.platform, 'localAddress');
  if (isWindows) {
    throw new LoopfastError(
      LoopfastErrorCode.UNSUPPORTED_PLATFORM,
      `Unix domain socket connections are a POSIX route of loopfast; on Windows the fast path is SIO_LOOPBACK_FAST_PATH [${BACKEND_NAME} backend]`,
    );
  }
  return callAddon((addon) => addon.connectUnixSocket(pathBytes, localBytes, credentials));
}

/**
 * The Node-API backend. Pass it to `@loopfast/net`, or call it directly for native sockets,
 * the fast-path ioctl and socket options. Failed calls throw core's `LoopfastSystemError` with
 * `backend` set to `'napi'`.
 */
export const backend: Backend = Object.freeze({
  name: BACKEND_NAME,
  version,

  createTcpSocket(family: IpFamily): NativeSocket {
    const checkedFamily = validateFamily(family);
    return callAddon((addon) => addon.createTcpSocket(checkedFamily));
  },

  applyLoopbackFastPath(socket: NativeSocket, enabled = true): void {
    const fd = validateSocketDescriptor(socket);
    const on = validateBoolean(enabled, 'enabled');
    if (isWindows) {
      callAddon((addon) => addon.applyLoopbackFastPath(fd, on));
      return;
    }
    callAddon((addon) => addon.checkSocket(fd));
    throw systemErrorFromErrno(
      process.platform,
      osConstants.errno.EOPNOTSUPP,
      'ioctl',
      BACKEND_NAME,
      FAST_PATH_POSIX_HINT,
    );
  },

  ioctl(socket: NativeSocket, code: number, input?: Uint8Array | null, outputLength = 0): Buffer {
    const fd = validateSocketDescriptor(socket);
    const checkedCode = validateUint32(code, 'code');
    const buffers = validateIoctlBuffers(process.platform, input, outputLength);
    return callAddon((addon) => addon.ioctl(fd, checkedCode, buffers.input, buffers.outputLength));
  },

  getSocketOption(socket: NativeSocket, level: number, name: number): number {
    const fd = validateSocketDescriptor(socket);
    const checkedLevel = validateInt32(level, 'level');
    const checkedName = validateInt32(name, 'name');
    return callAddon((addon) => addon.getSocketOption(fd, checkedLevel, checkedName));
  },

  setSocketOption(socket: NativeSocket, level: number, name: number, value: number): void {
    const fd = validateSocketDescriptor(socket);
    const checkedLevel = validateInt32(level, 'level');
    const checkedName = validateInt32(name, 'name');
    const checkedValue = validateInt32(value, 'value');
    callAddon((addon) => addon.setSocketOption(fd, checkedLevel, checkedName, checkedValue));
  },

  getSocketOptionBuffer(socket: NativeSocket, level: number, name: number, length: number): Buffer {
    const fd = validateSocketDescriptor(socket);
    const checkedLevel = validateInt32(level, 'level');
    const checkedName = validateInt32(name, 'name');
    const checkedLength = validateInteger(length, 'length', 1, MAX_OPTION_BUFFER);
    return callAddon((addon) =>
      addon.getSocketOptionBuffer(fd, checkedLevel, checkedName, checkedLength),
    );
  },

  setSocketOptionBuffer(
    socket: NativeSocket,
    level: number,
    name: number,
    value: Uint8Array,
  ): void {
    const fd = validateSocketDescriptor(socket);
    const checkedLevel = validateInt32(level, 'level');
    const checkedName = validateInt32(name, 'name');
    const bytes = validateBytes(value, 'value', 1, MAX_OPTION_BUFFER);
    callAddon((addon) => addon.setSocketOptionBuffer(fd, checkedLevel, checkedName, bytes));
  },

  getPeerCredentials(socket: NativeSocket): PeerCredentials {
    const fd = validateSocketDescriptor(socket);
    if (isWindows) {
      throw new LoopfastError(
        LoopfastErrorCode.UNSUPPORTED_PLATFORM,
        'peer credentials are a POSIX feature (SO_PEERCRED on Linux, getpeereid on macOS); Windows has none [napi backend]',
      );
    }
    const found = callAddon((addon) => addon.getPeerCredentials(fd));
    if (found.pid === undefined || found.family !== socketConstants().AF_UNIX) {
      throw notUnixSocket(fd, found.family, 'peer credentials', 'no credentials to report');
    }
    return { pid: found.pid, uid: found.uid, gid: found.gid };
  },

  connectUnixSocket(path: string, localAddress?: string): NativeSocket {
    return connectUnix(path, localAddress, undefined);
  },

  connectUnixSocketWithPeer(path: string, localAddress?: string): ConnectedUnixSocket {
    const credentials = new Float64Array(3);
    const socket = connectUnix(path, localAddress, credentials);
    const [pid = -1, uid = 0, gid = 0] = credentials;
    return { socket, peer: { pid, uid, gid } };
  },

  getUnixPeerAddress(socket: NativeSocket): string {
    const fd = validateSocketDescriptor(socket);
    if (isWindows) {
      throw new LoopfastError(
        LoopfastErrorCode.UNSUPPORTED_PLATFORM,
        `Unix peer addresses are a POSIX feature; Windows has no Unix domain route in loopfast [${BACKEND_NAME} backend]`,
      );
    }
    const found = callAddon((addon) => addon.getUnixPeerAddress(fd));
    if (found.sunPath === undefined || found.family !== socketConstants().AF_UNIX) {
      throw notUnixSocket(fd, found.family, 'Unix peer addresses', 'no Unix address');
    }
    // Read as UTF-8, the encoding validateUnixSocketPath writes addresses in.
    return unixAddressFromSunPath(found.sunPath, process.platform);
  },

  listTcpListeners(family: IpFamily, port: number): TcpListenerEntry[] {
    const query = validateTcpListenerQuery(family, port, process.platform, BACKEND_NAME);
    const request = tcpListenerRequest(query.family, query.port);
    return tcpListenersFromAnswer(
      callAddon((addon) => addon.exchangeSockDiag(request)),
      BACKEND_NAME,
    );
  },

  closeSocket(socket: NativeSocket): void {
    const fd = validateSocketDescriptor(socket);
    callAddon((addon) => addon.closeSocket(fd));
  },
});
