// The one conversion of a failed native call into a JS error, shared by the Windows and POSIX
// halves, plus the argument errors the addon raises when it is called with the wrong types.
#ifndef LOOPFAST_NAPI_ERRORS_H_
#define LOOPFAST_NAPI_ERRORS_H_

#include <napi.h>

namespace loopfast {

// The error of the socket call that just failed: WSAGetLastError() on Windows, errno on POSIX.
// Call it immediately after the failing call, before anything that could overwrite it.
int LastSocketError();

// Throws (as a pending JS exception) an Error carrying `errno` (number) and `syscall` (string).
// The TypeScript layer turns it into @loopfast/core's LoopfastSystemError.
void ThrowSystemError(Napi::Env env, int error_number, const char* syscall);

// Throws a TypeError with code ERR_INVALID_ARG_TYPE.
void ThrowInvalidArgType(Napi::Env env, const char* name, const char* expected);

// Throws a TypeError with code ERR_INVALID_ARG_VALUE.
void ThrowInvalidArgValue(Napi::Env env, const char* name, const char* reason);

// Throws a RangeError with code ERR_OUT_OF_RANGE.
void ThrowOutOfRange(Napi::Env env, const char* name, const char* range);

}  // namespace loopfast

#endif  // LOOPFAST_NAPI_ERRORS_H_
