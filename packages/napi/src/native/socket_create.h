// POSIX: the one place a stream socket is made the way libuv adopts one, shared by
// createTcpSocket (socket_create.cc) and connectUnixSocket (unix_connect.cc).
#ifndef LOOPFAST_NAPI_SOCKET_CREATE_H_
#define LOOPFAST_NAPI_SOCKET_CREATE_H_

#ifndef _WIN32

#include <napi.h>

namespace loopfast {

// socket(family, SOCK_STREAM, protocol), non-blocking and close-on-exec: both flags in the
// socket() call on Linux, fcntl() afterwards elsewhere. Returns the descriptor; on failure throws
// the socket or fcntl error (a pending JS exception), leaves nothing open and returns -1.
int OpenAdoptableStreamSocket(Napi::Env env, int family, int protocol);

}  // namespace loopfast

#endif  // !_WIN32

#endif  // LOOPFAST_NAPI_SOCKET_CREATE_H_
