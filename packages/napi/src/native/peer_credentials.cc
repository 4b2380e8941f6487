// getPeerCredentials: who is at the other end of a connected Unix domain socket. POSIX only; on
// Windows the TypeScript layer refuses the call before it reaches the addon. The socket's family
// is checked first: the kernel would answer for a TCP socket too, with placeholders (pid 0, uid
// and gid 4294967295 on Linux) that must never pass for a peer's identity.
#ifndef _WIN32

#include "args.h"
#include "errors.h"
#include "exports.h"
#include "platform.h"

namespace loopfast {

namespace {

Napi::Value Credentials(Napi::Env env, double pid, double uid, double gid) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("family", Napi::Number::New(env, AF_UNIX));
  result.Set("pid", Napi::Number::New(env, pid));
  result.Set("uid", Napi::Number::New(env, uid));
  result.Set("gid", Napi::Number::New(env, gid));
  return result;
}

}  // namespace

Napi::Value GetPeerCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ReadSocket(info, 0, &fd)) return env.Undefined();
  // getsockname fails with EBADF for a closed descriptor and ENOTSOCK for a file.
  sockaddr_storage address{};
  socklen_t address_length = sizeof(address);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_length) == -1) {
    int error = errno;
    ThrowSystemError(env, error, "getsockname");
    return env.Undefined();
  }
  if (address.ss_family != AF_UNIX) {
    Napi::Object other = Napi::Object::New(env);
    other.Set("family", Napi::Number::New(env, address.ss_family));
    return other;
  }
#if defined(__linux__)
  struct ucred credentials {};
  socklen_t length = sizeof(credentials);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == -1) {
    int error = errno;
    ThrowSystemError(env, error, "getsockopt");
    return env.Undefined();
  }
  return Credentials(env, credentials.pid, credentials.uid, credentials.gid);
#elif defined(__APPLE__)
  uid_t uid = 0;
  gid_t gid = 0;
  if (getpeereid(fd, &uid, &gid) == -1) {
    int error = errno;
    ThrowSystemError(env, error, "getpeereid");
    return env.Undefined();
  }
  pid_t pid = -1;
  socklen_t length = sizeof(pid);
  // SOL_LOCAL (0), LOCAL_PEERPID (2); the pid is optional, so a failure leaves -1.
  if (getsockopt(fd, SOL_LOCAL, LOCAL_PEERPID, &pid, &length) == -1) pid = -1;
  return Credentials(env, pid, uid, gid);
#else
  // Only Linux and macOS are supported; other systems get a clear error, never a guess.
  ThrowSystemError(env, ENOSYS, "getsockopt");
  return env.Undefined();
#endif
}

}  // namespace loopfast

#endif  // !_WIN32
