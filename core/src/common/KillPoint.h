#pragma once
// Private to core. Named points where a test may have the process killed, to prove that an interrupted run
// resumes (docs/reliability.md). With LATHE_KILL_AT=<name> set, the process sends itself SIGKILL when it reaches
// that point: no handler, destructor or flush runs, exactly as with `kill -9`, but at a chosen step rather than
// wherever an outside kill happens to land. Without the variable a point costs one comparison.

#include <string_view>

namespace lathe {

void killPoint(std::string_view name);

}  // namespace lathe
