#pragma once

namespace lathe {

// Hands memory that finished stages freed back to the system. glibc raises its mmap threshold after the first large
// tensor is freed, so later tensors of up to 32 MiB live in its heap and, once freed, stay resident there: without
// this a compile's resident set ratchets up by several hundred MB over the layers. (A fixed low threshold instead
// cost 17 % more time in page faults.) A no-op with other C libraries.
void returnFreedMemory();

}  // namespace lathe
