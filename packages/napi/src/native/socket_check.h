// POSIX: is this descriptor a socket? (Windows has no equivalent step: Winsock itself answers
// WSAENOTSOCK for anything that is not a SOCKET.)
#ifndef LOOPFAST_NAPI_SOCKET_CHECK_H_
#define LOOPFAST_NAPI_SOCKET_CHECK_H_

#ifndef _WIN32

#include <napi.h>

namespace loopfast {

// getsockopt(fd, SOL_SOCKET, SO_TYPE): true for a socket; otherwise throws the getsockopt error
// (EBADF for a closed descriptor, ENOTSOCK for a file or pipe) and returns false.
bool EnsureSocket(Napi::Env env, int fd);

}  // namespace loopfast

#endif  // !_WIN32

#endif  // LOOPFAST_NAPI_SOCKET_CHECK_H_
