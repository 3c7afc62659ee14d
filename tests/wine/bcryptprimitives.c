/* Test-only stand-in for bcryptprimitives.dll under Wine 8.0, which lacks ProcessPrng.
 * Rust's std for x86_64-pc-windows-gnu (Windows 10+) imports ProcessPrng to seed HashMap keys.
 * Never shipped: real Windows and WinPE 10/11 provide the genuine DLL. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length); /* RtlGenRandom, advapi32 */

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
