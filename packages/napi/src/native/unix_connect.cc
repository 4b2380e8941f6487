// connectUnixSocket: connects a new Unix domain stream socket to a socket file without blocking,
// the client half of the POSIX shortcut. POSIX only; on Windows the TypeScript layer refuses the
// call before it reaches the addon.
#ifndef _WIN32

#include <cstddef>
#include <cstring>

#include "args.h"
#include "errors.h"
#include "exports.h"
#include "platform.h"
#include "socket_create.h"

namespace loopfast {

namespace {

// connect(), again if a signal interrupted it. Returns 0 once connected, else the errno of the
// failure, read right after the failing call. A non-blocking Unix-domain connect does not sleep,
// so an interruption is not expected; should one happen, the kernel may have finished the
// connection meanwhile, and the retry then reports EISCONN, which means connected.
int ConnectRetryingOnInterrupt(int fd, const sockaddr_un& address, socklen_t length) {
  bool interrupted = false;
  for (;;) {
    if (connect(fd, reinterpret_cast<const sockaddr*>(&address), length) == 0) return 0;
    const int error = errno;
    if (error == EINTR) {
      interrupted = true;
      continue;
    }
    if (interrupted && error == EISCONN) return 0;
    return error;
  }
}

}  // namespace

Napi::Value ConnectUnixSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  sockaddr_un address{};
  // The path arrives as its UTF-8 bytes with their terminating NUL, checked by the TypeScript
  // layer to fit sun_path; checked again here, so a direct call cannot overrun the structure or
  // connect somewhere a truncated or embedded-NUL path would point.
  ByteView path;
  if (!ReadBytes(info, 0, "path", sizeof(address.sun_path), false, &path)) {
    return env.Undefined();
  }
  const void* first_nul = path.length > 0 ? std::memchr(path.data, 0, path.length) : nullptr;
  if (path.length < 2 || first_nul != path.data + path.length - 1) {
    ThrowInvalidArgValue(env, "path", "must be a path's bytes followed by its only NUL byte");
    return env.Undefined();
  }
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data, path.length);
  const socklen_t length =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.length);
#if defined(__APPLE__)
  // The BSD socket address carries its own length.
  address.sun_len = static_cast<uint8_t>(length);
#endif

  const int fd = OpenAdoptableStreamSocket(env, AF_UNIX, 0);
  if (fd == -1) return env.Undefined();
  const int error = ConnectRetryingOnInterrupt(fd, address, length);
  if (error != 0) {
    // This function made the socket, so it is the one that closes it when the connection fails.
    close(fd);
    ThrowSystemError(env, error, "connect");
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

}  // namespace loopfast

#endif  // !_WIN32
