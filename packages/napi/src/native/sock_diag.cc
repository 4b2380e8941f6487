// exchangeSockDiag: one request on a new NETLINK_SOCK_DIAG socket and the kernel's whole answer,
// up to its NLMSG_DONE or NLMSG_ERROR message. Linux only; the TypeScript layer builds the
// request and reads the answer (with @loopfast/core), and refuses other platforms first.
#if defined(__linux__)

#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include <vector>

#include "args.h"
#include "errors.h"
#include "exports.h"
#include "platform.h"

namespace loopfast {

namespace {

// Room for one recv of the answer: the kernel fills up to a page's worth of messages.
constexpr size_t kAnswerChunk = 32 * 1024;
// The largest request accepted: an inet_diag_req_v2 and its header need 72 bytes.
constexpr size_t kMaxRequest = 4096;

// Whether the messages of one recv include the one that ends a dump.
bool AnswerEnded(const uint8_t* data, size_t length) {
  int remaining = static_cast<int>(length);
  for (auto* message = reinterpret_cast<const nlmsghdr*>(data); NLMSG_OK(message, remaining);
       message = NLMSG_NEXT(message, remaining)) {
    if (message->nlmsg_type == NLMSG_DONE || message->nlmsg_type == NLMSG_ERROR) return true;
  }
  return false;
}

// Closes the descriptor on every way out.
struct OwnedDescriptor {
  int fd;
  ~OwnedDescriptor() { close(fd); }
};

}  // namespace

Napi::Value ExchangeSockDiag(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ByteView request;
  if (!ReadBytes(info, 0, "request", kMaxRequest, false, &request)) return env.Undefined();
  int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd == -1) {
    int error = errno;
    ThrowSystemError(env, error, "socket");
    return env.Undefined();
  }
  OwnedDescriptor owned{fd};
  while (send(fd, request.data, request.length, 0) == -1) {
    int error = errno;
    if (error == EINTR) continue;
    ThrowSystemError(env, error, "send");
    return env.Undefined();
  }
  std::vector<uint8_t> answer;
  std::vector<uint8_t> chunk(kAnswerChunk);
  for (;;) {
    ssize_t received = recv(fd, chunk.data(), chunk.size(), 0);
    if (received == -1) {
      int error = errno;
      if (error == EINTR) continue;
      ThrowSystemError(env, error, "recv");
      return env.Undefined();
    }
    answer.insert(answer.end(), chunk.begin(), chunk.begin() + received);
    if (received == 0 || AnswerEnded(chunk.data(), static_cast<size_t>(received))) break;
  }
  return Napi::Buffer<uint8_t>::Copy(env, answer.data(), answer.size());
}

}  // namespace loopfast

#endif  // __linux__
