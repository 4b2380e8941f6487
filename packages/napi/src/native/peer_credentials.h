// POSIX: the credentials of the peer of a connected Unix domain socket, shared by
// getPeerCredentials (peer_credentials.cc) and connectUnixSocket (unix_connect.cc).
#ifndef LOOPFAST_NAPI_PEER_CREDENTIALS_H_
#define LOOPFAST_NAPI_PEER_CREDENTIALS_H_

#ifndef _WIN32

namespace loopfast {

// Reads the pid, uid and gid of the peer of fd, an AF_UNIX socket: Linux SO_PEERCRED, macOS
// getpeereid and LOCAL_PEERPID (pid -1 where unknown). Returns 0, or the errno of the failed call
// with *syscall naming it.
int ReadPeerCredentials(int fd, double* pid, double* uid, double* gid, const char** syscall);

}  // namespace loopfast

#endif  // !_WIN32

#endif  // LOOPFAST_NAPI_PEER_CREDENTIALS_H_
