#include "socket_check.h"

#ifndef _WIN32

#include "args.h"
#include "errors.h"
#include "exports.h"
#include "platform.h"

namespace loopfast {

bool EnsureSocket(Napi::Env env, int fd) {
  int type = 0;
  socklen_t length = sizeof(type);
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0) {
    int error = LastSocketError();
    ThrowSystemError(env, error, "getsockopt");
    return false;
  }
  return true;
}

Napi::Value CheckSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  NativeSocket fd;
  if (!ReadSocket(info, 0, &fd)) return env.Undefined();
  EnsureSocket(env, fd);
  return env.Undefined();
}

}  // namespace loopfast

#endif  // !_WIN32
