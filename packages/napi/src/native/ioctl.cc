// The fast-path ioctl and the generic socket ioctl.
#include <cstddef>
#include <cstring>
#include <vector>

#include "args.h"
#include "errors.h"
#include "exports.h"
#include "platform.h"
#include "socket_check.h"

namespace loopfast {

namespace {

// Largest input or output buffer of the generic ioctl (64 KiB), as MAX_IOCTL_BUFFER in core.
constexpr size_t kMaxIoctlBuffer = 0x10000;

Napi::Value EmptyBuffer(Napi::Env env) { return Napi::Buffer<uint8_t>::New(env, 0); }

}  // namespace

#ifdef _WIN32

Napi::Value ApplyLoopbackFastPath(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SOCKET s;
  bool enabled = true;
  if (!ReadSocket(info, 0, &s) || !ReadBoolean(info, 1, "enabled", &enabled)) {
    return env.Undefined();
  }
  BOOL value = enabled ? TRUE : FALSE;
  DWORD bytes = 0;
  // Input: a 4-byte Boolean. Output: none (cbOutBuffer must be 0).
  if (WSAIoctl(s, SIO_LOOPBACK_FAST_PATH, &value, sizeof(value), nullptr, 0, &bytes, nullptr,
               nullptr) == SOCKET_ERROR) {
    int error = WSAGetLastError();
    ThrowSystemError(env, error, "WSAIoctl");
  }
  return env.Undefined();
}

Napi::Value Ioctl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  SOCKET s;
  uint32_t code = 0;
  ByteView input;
  int64_t output_length = 0;
  if (!ReadSocket(info, 0, &s) || !ReadUint32(info, 1, "code", &code) ||
      !ReadBytes(info, 2, "input", kMaxIoctlBuffer, true, &input) ||
      !ReadInteger(info, 3, "outputLength", 0, kMaxIoctlBuffer, &output_length)) {
    return env.Undefined();
  }
  std::vector<uint8_t> output(static_cast<size_t>(output_length));
  DWORD bytes = 0;
  // WSAIoctl's input pointer is not const; it only reads from it.
  void* in = input.length ? const_cast<uint8_t*>(input.data) : nullptr;
  void* out = output.empty() ? nullptr : output.data();
  if (WSAIoctl(s, code, in, static_cast<DWORD>(input.length), out,
               static_cast<DWORD>(output.size()), &bytes, nullptr, nullptr) == SOCKET_ERROR) {
    int error = WSAGetLastError();
    ThrowSystemError(env, error, "WSAIoctl");
    return env.Undefined();
  }
  size_t returned = bytes < output.size() ? bytes : output.size();
  if (returned == 0) return EmptyBuffer(env);
  return Napi::Buffer<uint8_t>::Copy(env, output.data(), returned);
}

#else  // POSIX

namespace {

// The kernel writes as many bytes as the request defines, whatever the caller meant: a request
// for a struct (ifreq, 40 bytes) would overrun a lone int on the stack. The int therefore sits
// at the start of a zeroed scratch area as large as any socket ioctl argument; macOS caps the
// size a request can encode at IOCPARM_MAX (8 KiB).
constexpr size_t kIoctlScratchBytes = 8192;

}  // namespace

Napi::Value Ioctl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  uint32_t code = 0;
  ByteView input;
  int64_t output_length = 0;
  if (!ReadSocket(info, 0, &fd) || !ReadUint32(info, 1, "code", &code) ||
      !ReadBytes(info, 2, "input", sizeof(int), true, &input) ||
      !ReadInteger(info, 3, "outputLength", 0, sizeof(int), &output_length)) {
    return env.Undefined();
  }
  if (input.present && input.length != sizeof(int)) {
    ThrowOutOfRange(env, "input", "4 bytes (one int) on POSIX");
    return env.Undefined();
  }
  if (output_length != 0 && output_length != static_cast<int64_t>(sizeof(int))) {
    ThrowOutOfRange(env, "outputLength", "0 or 4 (one int) on POSIX");
    return env.Undefined();
  }
  if (!EnsureSocket(env, fd)) return env.Undefined();

  int arg = 0;
  if (input.present) std::memcpy(&arg, input.data, sizeof(arg));
  alignas(alignof(std::max_align_t)) unsigned char scratch[kIoctlScratchBytes] = {};
  std::memcpy(scratch, &arg, sizeof(arg));
  if (ioctl(fd, code, static_cast<void*>(scratch)) == -1) {
    int error = errno;
    ThrowSystemError(env, error, "ioctl");
    return env.Undefined();
  }
  if (output_length == 0) return EmptyBuffer(env);
  std::memcpy(&arg, scratch, sizeof(arg));
  return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(&arg), sizeof(arg));
}

#endif

}  // namespace loopfast
