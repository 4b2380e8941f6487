// Socket options: integers and raw bytes, through getsockopt / setsockopt.
#include <vector>

#include "args.h"
#include "errors.h"
#include "exports.h"
#include "platform.h"

namespace loopfast {

namespace {

// Largest raw option buffer (1 KiB), as MAX_OPTION_BUFFER in core.
constexpr size_t kMaxOptionBuffer = 0x400;

#ifdef _WIN32
using OptionLength = int;
using OptionPointer = char*;
using ConstOptionPointer = const char*;
constexpr int kSocketError = SOCKET_ERROR;
#else
using OptionLength = socklen_t;
using OptionPointer = void*;
using ConstOptionPointer = const void*;
constexpr int kSocketError = -1;
#endif

// The socket, level and name that every option call starts with.
bool ReadOptionTarget(const Napi::CallbackInfo& info, NativeSocket* s, int32_t* level,
                      int32_t* name) {
  return ReadSocket(info, 0, s) && ReadInt32(info, 1, "level", level) &&
         ReadInt32(info, 2, "name", name);
}

}  // namespace

Napi::Value GetSocketOption(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  NativeSocket s;
  int32_t level = 0;
  int32_t name = 0;
  if (!ReadOptionTarget(info, &s, &level, &name)) return env.Undefined();
  int value = 0;
  OptionLength length = sizeof(value);
  if (getsockopt(s, level, name, reinterpret_cast<OptionPointer>(&value), &length) ==
      kSocketError) {
    int error = LastSocketError();
    ThrowSystemError(env, error, "getsockopt");
    return env.Undefined();
  }
  return Napi::Number::New(env, value);
}

Napi::Value SetSocketOption(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  NativeSocket s;
  int32_t level = 0;
  int32_t name = 0;
  int32_t value = 0;
  if (!ReadOptionTarget(info, &s, &level, &name) || !ReadInt32(info, 3, "value", &value)) {
    return env.Undefined();
  }
  int option = value;
  if (setsockopt(s, level, name, reinterpret_cast<ConstOptionPointer>(&option),
                 sizeof(option)) == kSocketError) {
    int error = LastSocketError();
    ThrowSystemError(env, error, "setsockopt");
  }
  return env.Undefined();
}

Napi::Value GetSocketOptionBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  NativeSocket s;
  int32_t level = 0;
  int32_t name = 0;
  int64_t requested = 0;
  if (!ReadOptionTarget(info, &s, &level, &name) ||
      !ReadInteger(info, 3, "length", 1, kMaxOptionBuffer, &requested)) {
    return env.Undefined();
  }
  std::vector<uint8_t> buffer(static_cast<size_t>(requested));
  OptionLength length = static_cast<OptionLength>(buffer.size());
  if (getsockopt(s, level, name, reinterpret_cast<OptionPointer>(buffer.data()), &length) ==
      kSocketError) {
    int error = LastSocketError();
    ThrowSystemError(env, error, "getsockopt");
    return env.Undefined();
  }
  size_t returned = static_cast<size_t>(length);
  if (returned > buffer.size()) returned = buffer.size();
  if (returned == 0) return Napi::Buffer<uint8_t>::New(env, 0);
  return Napi::Buffer<uint8_t>::Copy(env, buffer.data(), returned);
}

Napi::Value SetSocketOptionBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  NativeSocket s;
  int32_t level = 0;
  int32_t name = 0;
  ByteView bytes;
  if (!ReadOptionTarget(info, &s, &level, &name) ||
      !ReadBytes(info, 3, "value", kMaxOptionBuffer, false, &bytes)) {
    return env.Undefined();
  }
  if (bytes.length == 0) {
    ThrowOutOfRange(env, "value.byteLength", ">= 1 and <= 1024");
    return env.Undefined();
  }
  if (setsockopt(s, level, name, reinterpret_cast<ConstOptionPointer>(bytes.data),
                 static_cast<OptionLength>(bytes.length)) == kSocketError) {
    int error = LastSocketError();
    ThrowSystemError(env, error, "setsockopt");
  }
  return env.Undefined();
}

}  // namespace loopfast
