/**
 * The error codes a backend can report, with meanings in our own words.
 *
 * The ten codes the `SIO_LOOPBACK_FAST_PATH` page documents come first; each names the POSIX
 * errno a POSIX backend raises in the same situation. Other Winsock codes that socket creation,
 * options and `closesocket` can return follow, so no backend ever reports a bare number.
 *
 * @module
 */
import { constants } from 'node:os';
import { invalidArgTypeError } from './argument-errors.js';

/** One Winsock error code. */
export interface WinsockErrorInfo {
  /** The number `WSAGetLastError()` returns, such as 10045. */
  readonly errno: number;
  /** The symbolic name, such as `WSAEOPNOTSUPP`. */
  readonly name: string;
  /** What it means for a loopfast user, in plain words. */
  readonly meaning: string;
  /** The errno name a POSIX backend reports for the same situation, or `null` where none arises. */
  readonly posix: string | null;
  /** Whether the `SIO_LOOPBACK_FAST_PATH` page lists this code. */
  readonly documentedForFastPath: boolean;
}

function entry(
  errno: number,
  name: string,
  posix: string | null,
  documentedForFastPath: boolean,
  meaning: string,
): WinsockErrorInfo {
  return Object.freeze({ errno, name, meaning, posix, documentedForFastPath });
}

/** The ten codes the specification documents for `SIO_LOOPBACK_FAST_PATH`, in its order. */
export const FAST_PATH_ERRORS: readonly WinsockErrorInfo[] = Object.freeze([
  entry(
    997,
    'WSA_IO_PENDING',
    null,
    true,
    'an overlapped call was started and will complete later; loopfast only makes synchronous calls, so seeing it means a caller passed an OVERLAPPED structure',
  ),
  entry(
    995,
    'WSA_OPERATION_ABORTED',
    'ECANCELED',
    true,
    'an overlapped call was cancelled because the socket was closed or its thread exited',
  ),
  entry(
    10013,
    'WSAEACCES',
    'EACCES',
    true,
    'the process lacks the permission this operation needs on the socket',
  ),
  entry(
    10014,
    'WSAEFAULT',
    'EFAULT',
    true,
    'an input or output buffer pointer is outside the process address space (a bug in the caller, never expected from loopfast)',
  ),
  entry(
    10036,
    'WSAEINPROGRESS',
    'EINPROGRESS',
    true,
    'a blocking Winsock call is still running on this thread',
  ),
  entry(
    10004,
    'WSAEINTR',
    'EINTR',
    true,
    'a blocking call was interrupted before it finished; retrying is safe',
  ),
  entry(
    10022,
    'WSAEINVAL',
    'EINVAL',
    true,
    'the control code, an input value or the socket type is not acceptable for this call',
  ),
  entry(10050, 'WSAENETDOWN', 'ENETDOWN', true, 'the network subsystem has failed'),
  entry(
    10038,
    'WSAENOTSOCK',
    'ENOTSOCK',
    true,
    'the descriptor is not a socket (or was already closed)',
  ),
  entry(
    10045,
    'WSAEOPNOTSUPP',
    'EOPNOTSUPP',
    true,
    'this Windows version (7 / Server 2008 R2 or older) or its transport provider does not implement the control code; the connection can use the normal loopback path',
  ),
]);

/** Further Winsock codes that socket creation, options and `closesocket` can return. */
export const OTHER_WINSOCK_ERRORS: readonly WinsockErrorInfo[] = Object.freeze([
  entry(10009, 'WSAEBADF', 'EBADF', false, 'the descriptor is not valid'),
  entry(10024, 'WSAEMFILE', 'EMFILE', false, 'the process has no socket descriptors left'),
  entry(
    10035,
    'WSAEWOULDBLOCK',
    'EAGAIN',
    false,
    'the operation would block on a non-blocking socket',
  ),
  entry(10040, 'WSAEMSGSIZE', 'EMSGSIZE', false, 'the buffer is too small for the result'),
  entry(10041, 'WSAEPROTOTYPE', 'EPROTOTYPE', false, 'the protocol does not fit the socket type'),
  entry(
    10042,
    'WSAENOPROTOOPT',
    'ENOPROTOOPT',
    false,
    'the socket option or level is unknown, or not valid for this socket',
  ),
  entry(10043, 'WSAEPROTONOSUPPORT', 'EPROTONOSUPPORT', false, 'the protocol is not supported'),
  entry(
    10044,
    'WSAESOCKTNOSUPPORT',
    null,
    false,
    'the socket type is not supported in this address family',
  ),
  entry(
    10047,
    'WSAEAFNOSUPPORT',
    'EAFNOSUPPORT',
    false,
    'the address family is not supported (for example IPv6 is disabled)',
  ),
  entry(10048, 'WSAEADDRINUSE', 'EADDRINUSE', false, 'the address is already in use'),
  entry(10055, 'WSAENOBUFS', 'ENOBUFS', false, 'the system ran out of buffer space'),
  entry(10057, 'WSAENOTCONN', 'ENOTCONN', false, 'the socket is not connected'),
  entry(10093, 'WSANOTINITIALISED', null, false, 'WSAStartup has not been called in this process'),
]);

const BY_NUMBER = new Map<number, WinsockErrorInfo>();
const BY_NAME = new Map<string, WinsockErrorInfo>();
for (const info of [...FAST_PATH_ERRORS, ...OTHER_WINSOCK_ERRORS]) {
  BY_NUMBER.set(info.errno, info);
  BY_NAME.set(info.name, info);
}

/**
 * Finds a Winsock error by number (`10045`) or name (`'WSAEOPNOTSUPP'`).
 * @returns the entry, or `undefined` when the table does not hold it.
 */
export function lookupWinsockError(key: number | string): WinsockErrorInfo | undefined {
  if (typeof key === 'number') return BY_NUMBER.get(key);
  if (typeof key === 'string') return BY_NAME.get(key);
  throw invalidArgTypeError('key', 'of type number or string', key);
}

/** Meanings of the POSIX errno names backends raise, in the same plain words. */
const POSIX_MEANINGS: Readonly<Record<string, string>> = Object.freeze({
  EBADF: 'the descriptor is not open',
  ENOTSOCK: 'the descriptor is not a socket',
  EINVAL: 'an argument is not acceptable for this socket',
  ENOPROTOOPT: 'the socket option or level is unknown, or not valid for this socket',
  EOPNOTSUPP: 'this platform has no such operation',
  ENOTSUP: 'this platform has no such operation',
  EACCES: 'the process lacks the permission this operation needs',
  EFAULT: 'a buffer pointer is outside the process address space',
  EINTR: 'the call was interrupted by a signal; retrying is safe',
  ENOTTY: 'the descriptor does not accept this ioctl request',
  EAFNOSUPPORT: 'the address family is not supported (for example IPv6 is disabled)',
  EMFILE: 'the process has no descriptors left',
  ENFILE: 'the system has no descriptors left',
  ENOTCONN: 'the socket is not connected',
  ENOENT: 'no such file or directory',
  ECONNREFUSED: 'nothing listens there (for a Unix socket: a stale socket file)',
  EAGAIN: 'the operation would block (for a Unix socket connect: the backlog is full)',
  ENAMETOOLONG: 'the path is too long',
});

/**
 * Names that share a number with a more common one on some platforms (Linux: ENOTSUP and
 * EOPNOTSUPP are both 95); the reverse map prefers the other name.
 */
const ALIASES: ReadonlySet<string> = new Set(['ENOTSUP', 'EWOULDBLOCK', 'EDEADLOCK']);

/** The reverse of `os.constants.errno` for the running platform. */
const POSIX_NAME_BY_NUMBER = new Map<number, string>();
for (const [name, value] of Object.entries(constants.errno)) {
  const existing = POSIX_NAME_BY_NUMBER.get(value);
  if (existing === undefined || ALIASES.has(existing)) POSIX_NAME_BY_NUMBER.set(value, name);
}

/**
 * The errno name for a POSIX error number on the running platform (`95` on Linux gives
 * `'EOPNOTSUPP'`), or `'ERRNO_<n>'` for a number the platform does not name.
 */
export function posixErrorName(errno: number): string {
  return POSIX_NAME_BY_NUMBER.get(errno) ?? `ERRNO_${errno}`;
}

/** A plain-words meaning for a POSIX errno name, or a generic one. */
export function posixErrorMeaning(name: string): string {
  return POSIX_MEANINGS[name] ?? 'the system call failed';
}
