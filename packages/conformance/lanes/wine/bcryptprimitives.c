/*
 * bcryptprimitives.dll for Wine 8, which lacks it (Wine 9 has it): Rust programs built with
 * Rust 1.78 or later, such as the rolldown binary vitest's bundler loads, import ProcessPrng
 * from it. ProcessPrng fills a buffer from the system's cryptographic random generator; here
 * that is RtlGenRandom (advapi32's SystemFunction036), which Wine implements.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  while (length > 0) {
    ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
    if (!SystemFunction036(data, chunk)) return FALSE;
    data += chunk;
    length -= chunk;
  }
  return TRUE;
}
