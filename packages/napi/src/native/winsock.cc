// startWinsock: Windows only. The TypeScript loader calls it once after loading the addon, before
// any other call. WSAStartup is reference-counted, so it coexists with the start libuv made; the
// reference is held for the life of the process.
#ifdef _WIN32

#include "errors.h"
#include "exports.h"
#include "platform.h"

namespace loopfast {

Napi::Value StartWinsock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  WSADATA data;
  // WSAStartup returns its error; WSAGetLastError() is not valid before a successful start.
  int error = WSAStartup(MAKEWORD(2, 2), &data);
  if (error != 0) ThrowSystemError(env, error, "WSAStartup");
  return env.Undefined();
}

}  // namespace loopfast

#endif  // _WIN32
