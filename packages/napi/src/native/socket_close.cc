// closeSocket: closes a socket that was never handed to Node.
#include "args.h"
#include "errors.h"
#include "exports.h"
#include "platform.h"
#include "socket_check.h"

namespace loopfast {

Napi::Value CloseSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  NativeSocket s;
  if (!ReadSocket(info, 0, &s)) return env.Undefined();
#ifdef _WIN32
  if (closesocket(s) == SOCKET_ERROR) {
    int error = WSAGetLastError();
    ThrowSystemError(env, error, "closesocket");
  }
#else
  // Refuse anything that is not a socket (a regular file stays open).
  if (!EnsureSocket(env, s)) return env.Undefined();
  // No retry on EINTR: the descriptor is released either way, and retrying could close a
  // descriptor another thread has just been given.
  if (close(s) == -1) {
    int error = errno;
    ThrowSystemError(env, error, "close");
  }
#endif
  return env.Undefined();
}

}  // namespace loopfast
