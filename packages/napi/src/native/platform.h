// Operating-system headers and the native socket type, in one place, so every other file sees
// the same view of Winsock (Windows) or BSD sockets (Linux, macOS).
#ifndef LOOPFAST_NAPI_PLATFORM_H_
#define LOOPFAST_NAPI_PLATFORM_H_

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <winsock2.h>
#include <ws2tcpip.h>
#include <mstcpip.h>
#else
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>
#endif

#include <cstdint>

namespace loopfast {

#ifdef _WIN32
// A Winsock SOCKET (UINT_PTR; INVALID_SOCKET is ~0).
using NativeSocket = SOCKET;

// WSA_FLAG_NO_HANDLE_INHERIT arrived with Windows 7 SP1 headers; older SDKs lack the name.
#ifndef WSA_FLAG_NO_HANDLE_INHERIT
#define WSA_FLAG_NO_HANDLE_INHERIT 0x80
#endif

// _WSAIOW(IOC_VENDOR, 16), as mstcpip.h spells it in SDKs that have it.
#ifndef SIO_LOOPBACK_FAST_PATH
#define SIO_LOOPBACK_FAST_PATH _WSAIOW(IOC_VENDOR, 16)
#endif
static_assert(static_cast<uint32_t>(SIO_LOOPBACK_FAST_PATH) == 0x98000010u,
              "SIO_LOOPBACK_FAST_PATH must be _WSAIOW(IOC_VENDOR, 16)");
#else
// A POSIX file descriptor.
using NativeSocket = int;
#endif

}  // namespace loopfast

#endif  // LOOPFAST_NAPI_PLATFORM_H_
