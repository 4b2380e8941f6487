// getPeerCredentials: who is at the other end of a connected Unix domain socket. POSIX only; on
// Windows the TypeScript layer refuses the call before it reaches the addon. The socket's family
// is checked first: the kernel would answer for a TCP socket too, with placeholders (pid 0, uid
// and gid 4294967295 on Linux) that must never pass for a peer's identity.
#ifndef _WIN32

#include "args.h"
#include "errors.h"
#include "exports.h"
#include "peer_credentials.h"
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

int ReadPeerCredentials(int fd, double* pid, double* uid, double* gid, const char** syscall) {
#if defined(__linux__)
  struct ucred credentials {};
  socklen_t length = sizeof(credentials);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length) == -1) {
    *syscall = "getsockopt";
    return errno;
  }
  *pid = credentials.pid;
  *uid = credentials.uid;
  *gid = credentials.gid;
  return 0;
#elif defined(__APPLE__)
  uid_t peer_uid = 0;
  gid_t peer_gid = 0;
  if (getpeereid(fd, &peer_uid, &peer_gid) == -1) {
    *syscall = "getpeereid";
    return errno;
  }
  pid_t peer_pid = -1;
  socklen_t length = sizeof(peer_pid);
  // SOL_LOCAL (0), LOCAL_PEERPID (2); the pid is optional, so a failure leaves -1.
  if (getsockopt(fd, SOL_LOCAL, LOCAL_PEERPID, &peer_pid, &length) == -1) peer_pid = -1;
  *pid = peer_pid;
  *uid = peer_uid;
  *gid = peer_gid;
  return 0;
#else
  // Only Linux and macOS are supported; other systems get a clear error, never a guess.
  *syscall = "getsockopt";
  return ENOSYS;
#endif
}

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
  double pid = -1;
  double uid = 0;
  double gid = 0;
  const char* syscall = "";
  if (const int error = ReadPeerCredentials(fd, &pid, &uid, &gid, &syscall)) {
    ThrowSystemError(env, error, syscall);
    return env.Undefined();
  }
  return Credentials(env, pid, uid, gid);
}

}  // namespace loopfast

#endif  // !_WIN32
