// createTcpSocket: a TCP stream socket made the way Node's event loop adopts one; on POSIX also
// the shared maker of such stream sockets (socket_create.h).
#include "socket_create.h"

#include <cstdint>

#include "args.h"
#include "errors.h"
#include "exports.h"
#include "platform.h"

namespace loopfast {

#ifndef _WIN32

int OpenAdoptableStreamSocket(Napi::Env env, int family, int protocol) {
#if defined(__linux__)
  const int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd == -1) {
    int error = errno;
    ThrowSystemError(env, error, "socket");
  }
  return fd;
#else
  // macOS (and other BSD-style systems): no SOCK_NONBLOCK / SOCK_CLOEXEC flags on socket().
  const int fd = socket(family, SOCK_STREAM, protocol);
  if (fd == -1) {
    int error = errno;
    ThrowSystemError(env, error, "socket");
    return -1;
  }
  int flags = 0;
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1 || (flags = fcntl(fd, F_GETFL)) == -1 ||
      fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) {
    int error = errno;
    close(fd);
    ThrowSystemError(env, error, "fcntl");
    return -1;
  }
  return fd;
#endif
}

#endif  // !_WIN32

Napi::Value CreateTcpSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int ip_version = 0;
  if (!ReadFamily(info, 0, &ip_version)) return env.Undefined();
  const int family = ip_version == 4 ? AF_INET : AF_INET6;

#ifdef _WIN32
  // Winsock was started when the addon was loaded (winsock.cc).
  SOCKET s = WSASocketW(family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0,
                        WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) {
    int error = WSAGetLastError();
    ThrowSystemError(env, error, "WSASocketW");
    return env.Undefined();
  }
  if (s > static_cast<SOCKET>(INT32_MAX)) {
    // Never seen in practice (SOCKETs are small handle values), but a SOCKET the rest of the
    // API would refuse must not leak.
    closesocket(s);
    ThrowOutOfRange(env, "socket", "<= 2147483647 (a SOCKET libuv can adopt)");
    return env.Undefined();
  }
  return Napi::Number::New(env, static_cast<double>(s));
#else
  const int fd = OpenAdoptableStreamSocket(env, family, IPPROTO_TCP);
  if (fd == -1) return env.Undefined();
  return Napi::Number::New(env, fd);
#endif
}

}  // namespace loopfast
