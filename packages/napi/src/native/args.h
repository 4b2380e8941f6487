// Reading JS arguments safely. The TypeScript layer validates everything first with
// @loopfast/core's validators; these checks are the native backstop, so the addon called
// directly with wrong types throws a TypeError or RangeError instead of crashing.
// Each reader returns false after throwing (a pending JS exception); the caller then returns.
#ifndef LOOPFAST_NAPI_ARGS_H_
#define LOOPFAST_NAPI_ARGS_H_

#include <napi.h>

#include <cstddef>
#include <cstdint>

#include "platform.h"

namespace loopfast {

// A socket: an integer number in [0, 2^31 - 1], as libuv's open() takes it.
bool ReadSocket(const Napi::CallbackInfo& info, size_t index, NativeSocket* out);

// An integer number in [min, max].
bool ReadInteger(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t min,
                 int64_t max, int64_t* out);

// A signed 32-bit integer.
bool ReadInt32(const Napi::CallbackInfo& info, size_t index, const char* name, int32_t* out);

// An unsigned 32-bit integer.
bool ReadUint32(const Napi::CallbackInfo& info, size_t index, const char* name, uint32_t* out);

// An IP family: the number 4 or 6.
bool ReadFamily(const Napi::CallbackInfo& info, size_t index, int* out);

// A boolean.
bool ReadBoolean(const Napi::CallbackInfo& info, size_t index, const char* name, bool* out);

// A view of the bytes of a Uint8Array (a Buffer is one) of at most max_length bytes. With
// allow_absent, undefined and null give a null view of length 0.
struct ByteView {
  const uint8_t* data = nullptr;
  size_t length = 0;
  bool present = false;
};
bool ReadBytes(const Napi::CallbackInfo& info, size_t index, const char* name, size_t max_length,
               bool allow_absent, ByteView* out);

}  // namespace loopfast

#endif  // LOOPFAST_NAPI_ARGS_H_
