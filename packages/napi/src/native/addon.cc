// Registers the addon's functions. Node-API version: see NAPI_VERSION in binding.gyp.
#include <napi.h>

#include "exports.h"

namespace loopfast {

namespace {

void Export(Napi::Env env, Napi::Object exports, const char* name, Napi::Function::Callback fn) {
  exports.Set(name, Napi::Function::New(env, fn, name));
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Export(env, exports, "createTcpSocket", CreateTcpSocket);
  Export(env, exports, "closeSocket", CloseSocket);
#ifdef _WIN32
  Export(env, exports, "startWinsock", StartWinsock);
  Export(env, exports, "applyLoopbackFastPath", ApplyLoopbackFastPath);
#else
  Export(env, exports, "checkSocket", CheckSocket);
  Export(env, exports, "getPeerCredentials", GetPeerCredentials);
  Export(env, exports, "connectUnixSocket", ConnectUnixSocket);
  Export(env, exports, "getUnixPeerAddress", GetUnixPeerAddress);
#endif
#if defined(__linux__)
  Export(env, exports, "exchangeSockDiag", ExchangeSockDiag);
#endif
  Export(env, exports, "ioctl", Ioctl);
  Export(env, exports, "getSocketOption", GetSocketOption);
  Export(env, exports, "setSocketOption", SetSocketOption);
  Export(env, exports, "getSocketOptionBuffer", GetSocketOptionBuffer);
  Export(env, exports, "setSocketOptionBuffer", SetSocketOptionBuffer);
  exports.Set("napiVersion", Napi::Number::New(env, NAPI_VERSION));
  return exports;
}

}  // namespace loopfast

// NODE_API_MODULE pastes the function name into an identifier, so it needs an unqualified one.
static Napi::Object InitLoopfastNapi(Napi::Env env, Napi::Object exports) {
  return loopfast::Init(env, exports);
}

NODE_API_MODULE(loopfast_napi, InitLoopfastNapi)
