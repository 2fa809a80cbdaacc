#pragma once

#include "lathe/common/Result.h"

#include <ATen/ATen.h>

#include <string>

namespace lathe::exports {

// Reads the one tensor in a torch.save zip file with a small pickle interpreter. libtorch's pickle_load
// rejects globals it does not know, and Python's torch.save(model.get_input_embeddings().weight) writes an
// nn.Parameter (torch._utils._rebuild_parameter); this reader understands tensors, parameters, and dicts of
// them, which is all an embedding file holds. A torch.jit.save archive of a module is read the same way: its
// data.pkl builds the module from a dict of its attributes, and that dict is what is searched ("weight" first,
// else its only tensor); the module's code is never parsed, since libtorch's TorchScript importer crashes on a
// damaged one (found by fuzzing, docs/reliability.md). The returned tensor owns its memory.
// Errors: Corrupt (not a torch.save zip, malformed pickle), Unsupported (other objects), naming the file.
Result<at::Tensor> readSavedTensor(const std::string& path);

}  // namespace lathe::exports
