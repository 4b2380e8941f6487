#include "args.h"

#include <cmath>
#include <string>

#include "errors.h"

namespace loopfast {

namespace {

constexpr int64_t kInt32Min = -2147483647LL - 1;
constexpr int64_t kInt32Max = 2147483647LL;
constexpr int64_t kUint32Max = 4294967295LL;

// napi_get_value_double checks the type and converts in one call (these run on every backend
// call, so one Node-API round trip per argument matters).
bool ReadNumber(const Napi::CallbackInfo& info, size_t index, const char* name, double* out) {
  napi_status status = napi_get_value_double(info.Env(), info[index], out);
  if (status == napi_ok) return true;
  if (!info.Env().IsExceptionPending()) ThrowInvalidArgType(info.Env(), name, "of type number");
  return false;
}

}  // namespace

bool ReadInteger(const Napi::CallbackInfo& info, size_t index, const char* name, int64_t min,
                 int64_t max, int64_t* out) {
  double number = 0;
  if (!ReadNumber(info, index, name, &number)) return false;
  // NaN fails both comparisons; the range check comes before the cast so it is always defined.
  if (!(number >= static_cast<double>(min) && number <= static_cast<double>(max)) ||
      std::trunc(number) != number) {
    std::string range = "an integer >= " + std::to_string(min) + " and <= " + std::to_string(max);
    ThrowOutOfRange(info.Env(), name, range.c_str());
    return false;
  }
  *out = static_cast<int64_t>(number);
  return true;
}

bool ReadSocket(const Napi::CallbackInfo& info, size_t index, NativeSocket* out) {
  int64_t value = 0;
  if (!ReadInteger(info, index, "socket", 0, kInt32Max, &value)) return false;
  *out = static_cast<NativeSocket>(value);
  return true;
}

bool ReadInt32(const Napi::CallbackInfo& info, size_t index, const char* name, int32_t* out) {
  int64_t value = 0;
  if (!ReadInteger(info, index, name, kInt32Min, kInt32Max, &value)) return false;
  *out = static_cast<int32_t>(value);
  return true;
}

bool ReadUint32(const Napi::CallbackInfo& info, size_t index, const char* name, uint32_t* out) {
  int64_t value = 0;
  if (!ReadInteger(info, index, name, 0, kUint32Max, &value)) return false;
  *out = static_cast<uint32_t>(value);
  return true;
}

bool ReadFamily(const Napi::CallbackInfo& info, size_t index, int* out) {
  double number = 0;
  if (!ReadNumber(info, index, "family", &number)) return false;
  if (number != 4 && number != 6) {
    ThrowInvalidArgValue(info.Env(), "family", "must be 4 or 6");
    return false;
  }
  *out = static_cast<int>(number);
  return true;
}

bool ReadBoolean(const Napi::CallbackInfo& info, size_t index, const char* name, bool* out) {
  Napi::Value value = info[index];
  if (!value.IsBoolean()) {
    ThrowInvalidArgType(info.Env(), name, "of type boolean");
    return false;
  }
  *out = value.As<Napi::Boolean>().Value();
  return true;
}

bool ReadBytes(const Napi::CallbackInfo& info, size_t index, const char* name, size_t max_length,
               bool allow_absent, ByteView* out) {
  Napi::Value value = info[index];
  if (allow_absent && (value.IsUndefined() || value.IsNull())) {
    *out = ByteView{};
    return true;
  }
  if (!value.IsTypedArray() ||
      value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    ThrowInvalidArgType(info.Env(), name, "an instance of Buffer or Uint8Array");
    return false;
  }
  Napi::Uint8Array bytes = value.As<Napi::Uint8Array>();
  size_t length = bytes.ByteLength();
  if (length > max_length) {
    std::string range = "<= " + std::to_string(max_length) + " bytes";
    ThrowOutOfRange(info.Env(), name, range.c_str());
    return false;
  }
  out->data = bytes.Data();
  out->length = length;
  out->present = true;
  return true;
}

}  // namespace loopfast
