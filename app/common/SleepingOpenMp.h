#pragma once

#include <unistd.h>
#include <cstdlib>

namespace lathe::app {

// libtorch's OpenMP threads spin after every parallel operation by default, while its BLAS (OpenBLAS's own
// threads) needs those cores for the GEMMs that follow: on a 2-core machine half a compile's CPU time went to
// that spinning. libgomp reads its wait policy only when it is loaded, so the process re-executes itself once
// with OMP_WAIT_POLICY=PASSIVE unless the user chose a policy. If the re-exec fails it simply runs as it is.
inline void useSleepingOpenMpThreads(char** argv)
{
    if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    ::execv("/proc/self/exe", argv);
}

}  // namespace lathe::app
