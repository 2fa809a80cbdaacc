#include "lathe/common/ComputeThreads.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <thread>

namespace lathe {

int setComputeThreads(int threads, int hiddenSize)
{
    int count = threads;
    if (count <= 0) {
        // libtorch picks one thread on small machines unless told otherwise.
        count = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
        if (hiddenSize > 0 && hiddenSize < 256) count = 1;
    }
    if (at::get_num_threads() != count) at::set_num_threads(count);
    return count;
}

}  // namespace lathe
