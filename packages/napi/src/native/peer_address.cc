// getUnixPeerAddress: the address the peer of a connected Unix domain socket is bound to
// (getpeername). POSIX only; on Windows the TypeScript layer refuses the call before it reaches
// the addon. The bytes are returned raw; the TypeScript layer reads them (core's
// unixAddressFromSunPath), as the ffi backend does.
#ifndef _WIN32

#include <cstddef>

#include "args.h"
#include "errors.h"
#include "exports.h"
#include "platform.h"

namespace loopfast {

Napi::Value GetUnixPeerAddress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ReadSocket(info, 0, &fd)) return env.Undefined();
  sockaddr_storage peer{};
  socklen_t peer_length = sizeof(peer);
  int peer_error = 0;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) == -1) peer_error = errno;
  // The family comes from the socket's own address: an unconnected TCP socket is refused as not
  // a Unix socket rather than as not connected. Should that lookup fail too (a closed
  // descriptor, a file), the getpeername error is the one reported.
  sockaddr_storage own{};
  socklen_t own_length = sizeof(own);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&own), &own_length) == -1) {
    const int error = errno;
    ThrowSystemError(env, peer_error != 0 ? peer_error : error,
                     peer_error != 0 ? "getpeername" : "getsockname");
    return env.Undefined();
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("family", Napi::Number::New(env, own.ss_family));
  if (own.ss_family != AF_UNIX) return result;
  if (peer_error != 0) {
    ThrowSystemError(env, peer_error, "getpeername");
    return env.Undefined();
  }
  const size_t offset = offsetof(sockaddr_un, sun_path);
  const size_t length = peer_length < sizeof(peer) ? peer_length : sizeof(peer);
  const size_t path_length = length > offset ? length - offset : 0;
  result.Set("sunPath", Napi::Buffer<uint8_t>::Copy(
                            env, reinterpret_cast<const uint8_t*>(&peer) + offset, path_length));
  return result;
}

}  // namespace loopfast

#endif  // !_WIN32
