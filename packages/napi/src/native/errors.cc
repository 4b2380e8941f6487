#include "errors.h"

#include <string>

#include "platform.h"

namespace loopfast {

int LastSocketError() {
#ifdef _WIN32
  return WSAGetLastError();
#else
  return errno;
#endif
}

void ThrowSystemError(Napi::Env env, int error_number, const char* syscall) {
  std::string message = std::string(syscall) + " failed with error " + std::to_string(error_number);
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("errno", Napi::Number::New(env, error_number));
  error.Set("syscall", Napi::String::New(env, syscall));
  error.ThrowAsJavaScriptException();
}

void ThrowInvalidArgType(Napi::Env env, const char* name, const char* expected) {
  std::string message = std::string("The \"") + name + "\" argument must be " + expected;
  Napi::TypeError error = Napi::TypeError::New(env, message);
  error.Set("code", Napi::String::New(env, "ERR_INVALID_ARG_TYPE"));
  error.ThrowAsJavaScriptException();
}

void ThrowInvalidArgValue(Napi::Env env, const char* name, const char* reason) {
  std::string message = std::string("The argument '") + name + "' " + reason;
  Napi::TypeError error = Napi::TypeError::New(env, message);
  error.Set("code", Napi::String::New(env, "ERR_INVALID_ARG_VALUE"));
  error.ThrowAsJavaScriptException();
}

void ThrowOutOfRange(Napi::Env env, const char* name, const char* range) {
  std::string message = std::string("The value of \"") + name + "\" is out of range. It must be " + range;
  Napi::RangeError error = Napi::RangeError::New(env, message);
  error.Set("code", Napi::String::New(env, "ERR_OUT_OF_RANGE"));
  error.ThrowAsJavaScriptException();
}

}  // namespace loopfast
