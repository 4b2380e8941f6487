// connectUnixSocket: connects a new Unix domain stream socket to a socket file or (Linux) an
// abstract name without blocking, bound first to a local address when one is given: the client
// half of the POSIX shortcut. POSIX only; on Windows the TypeScript layer refuses the
// call before it reaches the addon.
#ifndef _WIN32

#include <cstddef>
#include <cstring>

#include "args.h"
#include "errors.h"
#include "exports.h"
#include "peer_credentials.h"
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

// Whether bytes are a Unix socket address as the TypeScript layer encodes one: a path's bytes
// followed by their only NUL, or (Linux) an abstract name: a NUL, then at least one byte and no
// other NUL.
bool IsUnixAddress(const ByteView& bytes) {
  if (bytes.length < 2) return false;
  const void* first_nul = std::memchr(bytes.data, 0, bytes.length);
#if defined(__linux__)
  if (bytes.data[0] == 0) return std::memchr(bytes.data + 1, 0, bytes.length - 1) == nullptr;
#endif
  return first_nul == bytes.data + bytes.length - 1;
}

// Reads argument `index` into `address` and `length`. The TypeScript layer has checked the bytes
// to fit sun_path; they are checked again here, so a direct call cannot overrun the structure or
// reach somewhere a truncated or embedded-NUL path would point. With allow_absent, undefined and
// null leave *present false. Returns false after throwing.
bool ReadUnixAddress(const Napi::CallbackInfo& info, size_t index, const char* name,
                     bool allow_absent, sockaddr_un* address, socklen_t* length, bool* present) {
  ByteView bytes;
  if (!ReadBytes(info, index, name, sizeof(address->sun_path), allow_absent, &bytes)) {
    return false;
  }
  *present = bytes.present;
  if (!bytes.present) return true;
  if (!IsUnixAddress(bytes)) {
#if defined(__linux__)
    ThrowInvalidArgValue(info.Env(), name,
                         "must be a path's bytes followed by their only NUL byte, or a NUL byte "
                         "and an abstract name without NUL bytes");
#else
    ThrowInvalidArgValue(info.Env(), name, "must be a path's bytes followed by their only NUL byte");
#endif
    return false;
  }
  *address = sockaddr_un{};
  address->sun_family = AF_UNIX;
  std::memcpy(address->sun_path, bytes.data, bytes.length);
  *length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + bytes.length);
#if defined(__APPLE__)
  // The BSD socket address carries its own length.
  address->sun_len = static_cast<uint8_t>(*length);
#endif
  return true;
}

}  // namespace

Napi::Value ConnectUnixSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  sockaddr_un address;
  socklen_t length = 0;
  bool present = false;
  if (!ReadUnixAddress(info, 0, "path", false, &address, &length, &present)) {
    return env.Undefined();
  }
  sockaddr_un local;
  socklen_t local_length = 0;
  bool bind_first = false;
  if (!ReadUnixAddress(info, 1, "localAddress", true, &local, &local_length, &bind_first)) {
    return env.Undefined();
  }

  // Optional: a Float64Array of 3 that receives the peer's pid, uid and gid once connected.
  double* credentials = nullptr;
  if (info.Length() > 2 && !info[2].IsUndefined()) {
    if (!info[2].IsTypedArray() ||
        info[2].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
        info[2].As<Napi::Float64Array>().ElementLength() != 3) {
      ThrowInvalidArgType(env, "credentials", "a Float64Array of 3 elements");
      return env.Undefined();
    }
    credentials = info[2].As<Napi::Float64Array>().Data();
  }

  const int fd = OpenAdoptableStreamSocket(env, AF_UNIX, 0);
  if (fd == -1) return env.Undefined();
  if (bind_first && bind(fd, reinterpret_cast<const sockaddr*>(&local), local_length) == -1) {
    const int error = errno;
    close(fd);
    ThrowSystemError(env, error, "bind");
    return env.Undefined();
  }
  const int error = ConnectRetryingOnInterrupt(fd, address, length);
  if (error != 0) {
    // This function made the socket, so it is the one that closes it when the connection fails.
    close(fd);
    ThrowSystemError(env, error, "connect");
    return env.Undefined();
  }
  if (credentials == nullptr) return Napi::Number::New(env, fd);
  // The socket is this function's own AF_UNIX socket: no family check before SO_PEERCRED.
  const char* syscall = "";
  if (const int failure =
          ReadPeerCredentials(fd, &credentials[0], &credentials[1], &credentials[2], &syscall)) {
    close(fd);
    ThrowSystemError(env, failure, syscall);
    return env.Undefined();
  }
  return Napi::Number::New(env, fd);
}

}  // namespace loopfast

#endif  // !_WIN32
