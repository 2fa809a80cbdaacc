#pragma once

#include <unistd.h>
#include <cstdlib>

namespace lathe::app {

// libtorch's OpenMP threads spin after every parallel operation by default, while its BLAS (OpenBLAS's own
// threads) needs those cores for the GEMMs that follow: on a 2-core machine half a compile's CPU time went to
// that spinning. OpenBLAS's idle threads in turn spin (yielding) for about 2^28 cycles after each call, which
// cost a compile about 4 % of its time in the scheduler; 2^4 makes them sleep at once. Both libraries read these
// settings only when they are loaded, so the process re-executes itself once with them unless the user chose an
// OpenMP wait policy. If the re-exec fails it simply runs as it is.
inline void useSleepingOpenMpThreads(char** argv)
{
    if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    ::setenv("OPENBLAS_THREAD_TIMEOUT", "4", /*overwrite=*/0);
    ::execv("/proc/self/exe", argv);
}

}  // namespace lathe::app
