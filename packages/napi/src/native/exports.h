// The functions the addon exports to JS, one per backend operation; addon.cc registers them.
// Argument order and meaning match @loopfast/core's Backend interface. All are synchronous.
#ifndef LOOPFAST_NAPI_EXPORTS_H_
#define LOOPFAST_NAPI_EXPORTS_H_

#include <napi.h>

namespace loopfast {

// socket_create.cc: createTcpSocket(family: 4 | 6) -> number.
Napi::Value CreateTcpSocket(const Napi::CallbackInfo& info);

// socket_close.cc: closeSocket(socket) -> undefined.
Napi::Value CloseSocket(const Napi::CallbackInfo& info);

#ifndef _WIN32
// socket_check.cc (POSIX only): checkSocket(socket) -> undefined; throws unless it is a socket.
Napi::Value CheckSocket(const Napi::CallbackInfo& info);
#endif

#ifdef _WIN32
// winsock.cc (Windows only): startWinsock() -> undefined; WSAStartup(2.2), once per load.
Napi::Value StartWinsock(const Napi::CallbackInfo& info);

// ioctl.cc (Windows only): applyLoopbackFastPath(socket, enabled: boolean) -> undefined.
Napi::Value ApplyLoopbackFastPath(const Napi::CallbackInfo& info);
#endif

// ioctl.cc: ioctl(socket, code, input: Uint8Array | null, outputLength) -> Buffer.
Napi::Value Ioctl(const Napi::CallbackInfo& info);

// socket_options.cc: getSocketOption(socket, level, name) -> number.
Napi::Value GetSocketOption(const Napi::CallbackInfo& info);
// socket_options.cc: setSocketOption(socket, level, name, value) -> undefined.
Napi::Value SetSocketOption(const Napi::CallbackInfo& info);
// socket_options.cc: getSocketOptionBuffer(socket, level, name, length) -> Buffer.
Napi::Value GetSocketOptionBuffer(const Napi::CallbackInfo& info);
// socket_options.cc: setSocketOptionBuffer(socket, level, name, bytes) -> undefined.
Napi::Value SetSocketOptionBuffer(const Napi::CallbackInfo& info);

#ifndef _WIN32
// peer_credentials.cc (POSIX only): getPeerCredentials(socket) -> { family, pid, uid, gid }, or
// just { family } for a socket that is not AF_UNIX (the TypeScript layer refuses it then).
Napi::Value GetPeerCredentials(const Napi::CallbackInfo& info);

// unix_connect.cc (POSIX only): connectUnixSocket(path, localAddress?, credentials?) -> number, a
// connected, non-blocking, close-on-exec descriptor, bound first to localAddress when given; each
// address is its sun_path bytes (a path's UTF-8 bytes and their NUL, or an abstract name's
// bytes). A Float64Array of 3 as credentials receives the peer's pid, uid and gid. Nothing is
// left open on failure.
Napi::Value ConnectUnixSocket(const Napi::CallbackInfo& info);

// peer_address.cc (POSIX only): getUnixPeerAddress(socket) -> { family, sunPath }, the peer's
// sun_path bytes as getpeername returned them, or just { family } for a socket that is not
// AF_UNIX (the TypeScript layer refuses it then).
Napi::Value GetUnixPeerAddress(const Napi::CallbackInfo& info);
#endif

#if defined(__linux__)
// sock_diag.cc (Linux only): exchangeSockDiag(request: Uint8Array) -> Buffer, the kernel's whole
// answer to one NETLINK_SOCK_DIAG request, up to the message that ends it.
Napi::Value ExchangeSockDiag(const Napi::CallbackInfo& info);
#endif

}  // namespace loopfast

#endif  // LOOPFAST_NAPI_EXPORTS_H_
